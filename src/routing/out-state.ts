// The "what we advertise" table of an Adj-RIB-Out: (prefix id, tx path id) -> attribute set
// id and the excluded source peer. Two layouts behind one interface:
// - DenseState, for groups without ADD-PATH (tx always 0): arrays indexed by prefix id, the
//   attribute set (4 bytes) and the excluded peer (2 while peer indexes fit), no hashing;
// - ChainState, for ADD-PATH groups (RFC 7911: several tx path ids per prefix): a head
//   array indexed by prefix id and, per prefix, a short singly linked chain of entries (one
//   per path sent). A prefix carries a handful of paths, so walking its chain is cheaper than
//   hashing (prefix, tx): measured at 1M prefixes x 2 paths, a hashed table spent ~0.9 s in
//   probes and rehashing growth where the chains need neither (bench/RESULTS.md "### ADD-PATH
//   fan-out"). 4 bytes per prefix id + 16 per entry, and the walk is in prefix order.
import { capacityFor, ensureLength, grown, PEER16_MAX, type PeerIndexArray, SlotFreeList, widened } from '../rib';

const ABSENT = -1;
const NIL = -1;

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
  /** Writes the tx path ids present for `prefix` into `out` from index 0; returns how many. */
  txsOf(prefix: number, out: number[]): number;
  clear(): void;
}

export class DenseState implements OutState {
  private attr = new Int32Array(0);
  /** The excluded peer + 1 (0: NO_PEER, -1), so that it fits the 2-byte form (grow.ts). */
  private excl: PeerIndexArray = new Uint16Array(0);
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
    return this.excl[prefix] - 1;
  }
  put(prefix: number, _tx: number, attr: number, excl: number): void {
    if (prefix >= this.attr.length) this.grow(prefix + 1);
    if (this.attr[prefix] === ABSENT) this.count++;
    this.attr[prefix] = attr;
    if (excl >= PEER16_MAX) this.excl = widened(this.excl, excl + 1);
    this.excl[prefix] = excl + 1;
  }
  remove(prefix: number, _tx: number): void {
    this.attr[prefix] = ABSENT;
    this.count--;
  }
  forEach(fn: (prefix: number, tx: number, attr: number) => void): void {
    for (let p = 0; p < this.attr.length; p++) if (this.attr[p] !== ABSENT) fn(p, 0, this.attr[p]);
  }
  txsOf(prefix: number, out: number[]): number {
    if (this.get(prefix, 0) === ABSENT) return 0;
    out[0] = 0;
    return 1;
  }
  clear(): void {
    this.attr.fill(ABSENT);
    this.count = 0;
  }

  private grow(n: number): void {
    const cap = capacityFor(this.attr.length, n, 1024);
    this.attr = grown(this.attr, cap, ABSENT);
    this.excl = grown(this.excl, cap);
  }
}

export class ChainState implements OutState {
  /** First entry of each prefix id's chain, or NIL. */
  private head = new Int32Array(0);
  private eTx = new Uint32Array(0);
  private eAttr = new Int32Array(0);
  private eExcl = new Int32Array(0);
  /** The next entry of the same prefix; on the free list, the next free entry. */
  private eNext = new Int32Array(0);
  private readonly entries = new SlotFreeList(); // links through eNext
  private count = 0;
  // The entry of the last lookup and its predecessor in the chain (NIL: it is the head),
  // reused by the exclusion/put/remove that follow a get() on the same key.
  private lastPrefix = -1;
  private lastTx = -1;
  private lastEntry = NIL;
  private lastPrev = NIL;

  constructor(expected = 64) {
    this.growHeads(expected);
    this.growEntries(expected);
  }

  get size(): number {
    return this.count;
  }
  get bytes(): number {
    return (
      this.head.byteLength + this.eTx.byteLength + this.eAttr.byteLength + this.eExcl.byteLength + this.eNext.byteLength
    );
  }

  /** Finds (prefix, tx): the entry or NIL, with lastPrev set to its predecessor. */
  private find(prefix: number, tx: number): number {
    if (prefix === this.lastPrefix && tx === this.lastTx) return this.lastEntry;
    let prev = NIL;
    let e = prefix < this.head.length ? this.head[prefix] : NIL;
    while (e !== NIL && this.eTx[e] !== tx) {
      prev = e;
      e = this.eNext[e];
    }
    this.lastPrefix = prefix;
    this.lastTx = tx;
    this.lastEntry = e;
    this.lastPrev = prev;
    return e;
  }

  get(prefix: number, tx: number): number {
    const e = this.find(prefix, tx);
    return e === NIL ? ABSENT : this.eAttr[e];
  }
  exclusion(prefix: number, tx: number): number {
    const e = this.find(prefix, tx);
    return e === NIL ? -1 : this.eExcl[e];
  }
  put(prefix: number, tx: number, attr: number, excl: number): void {
    let e = this.find(prefix, tx);
    if (e === NIL) {
      if (prefix >= this.head.length) this.growHeads(prefix + 1);
      e = this.alloc();
      this.eTx[e] = tx;
      // Appended at the chain's end (lastPrev is the tail after a miss): the chain keeps the
      // order paths were first sent in, which a table walk then follows.
      this.eNext[e] = NIL;
      if (this.lastPrev === NIL) this.head[prefix] = e;
      else this.eNext[this.lastPrev] = e;
      this.lastEntry = e;
      this.count++;
    }
    this.eAttr[e] = attr;
    this.eExcl[e] = excl;
  }
  remove(prefix: number, tx: number): void {
    const e = this.find(prefix, tx);
    if (e === NIL) return;
    const next = this.eNext[e];
    if (this.lastPrev === NIL) this.head[prefix] = next;
    else this.eNext[this.lastPrev] = next;
    this.entries.give(this.eNext, e);
    this.count--;
    this.lastPrefix = -1;
  }
  forEach(fn: (prefix: number, tx: number, attr: number) => void): void {
    for (let p = 0; p < this.head.length; p++) {
      for (let e = this.head[p]; e !== NIL; e = this.eNext[e]) fn(p, this.eTx[e], this.eAttr[e]);
    }
  }
  txsOf(prefix: number, out: number[]): number {
    let n = 0;
    for (let e = prefix < this.head.length ? this.head[prefix] : NIL; e !== NIL; e = this.eNext[e])
      out[n++] = this.eTx[e];
    return n;
  }
  clear(): void {
    this.head.fill(NIL);
    this.entries.clear();
    this.count = 0;
    this.lastPrefix = -1;
  }

  private alloc(): number {
    if (this.entries.full(this.eTx.length)) this.growEntries(this.entries.used + 1);
    return this.entries.take(this.eNext);
  }

  private growHeads(n: number): void {
    this.head = ensureLength(this.head, n, 1024, NIL);
  }

  private growEntries(n: number): void {
    const cap = capacityFor(this.eTx.length, n, 64);
    this.eTx = grown(this.eTx, cap);
    this.eAttr = grown(this.eAttr, cap);
    this.eExcl = grown(this.eExcl, cap);
    this.eNext = grown(this.eNext, cap);
  }
}
