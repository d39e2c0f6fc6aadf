// An open-addressing hash set of dense ids whose keys live outside the table, in a
// caller-owned array of `width` words per id (PrefixIndex keeps every prefix's words by id
// anyway). Storing only the id per slot costs 4 bytes a slot instead of IntTable's
// 4 * (width + 1): at 1M prefixes the IPv4 index drops from 12 to 4 MiB, and its growth
// garbage with it. A probe reads the slot then the id's words: the same two cache misses as
// IntTable's value-then-key, so lookups cost the same.
//
// Linear probing, at most 70% full, backward-shift deletion (Knuth 6.4 algorithm R), as
// in int-table.ts.
import { noteGrowthGarbage } from './grow';
import { hashWords, homeInside } from './int-table';

const EMPTY = -1;
const MAX_LOAD = 0.7;

export class IdTable {
  readonly width: number;
  /** The keys: `width` words per id. The owner replaces it when it grows its id arrays. */
  words: Uint32Array;
  /** Callers write a key here (width words) before probe(). */
  readonly key: Uint32Array;
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  constructor(width: number, words: Uint32Array, initialCapacity = 16) {
    this.width = width;
    this.words = words;
    let cap = 16;
    while (cap * MAX_LOAD < initialCapacity) cap *= 2;
    this.slots = new Int32Array(cap).fill(EMPTY);
    this.mask = cap - 1;
    this.key = new Uint32Array(width);
  }

  get size(): number {
    return this.count;
  }
  get bytes(): number {
    return this.slots.byteLength;
  }

  /** The id under `this.key` (>= 0), or ~(insertion slot) when absent. */
  probe(): number {
    const w = this.width;
    const k = this.key;
    const words = this.words;
    let i = hashWords(k, 0, w) & this.mask;
    for (;;) {
      const id = this.slots[i];
      if (id === EMPTY) return ~i;
      const base = id * w;
      let eq = true;
      for (let j = 0; j < w; j++) {
        if (words[base + j] !== k[j]) {
          eq = false;
          break;
        }
      }
      if (eq) return id;
      i = (i + 1) & this.mask;
    }
  }

  /** Adds `id` (its words already written) at the token probe() returned. */
  insertAt(token: number, id: number): void {
    let i = ~token;
    if (this.count + 1 > (this.mask + 1) * MAX_LOAD) {
      this.grow();
      i = this.homeFree(id);
    }
    this.slots[i] = id;
    this.count++;
  }

  /** Removes `id` (present); its words must still be in place. */
  delete(id: number): void {
    let i = hashWords(this.words, id * this.width, this.width) & this.mask;
    while (this.slots[i] !== id) {
      if (this.slots[i] === EMPTY) return; // not present: nothing to do
      i = (i + 1) & this.mask;
    }
    this.shiftBack(i);
    this.count--;
  }

  /** The first free slot on id's probe path. */
  private homeFree(id: number): number {
    let i = hashWords(this.words, id * this.width, this.width) & this.mask;
    while (this.slots[i] !== EMPTY) i = (i + 1) & this.mask;
    return i;
  }

  // Backward-shift deletion (as IntTable's): move back every entry of the cluster after the
  // hole whose home is not cyclically inside (hole, entry].
  private shiftBack(hole: number): void {
    const w = this.width;
    let i = hole;
    let j = hole;
    for (;;) {
      j = (j + 1) & this.mask;
      const id = this.slots[j];
      if (id === EMPTY) break;
      if (homeInside(i, hashWords(this.words, id * w, w) & this.mask, j)) continue;
      this.slots[i] = id;
      i = j;
    }
    this.slots[i] = EMPTY;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2).fill(EMPTY);
    this.mask = this.slots.length - 1;
    for (let s = 0; s < old.length; s++) if (old[s] !== EMPTY) this.slots[this.homeFree(old[s])] = old[s];
    noteGrowthGarbage(old.byteLength);
  }
}
