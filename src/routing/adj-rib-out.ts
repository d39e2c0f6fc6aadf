// One update group's Adj-RIB-Out for one family (RFC 4271 3.2): what we advertise, keyed by
// (prefix id, tx path id), plus the outbound buckets of STYLE.md (BIRD's bgp_bucket): pending
// changes grouped by attribute set, one withdraw bucket, a newer change to a (prefix, path)
// replacing its queued older one. All in typed arrays and IntTables; a bucket is a chain.
//
// `excl` names a member peer the entry must not reach (the route came from it: never send
// a route back to its source); NO_PEER when none.
//
// Memory: a pending change lives in a slot of the pending arrays (21 bytes, 29 with ADD-PATH),
// found from its prefix id through `pendHead` (4 bytes per prefix id). Without ADD-PATH (the
// usual reflector group) tx is always 0 and a prefix has at most one slot; ADD-PATH groups
// chain a prefix's slots (RFC 7911: a few path ids per prefix; a chain walk beat hashing
// (prefix, tx), see out-state.ts). Slots are only as many as changes queued at once, and the
// slot arrays shrink back once everything queued has been taken: a full table queued at
// start-up does not keep 21 bytes per prefix for the rest of the daemon's life (dense arrays
// indexed by prefix id did: 17 bytes per prefix, bench/RESULTS.md "### 2026-12-02: issue 10
// memory, part 2"). A slot's bucket follows from its attribute set and exclusion, so no JS
// array of bucket references is kept per slot.
import type { AttrSet, AttrStore } from '../rib';
import { capacityFor, ensureLength, grown, noteGrowthGarbage, SlotFreeList } from '../rib';
import { ChainState, DenseState, type OutState } from './out-state';
import type { PrefixIndex } from '../rib';

export const NO_PEER = -1;
const NIL = -1;
const WITHDRAW = -1;
/** Slot arrays above this many slots are dropped once nothing is pending. */
const SHRINK_ABOVE = 4096;

export interface Bucket {
  /** The attribute set to announce, or undefined for the withdraw bucket. */
  readonly attrs: AttrSet | undefined;
  readonly excl: number;
  head: number;
  size: number;
}

export class AdjRibOut {
  /** (prefix, tx) -> attribute set id and excluded source currently advertised. */
  private readonly state: OutState;
  /** Without ADD-PATH: tx is 0, a prefix has one pending slot at most (no pTx, no pSib). */
  private readonly dense: boolean;
  /** Each prefix id's (first) pending slot, NIL when none. */
  private pendHead = new Int32Array(0);
  private pPrefix = new Int32Array(0);
  /** ADD-PATH layout only: the next pending slot of the same prefix, and each slot's tx. */
  private pSib = new Int32Array(0);
  private pTx = new Uint32Array(0);
  /** The pending attribute set id, or WITHDRAW. */
  private pAttr = new Int32Array(0);
  private pExcl = new Int32Array(0);
  /**
   * The excluded source may hold an older route for this entry: it needs a withdraw. (A
   * state replaced since the last build was advertised to some peer other than pExcl.)
   */
  private pSrcWd = new Uint8Array(0);
  private pNext = new Int32Array(0);
  private pPrev = new Int32Array(0);
  private pendCount = 0;
  private readonly slots = new SlotFreeList(); // links through pNext
  private readonly buckets = new Map<number, Bucket>();
  private readonly withdrawals: Bucket = { attrs: undefined, excl: NO_PEER, head: NIL, size: 0 };
  /** Per peer index: entries of the state excluded for it (its own routes, never sent back). */
  private exclCount = new Int32Array(16);

  /**
   * `expected`: entries to size the tables for (e.g. the Loc-RIB's size). `addPath`: path ids
   * other than 0 will be used (chains per prefix id); else the state is dense by prefix id.
   */
  constructor(
    readonly prefixes: PrefixIndex,
    private readonly store: AttrStore,
    expected = 64,
    addPath = true,
  ) {
    this.state = addPath ? new ChainState(expected) : new DenseState(expected);
    this.dense = !addPath;
    this.grow(64);
  }

  /** Bumped by every change of state: a table walk is reusable while it is unchanged. */
  version = 0;

  get size(): number {
    return this.state.size;
  }
  /** Entries advertised to `peer`: the state less the routes that came from it. */
  sizeFor(peer: number): number {
    return this.state.size - (peer < this.exclCount.length ? this.exclCount[peer] : 0);
  }
  get pending(): number {
    return this.pendCount;
  }

  /** Bytes held by the state table (for benchmarks and /metrics). */
  get bytes(): number {
    return this.state.bytes;
  }
  /** Bytes held by the pending changes' slot arrays (for benchmarks and tests). */
  get pendingBytes(): number {
    return this.pAttr.length * (this.dense ? 21 : 29);
  }

  /** The advertised set for (prefix, tx), or undefined. */
  lookup(prefix: number, tx: number): AttrSet | undefined {
    const a = this.state.get(prefix, tx);
    return a < 0 ? undefined : this.store.get(a);
  }

  /** The source peer excluded from (prefix, tx), or NO_PEER. */
  exclusionOf(prefix: number, tx: number): number {
    return this.state.get(prefix, tx) < 0 ? NO_PEER : this.state.exclusion(prefix, tx);
  }

  /**
   * Sets what (prefix, tx) should carry (undefined: withdrawn) and queues the change.
   * Returns false when nothing changed. `quiet`: state only, nothing queued (seeding a
   * group that has no member yet).
   */
  set(prefix: number, tx: number, attrs: AttrSet | undefined, excl: number = NO_PEER, quiet = false): boolean {
    const st = this.state;
    const old = st.get(prefix, tx);
    const oldExcl = old >= 0 ? st.exclusion(prefix, tx) : NO_PEER;
    // The new source X was sent the old route unless the old one was excluded for X too.
    const srcHad = attrs !== undefined && excl !== NO_PEER && old >= 0 && oldExcl !== excl;
    if (old >= 0 && oldExcl !== NO_PEER && (attrs === undefined || oldExcl !== excl)) this.exclCount[oldExcl]--;
    if (attrs === undefined) {
      if (old < 0) return false;
      st.remove(prefix, tx);
      this.store.unref(this.store.get(old));
      this.prefixes.unref(prefix);
    } else {
      if (old === attrs.id && oldExcl === excl) return false;
      if (excl !== NO_PEER && (old < 0 || oldExcl !== excl)) {
        this.exclCount = ensureLength(this.exclCount, excl + 1, 16);
        this.exclCount[excl]++;
      }
      this.store.ref(attrs);
      st.put(prefix, tx, attrs.id, excl);
      if (old >= 0) this.store.unref(this.store.get(old));
      else this.prefixes.ref(prefix);
    }
    this.version++;
    // A queued withdraw keeps the exclusion of the route it removes (see enqueue()).
    if (!quiet) this.enqueue(prefix, tx, attrs, attrs ? excl : oldExcl, srcHad);
    return true;
  }

  /** The withdraw bucket when it has entries, else the first non-empty announce bucket. */
  nextBucket(): Bucket | undefined {
    if (this.withdrawals.size > 0) return this.withdrawals;
    for (const b of this.buckets.values()) return b;
    return undefined;
  }

  /**
   * Moves up to `max` entries out of bucket `b` into `out` as (prefix, tx) pairs; pending
   * references on the prefixes pass to the caller (release with releasePairs). Pairs whose
   * excluded source needs a withdraw are also listed in `srcWithdraw` (no reference).
   */
  take(b: Bucket, max: number, out: number[], srcWithdraw?: number[]): number {
    let n = 0;
    while (b.head !== NIL && n < max) {
      const s = b.head;
      const prefix = this.pPrefix[s];
      const tx = this.dense ? 0 : this.pTx[s];
      out.push(prefix, tx);
      if (this.pSrcWd[s] && srcWithdraw && b.excl !== NO_PEER) srcWithdraw.push(prefix, tx);
      this.unlink(s, b);
      this.releaseSlot(s, prefix);
      n++;
    }
    if (this.pendCount === 0 && this.pAttr.length > SHRINK_ABOVE) this.shrink();
    return n;
  }

  /** Drops the prefix references `take` handed over. */
  releasePairs(pairs: readonly number[]): void {
    for (let i = 0; i < pairs.length; i += 2) this.prefixes.unref(pairs[i]);
  }

  /** Releases every reference (state and pending) before the table is dropped. */
  clear(): void {
    this.state.forEach((prefix, _tx, attr) => {
      this.store.unref(this.store.get(attr));
      this.prefixes.unref(prefix);
    });
    for (let p = 0; p < this.pendHead.length; p++) {
      for (let s = this.pendHead[p]; s !== NIL; s = this.dense ? NIL : this.pSib[s]) this.prefixes.unref(p);
    }
    this.pendHead.fill(NIL);
    this.state.clear();
    this.exclCount.fill(0);
    this.buckets.clear();
    this.withdrawals.head = NIL;
    this.withdrawals.size = 0;
    this.slots.clear();
    this.pendCount = 0;
    this.version++;
  }

  /**
   * Writes the tx path ids advertised for `prefix` into `out` (from index 0); returns how
   * many. ADD-PATH groups use it to withdraw the paths a prefix no longer has.
   */
  txsOf(prefix: number, out: number[]): number {
    return this.state.txsOf(prefix, out);
  }

  /** Calls fn(prefix, tx) for every advertised entry. */
  forEach(fn: (prefix: number, tx: number) => void): void {
    this.state.forEach((prefix, tx) => {
      fn(prefix, tx);
    });
  }

  private enqueue(prefix: number, tx: number, attrs: AttrSet | undefined, excl: number, srcHad: boolean): void {
    let s = this.findSlot(prefix, tx);
    let flag = srcHad;
    if (s >= 0) {
      // The queued change replaced states since the last UPDATE built for this pair, and
      // members catching up meanwhile may have been sent any of them. pSrcWd says one of
      // them was advertised to a peer other than pExcl (for a queued withdraw: the exclusion
      // of the route it removes). Then, or when pExcl is not the new source, the new source
      // may hold an older route and needs the withdraw (RFC 4456 10: never reflect its own
      // route back; RFC 4271 3.1: what we no longer advertise to it must be withdrawn).
      // Only comparing with the state just replaced missed it after a queued withdraw.
      flag ||= this.pSrcWd[s] === 1 || (attrs !== undefined && this.pExcl[s] !== excl);
      this.unlink(s, this.bucketOf(s)); // a newer change replaces the queued one
    } else {
      s = this.claimSlot(prefix, tx);
      this.prefixes.ref(prefix); // the pending entry's reference
    }
    this.pAttr[s] = attrs ? attrs.id : WITHDRAW;
    this.pExcl[s] = excl;
    this.pSrcWd[s] = flag ? 1 : 0;
    this.link(s, this.bucketFor(attrs, excl));
  }

  /** The pending slot of (prefix, tx), or -1. */
  private findSlot(prefix: number, tx: number): number {
    let s = prefix < this.pendHead.length ? this.pendHead[prefix] : NIL;
    if (this.dense) return s;
    while (s !== NIL && this.pTx[s] !== tx) s = this.pSib[s];
    return s;
  }

  /** A slot for a new pending (prefix, tx), linked from pendHead. */
  private claimSlot(prefix: number, tx: number): number {
    this.pendCount++;
    const s = this.allocSlot();
    this.pPrefix[s] = prefix;
    if (prefix >= this.pendHead.length) this.growHeads(prefix + 1);
    if (!this.dense) {
      this.pTx[s] = tx;
      this.pSib[s] = this.pendHead[prefix];
    }
    this.pendHead[prefix] = s;
    return s;
  }

  private releaseSlot(s: number, prefix: number): void {
    this.pendCount--;
    if (this.dense) {
      this.pendHead[prefix] = NIL;
      this.slots.give(this.pNext, s);
      return;
    }
    // Unlink from the prefix's chain (a few slots long: one per path id pending).
    let at = this.pendHead[prefix];
    if (at === s) this.pendHead[prefix] = this.pSib[s];
    else {
      while (this.pSib[at] !== s) at = this.pSib[at];
      this.pSib[at] = this.pSib[s];
    }
    this.slots.give(this.pNext, s);
  }

  /** The bucket a linked slot sits in, from its attribute set and exclusion (bucketFor's key). */
  private bucketOf(s: number): Bucket {
    const a = this.pAttr[s];
    return a === WITHDRAW ? this.withdrawals : (this.buckets.get(a * 2097152 + (this.pExcl[s] + 1)) as Bucket);
  }

  /**
   * Buckets are keyed by (attribute set, excluded source): one UPDATE can carry only one
   * attribute set, and one shared Buffer can skip only one member.
   */
  private bucketFor(attrs: AttrSet | undefined, excl: number): Bucket {
    if (!attrs) return this.withdrawals;
    const key = attrs.id * 2097152 + (excl + 1);
    let b = this.buckets.get(key);
    if (!b) {
      b = { attrs, excl, head: NIL, size: 0 };
      this.buckets.set(key, b);
    }
    return b;
  }

  /** Pending slots form doubly linked chains per bucket so a replaced change unlinks in O(1). */
  private link(s: number, b: Bucket): void {
    this.pPrev[s] = NIL;
    this.pNext[s] = b.head;
    if (b.head !== NIL) this.pPrev[b.head] = s;
    b.head = s;
    b.size++;
  }

  private unlink(s: number, b: Bucket): void {
    const prev = this.pPrev[s];
    const next = this.pNext[s];
    if (prev !== NIL) this.pNext[prev] = next;
    else b.head = next;
    if (next !== NIL) this.pPrev[next] = prev;
    b.size--;
    if (b.size === 0 && b !== this.withdrawals) {
      this.buckets.delete((b.attrs as AttrSet).id * 2097152 + (b.excl + 1));
    }
  }

  private allocSlot(): number {
    if (this.slots.full(this.pAttr.length)) this.grow(this.slots.used + 1);
    return this.slots.take(this.pNext);
  }

  /** Doubles the slot arrays to hold n slots (grow.ts). */
  private grow(n: number): void {
    const cap = capacityFor(this.pAttr.length, n, 64);
    this.pAttr = grown(this.pAttr, cap);
    this.pExcl = grown(this.pExcl, cap);
    this.pSrcWd = grown(this.pSrcWd, cap);
    this.pNext = grown(this.pNext, cap);
    this.pPrev = grown(this.pPrev, cap);
    this.pPrefix = grown(this.pPrefix, cap);
    if (this.dense) return;
    this.pTx = grown(this.pTx, cap);
    this.pSib = grown(this.pSib, cap);
  }

  /**
   * Nothing pending: back to small slot arrays (the free list restarts from slot 0). The
   * dropped ones are garbage V8 frees at its next full GC (reported to grow.ts's collector).
   */
  private shrink(): void {
    const dropped = this.pAttr.length;
    this.slots.clear();
    this.pAttr = new Int32Array(64);
    this.pExcl = new Int32Array(64);
    this.pSrcWd = new Uint8Array(64);
    this.pNext = new Int32Array(64);
    this.pPrev = new Int32Array(64);
    this.pPrefix = new Int32Array(64);
    if (!this.dense) {
      this.pTx = new Uint32Array(64);
      this.pSib = new Int32Array(64);
    }
    noteGrowthGarbage(dropped * (this.dense ? 21 : 29));
  }

  /** ADD-PATH layout: the per-prefix chain heads cover prefix ids below n. */
  private growHeads(n: number): void {
    this.pendHead = ensureLength(this.pendHead, n, 1024, NIL);
  }
}
