// The kernel table read back into the FIB's slots (table-read.ts hands each route of ours
// over): every route found gets its slot's installed key, every slot not found is not
// installed; a slot whose kernel state differs from what we believed is queued to be looked at
// again (someone deleted or replaced one of ours behind our back). Also the walks over all
// slots that the sink makes at start, sync and link changes.
import { capacityFor, grown } from '../../rib';
import type { NlRoute } from '../../sys';
import { DIRTY, HELD, KEEP, type FamilyTable, type KeyTable, wordsOf } from './table';
import type { TableReader } from './table-read';

export class TableScan implements TableReader {
  /** Per family, per slot: the key found in this read, or -1. */
  private found: [Int32Array, Int32Array] = [new Int32Array(0), new Int32Array(0)];
  private readonly words = new Uint32Array(4);

  constructor(
    private readonly tables: readonly [FamilyTable, FamilyTable],
    private readonly keys: KeyTable,
    /** Queue a slot (without starting the worker: a scan runs inside it, or before it starts). */
    private readonly mark: (t: FamilyTable, id: number) => void,
  ) {}

  restart(): void {
    for (let f = 0; f < 2; f++) this.found[f] = new Int32Array(this.tables[f]!.capacity + 1024).fill(-1);
  }

  found1(route: NlRoute, key: string): void {
    const f = route.dst.length === 16 ? 1 : 0;
    const t = this.tables[f]!;
    const id = t.slot(wordsOf(route.dst, this.words), route.dstLen);
    let a = this.found[f]!;
    // grown(): the outgrown copy is reported, so the daemon's collector frees it soon (a
    // table read at a restart holds up to a full table).
    if (id >= a.length) this.found[f] = a = grown(a, capacityFor(a.length, id + 1, 1024), -1);
    a[id] = this.keys.id(key);
  }

  /** The read is complete: installed keys become what was found. */
  finish(): void {
    for (let f = 0; f < 2; f++) {
      const t = this.tables[f]!;
      const a = this.found[f]!;
      for (let id = 0; id < t.capacity; id++) {
        if (!t.isLive(id)) continue;
        const k = id < a.length ? a[id]! : -1;
        if (t.installed[id] !== k) {
          t.setInstalled(id, k);
          this.mark(t, id);
        }
        t.release(id);
      }
      this.found[f] = new Int32Array(0);
    }
  }
}

/** At start: every slot found is kept until the initial sync and none is queued; their number. */
export function keepAll(tables: readonly FamilyTable[], dropQueued: () => void): number {
  let n = 0;
  for (const t of tables)
    for (let id = 0; id < t.capacity; id++) {
      if (!t.isLive(id)) continue;
      t.flags[id] = (t.flags[id]! & ~DIRTY) | KEEP;
      n++;
    }
  dropQueued();
  return n;
}

/** Slots with `flag` set, each handed to `fn` (flag cleared first when `clear`). */
export function eachFlagged(
  tables: readonly FamilyTable[],
  flag: number,
  clear: boolean,
  fn: (t: FamilyTable, id: number) => void,
): void {
  for (const t of tables)
    for (let id = 0; id < t.capacity; id++) {
      if ((t.flags[id]! & flag) === 0) continue;
      if (clear) t.flags[id] &= ~flag;
      fn(t, id);
    }
}

/** Routes installed, and routes held with nothing installed (pending on a next hop; a walk only when some are held). */
export function countSlots(tables: readonly FamilyTable[], anyHeld: boolean): { installed: number; held: number } {
  let installed = 0;
  let held = 0;
  for (const t of tables) {
    installed += t.installedCount;
    if (anyHeld)
      for (let id = 0; id < t.capacity; id++) if (t.installed[id]! < 0 && (t.flags[id]! & HELD) !== 0) held++;
  }
  return { installed, held };
}

/** The next-hop key ids our installed routes hold (nexthop-gc.ts: which objects are in use). */
export function installedKeys(tables: readonly FamilyTable[]): Set<number> {
  const keys = new Set<number>();
  for (const t of tables) for (let id = 0; id < t.capacity; id++) if (t.installed[id]! >= 0) keys.add(t.installed[id]!);
  return keys;
}
