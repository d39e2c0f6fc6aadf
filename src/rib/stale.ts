// Graceful-restart stale paths (RFC 4724 4.2 helper, RFC 7313 refresh) in one peer's Adj-RIB-In
// table: separate from rib.ts because it only flags and picks path slots; Rib removes them.
import type { IntTable } from './int-table';
import { FLAG_STALE, PathStore } from './path-store';

/** Marks every path of the table stale: GR session loss, or RFC 7313 4 BoRR. */
export function markAllStale(paths: PathStore, table: IntTable): void {
  table.forEach((_k, _o, slot) => {
    paths.flags[slot] |= FLAG_STALE; // flags only: the table keeps its shape
  });
}

/** Withdraws (remove(slot)) the table's paths still marked stale; returns how many went. */
export function removeStale(paths: PathStore, table: IntTable, remove: (slot: number) => void): number {
  // Usually nothing is stale (End-of-RIB after a fresh session): look before copying.
  let stale = 0;
  table.forEach((_k, _o, slot) => {
    stale += paths.flags[slot] & FLAG_STALE;
  });
  if (stale === 0) return 0;
  let n = 0;
  const slots = slotsOf(table);
  for (let i = 0; i < slots.length; i++) {
    if (paths.flags[slots[i]] & FLAG_STALE) {
      remove(slots[i]);
      n++;
    }
  }
  return n;
}

/**
 * The slots of an Adj-RIB-In table, copied first: removing paths reshapes the table. A
 * typed array of the exact size: a full table's copy as a growing JS array cost ~30 MiB of
 * transient heap at 500k paths.
 */
export function slotsOf(table: IntTable): Int32Array {
  const out = new Int32Array(table.size);
  let i = 0;
  table.forEach((_k, _o, v) => {
    out[i++] = v;
  });
  return out;
}
