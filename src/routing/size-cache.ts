// The too-large check's memo (update-group.ts exported()): the octets of an UPDATE carrying an
// exported set and one prefix depend only on the set and the group's codec context (fixed by
// its signature), and a full table is ~1M routes over a handful of sets, so measuring per
// route cost ~10% of a reflector's CPU on a table load. A small direct-mapped cache by set id
// (the identity check covers a reused id): cheaper than a WeakMap per route, at most SLOTS sets.
import type { AttrSet } from '../rib';

/** Entries of the cache (a power of two). */
const SLOTS = 64;

export class SetSizeCache {
  private readonly sets: (AttrSet | undefined)[] = new Array<AttrSet | undefined>(SLOTS).fill(undefined);
  private readonly sizes = new Int32Array(SLOTS);

  constructor(private readonly measure: (a: AttrSet) => number) {}

  size(a: AttrSet): number {
    const slot = a.id & (SLOTS - 1);
    if (this.sets[slot] === a) return this.sizes[slot]!;
    const size = this.measure(a);
    this.sets[slot] = a;
    this.sizes[slot] = size;
    return size;
  }
}
