// An open-addressing hash table from fixed-width integer keys to non-negative int32
// values, stored in typed arrays. DESIGN.md "Performance shape": the RIB's hot tables hold
// no JS object per prefix; a 1M-entry table is a few flat arrays.
//
// Linear probing with backward-shift deletion (Knuth 6.4 algorithm R): no tombstones, so
// probe lengths do not degrade under churn (a BGP table sees withdrawals all day).

import { noteGrowthGarbage } from './grow';

const EMPTY = -1;
const MAX_LOAD = 0.7;

/** Mixes the W key words into a 32-bit hash (murmur3 finalizer over a running xor). */
export function hashWords(keys: Uint32Array, off: number, w: number): number {
  let h = 0x9e3779b9;
  for (let i = 0; i < w; i++) {
    h = Math.imul(h ^ keys[off + i], 0x85ebca6b);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class IntTable {
  /** Key width in 32-bit words. */
  readonly width: number;
  private cap: number;
  private mask: number;
  private keys: Uint32Array;
  private vals: Int32Array;
  /** Optional second value per entry (moves with it), e.g. the Adj-RIB-Out's excluded peer. */
  private aux: Int32Array | undefined;
  private count = 0;
  /** Callers write a key here (width words) before find/set/delete: no per-call arrays. */
  readonly key: Uint32Array;

  constructor(width: number, initialCapacity = 16, withAux = false) {
    this.width = width;
    let cap = 16;
    while (cap * MAX_LOAD < initialCapacity) cap *= 2;
    this.cap = cap;
    this.mask = cap - 1;
    this.keys = new Uint32Array(cap * width);
    this.vals = new Int32Array(cap).fill(EMPTY);
    this.aux = withAux ? new Int32Array(cap) : undefined;
    this.key = new Uint32Array(width);
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the backing arrays (for benchmarks and /metrics). */
  get bytes(): number {
    return this.keys.byteLength + this.vals.byteLength + (this.aux?.byteLength ?? 0);
  }

  /**
   * Probes for `this.key`: a slot >= 0 when present (read it with valueAt), else a negative
   * token for insertAt. Saves the second probe of get-then-set on the hot path.
   */
  probe(): number {
    return this.slotOf();
  }

  valueAt(slot: number): number {
    return this.vals[slot];
  }
  setValueAt(slot: number, value: number): void {
    this.vals[slot] = value;
  }
  auxAt(slot: number): number {
    return (this.aux as Int32Array)[slot];
  }
  setAuxAt(slot: number, value: number): void {
    (this.aux as Int32Array)[slot] = value;
  }

  /** Removes the entry in a slot probe() found. */
  deleteAt(slot: number): void {
    this.shiftBack(slot);
    this.count--;
  }

  /**
   * Inserts `this.key` -> value at the token probe() returned (the key must be absent);
   * returns the slot used (valid until the next insert or delete).
   */
  insertAt(token: number, value: number): number {
    let i = ~token;
    if (this.count + 1 > this.cap * MAX_LOAD) {
      this.grow();
      i = ~this.slotOf();
    }
    const w = this.width;
    const base = i * w;
    for (let j = 0; j < w; j++) this.keys[base + j] = this.key[j];
    this.vals[i] = value;
    this.count++;
    return i;
  }

  private slotOf(): number {
    const w = this.width;
    const k = this.key;
    let i = hashWords(k, 0, w) & this.mask;
    for (;;) {
      if (this.vals[i] === EMPTY) return ~i; // not found: ~(insertion slot)
      const base = i * w;
      let eq = true;
      for (let j = 0; j < w; j++) {
        if (this.keys[base + j] !== k[j]) {
          eq = false;
          break;
        }
      }
      if (eq) return i;
      i = (i + 1) & this.mask;
    }
  }

  /** The value stored under `this.key`, or -1. */
  get(): number {
    const s = this.slotOf();
    return s >= 0 ? this.vals[s] : EMPTY;
  }

  /** Stores `value` (>= 0) under `this.key`; returns the previous value or -1. */
  set(value: number): number {
    const s = this.slotOf();
    if (s >= 0) {
      const old = this.vals[s];
      this.vals[s] = value;
      return old;
    }
    this.insertAt(s, value);
    return EMPTY;
  }

  /** Removes `this.key`; returns the value it had or -1. */
  delete(): number {
    const s = this.slotOf();
    if (s < 0) return EMPTY;
    const old = this.vals[s];
    this.shiftBack(s);
    this.count--;
    return old;
  }

  /** Calls fn(keys, offset, value) for every entry. Do not mutate the table meanwhile. */
  forEach(fn: (keys: Uint32Array, off: number, value: number) => void): void {
    for (let i = 0; i < this.cap; i++) {
      if (this.vals[i] !== EMPTY) fn(this.keys, i * this.width, this.vals[i]);
    }
  }

  clear(): void {
    this.vals.fill(EMPTY);
    this.count = 0;
  }

  // Backward-shift deletion: walk the cluster after the hole and move back every entry
  // whose home slot is not cyclically inside (hole, entry] (homeInside).
  private shiftBack(hole: number): void {
    const w = this.width;
    let i = hole;
    let j = hole;
    for (;;) {
      j = (j + 1) & this.mask;
      if (this.vals[j] === EMPTY) break;
      if (homeInside(i, hashWords(this.keys, j * w, w) & this.mask, j)) continue;
      for (let k = 0; k < w; k++) this.keys[i * w + k] = this.keys[j * w + k];
      this.vals[i] = this.vals[j];
      if (this.aux) this.aux[i] = this.aux[j];
      i = j;
    }
    this.vals[i] = EMPTY;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    const oldCap = this.cap;
    const oldAux = this.aux;
    const w = this.width;
    this.cap *= 2;
    this.mask = this.cap - 1;
    this.keys = new Uint32Array(this.cap * w);
    this.vals = new Int32Array(this.cap).fill(EMPTY);
    if (oldAux) this.aux = new Int32Array(this.cap);
    for (let s = 0; s < oldCap; s++) {
      const v = oldVals[s];
      if (v === EMPTY) continue;
      let i = hashWords(oldKeys, s * w, w) & this.mask;
      while (this.vals[i] !== EMPTY) i = (i + 1) & this.mask;
      for (let j = 0; j < w; j++) this.keys[i * w + j] = oldKeys[s * w + j];
      this.vals[i] = v;
      if (oldAux) (this.aux as Int32Array)[i] = oldAux[s];
    }
    noteGrowthGarbage(oldKeys.byteLength + oldVals.byteLength + (oldAux?.byteLength ?? 0));
  }
}

/**
 * Backward-shift deletion in linear probing: an entry at slot `j` whose home slot is `home`
 * stays put when `home` lies cyclically in (hole `i`, `j`]; otherwise it moves into the hole.
 */
export function homeInside(i: number, home: number, j: number): boolean {
  return i <= j ? i < home && home <= j : i < home || home <= j;
}
