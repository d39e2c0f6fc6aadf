// The "what we advertise" table of an Adj-RIB-Out: (prefix id, tx path id) -> attribute set
// id and the excluded source peer. Two layouts behind one interface:
// - DenseState, for groups without ADD-PATH (tx always 0): two Int32Arrays indexed by prefix
//   id, 8 bytes per prefix id, no hashing;
// - HashState, for ADD-PATH groups: an IntTable over (prefix, tx) with the exclusion as
//   its aux value (16 bytes per slot at <= 70% load).
import { grown } from './grow';
import { IntTable } from './int-table';

const ABSENT = -1;

export interface OutState {
  readonly size: number;
  readonly bytes: number;
  /** The attribute set id for (prefix, tx), or -1. */
  get(prefix: number, tx: number): number;
  /** The excluded source of a present entry (call right after get() found it). */
  exclusion(prefix: number, tx: number): number;
  /** Stores or replaces (prefix, tx). */
  put(prefix: number, tx: number, attr: number, excl: number): void;
  /** Removes a present entry. */
  remove(prefix: number, tx: number): void;
  forEach(fn: (prefix: number, tx: number, attr: number) => void): void;
  clear(): void;
}

export class DenseState implements OutState {
  private attr = new Int32Array(0);
  private excl = new Int32Array(0);
  private count = 0;

  constructor(expected = 1024) {
    this.grow(expected);
  }

  get size(): number {
    return this.count;
  }
  get bytes(): number {
    return this.attr.byteLength + this.excl.byteLength;
  }

  get(prefix: number, _tx: number): number {
    return prefix < this.attr.length ? this.attr[prefix] : ABSENT;
  }
  exclusion(prefix: number, _tx: number): number {
    return this.excl[prefix];
  }
  put(prefix: number, _tx: number, attr: number, excl: number): void {
    if (prefix >= this.attr.length) this.grow(prefix + 1);
    if (this.attr[prefix] === ABSENT) this.count++;
    this.attr[prefix] = attr;
    this.excl[prefix] = excl;
  }
  remove(prefix: number, _tx: number): void {
    this.attr[prefix] = ABSENT;
    this.count--;
  }
  forEach(fn: (prefix: number, tx: number, attr: number) => void): void {
    for (let p = 0; p < this.attr.length; p++) if (this.attr[p] !== ABSENT) fn(p, 0, this.attr[p]);
  }
  clear(): void {
    this.attr.fill(ABSENT);
    this.count = 0;
  }

  private grow(n: number): void {
    let cap = Math.max(1024, this.attr.length);
    while (cap < n) cap *= 2;
    this.attr = grown(this.attr, cap, ABSENT);
    this.excl = grown(this.excl, cap);
  }
}

export class HashState implements OutState {
  private readonly t: IntTable;
  // The slot of the last probe, reused by the exclusion/put/remove that follow a get().
  private lastPrefix = -1;
  private lastTx = -1;
  private lastSlot = -1;

  constructor(expected = 64) {
    this.t = new IntTable(2, expected, true);
  }

  get size(): number {
    return this.t.size;
  }
  get bytes(): number {
    return this.t.bytes;
  }

  private probe(prefix: number, tx: number): number {
    if (prefix === this.lastPrefix && tx === this.lastTx) return this.lastSlot;
    this.t.key[0] = prefix;
    this.t.key[1] = tx;
    this.lastPrefix = prefix;
    this.lastTx = tx;
    this.lastSlot = this.t.probe();
    return this.lastSlot;
  }
  private forget(): void {
    this.lastPrefix = -1;
  }

  get(prefix: number, tx: number): number {
    const s = this.probe(prefix, tx);
    return s >= 0 ? this.t.valueAt(s) : ABSENT;
  }
  exclusion(prefix: number, tx: number): number {
    const s = this.probe(prefix, tx);
    return s >= 0 ? this.t.auxAt(s) : -1;
  }
  put(prefix: number, tx: number, attr: number, excl: number): void {
    const s = this.probe(prefix, tx);
    if (s >= 0) {
      this.t.setValueAt(s, attr);
      this.t.setAuxAt(s, excl);
      return;
    }
    this.t.key[0] = prefix;
    this.t.key[1] = tx;
    this.t.setAuxAt(this.t.insertAt(s, attr), excl);
    this.forget(); // slots may have moved (growth)
  }
  remove(prefix: number, tx: number): void {
    const s = this.probe(prefix, tx);
    if (s >= 0) this.t.deleteAt(s);
    this.forget(); // backward shift moved entries
  }
  forEach(fn: (prefix: number, tx: number, attr: number) => void): void {
    this.t.forEach((k, o, v) => fn(k[o], k[o + 1], v));
  }
  clear(): void {
    this.t.clear();
    this.forget();
  }
}
