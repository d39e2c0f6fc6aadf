// One peer's paths in the PathStore, found by a scan of the slot arrays (the Adj-RIB-In keeps
// no per-peer index, see rib.ts), and graceful-restart stale paths (RFC 4724 4.2 helper,
// RFC 7313 refresh): separate from rib.ts because it only flags and picks path slots; Rib
// removes them.
import { FLAG_STALE, NONE, type PathStore } from './path-store';
import { forEachRunScattered } from './scatter';

/**
 * Calls fn(slot) for every path of `peer`. A scan over every path slot: session-level events
 * only (down, GR, refresh), where the per-prefix work that follows costs more than the scan.
 * fn may remove the slot it is given.
 */
export function forEachPathOf(paths: PathStore, peer: number, fn: (slot: number) => void): void {
  const end = paths.slotLimit;
  for (let s = 0; s < end; s++) if (paths.peer[s] === peer && paths.prefix[s] !== NONE) fn(s);
}

/**
 * forEachPathOf in a scattered order (scatter.ts), for sweeps that withdraw (session down,
 * stale paths dropped). Slots are mostly in arrival order, and a peer typically sends its
 * table sorted, so a plain sweep withdraws in ascending prefix order, which the decision
 * keeps (a FIFO) down to the kernel FIB, where sorted deletes are the slowest. The FIB's
 * queue scatters a backlog too, but only what is queued at the time (its first scatter comes
 * at 8192 changes, before the rest of a sweep is there), so scattering the sweep itself still
 * pays: bench/fib e2e 1M withdraw 4.41-4.92 s with it, 5.69-6.06 s without (2026-12-03).
 * A bulk withdrawal's order is ours to choose (each prefix is decided on its own).
 */
export function forEachPathScattered(paths: PathStore, peer: number, fn: (slot: number) => void): void {
  forEachRunScattered(paths.slotLimit, (from, to) => {
    for (let s = from; s < to; s++) if (paths.peer[s] === peer && paths.prefix[s] !== NONE) fn(s);
  });
}

/** Marks every path of the peer stale: GR session loss, or RFC 7313 4 BoRR. */
export function markAllStale(paths: PathStore, peer: number): void {
  forEachPathOf(paths, peer, (slot) => {
    paths.flags[slot] |= FLAG_STALE;
  });
}

/** Withdraws (remove(slot)) the peer's paths still marked stale; returns how many went. */
export function removeStale(paths: PathStore, peer: number, remove: (slot: number) => void): number {
  let n = 0;
  forEachPathScattered(paths, peer, (slot) => {
    if (paths.flags[slot] & FLAG_STALE) {
      remove(slot);
      n++;
    }
  });
  return n;
}
