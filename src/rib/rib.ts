// One address family's Adj-RIBs-In and Loc-RIB (RFC 4271 3.2) with the incremental decision
// process. Sans-IO: no timers (the graceful-restart timer belongs to the session shell,
// which calls endOfRib/staleExpired), no sockets. Changes mark prefixes dirty; decide()
// re-runs 9.1.2 only on those and returns Loc-RIB change events in bounded batches.
import type { BgpError, Family } from '../bgp/messages';
import { nextHopText, type AttrSet } from './attrs';
import { decide } from './decision';
import { capacityFor, ensureLength, grown, noteGrowthGarbage } from './grow';
import { FLAG_BEST_REPLACED, FLAG_STALE, NONE, PathStore } from './path-store';
import { parsePrefix, type PrefixId, PrefixIndex } from './prefix-index';
import { RejectedPaths } from './rejected';
import { badLength, maxPrefixCease } from './rib-errors';
import type { LocRibChange, RibOptions, Route } from './rib-types';
import { forEachPathScattered, markAllStale, removeStale } from './stale';

export { maxPrefixCease } from './rib-errors';
export type { ImportFilter, LocRibChange, RibOptions, Route } from './rib-types';

/** The dirty queue is dropped back to 1024 entries when it drains and is longer than this. */
const DIRTY_KEEP = 65536;

// Reference counting keeps prefix ids valid exactly as long as something names them: each
// path, the Loc-RIB entry, the dirty queue, and (in src/routing) Adj-RIB-Out state,
// pending changes, log entries and catch-up queues each hold one reference. An id is
// recycled only when the count reaches zero, so a withdrawal queued for a peer never goes
// out under a prefix that has meanwhile been reused.
export class Rib {
  readonly family: Family;
  readonly prefixes: PrefixIndex;
  readonly paths: PathStore;
  private readonly opts: RibOptions;
  // The Adj-RIBs-In have no table of their own: a peer's path to a prefix is found by walking
  // that prefix's path chain (PathStore.find), one entry per (peer, path ID) that sent it. A
  // per-peer (prefix, path ID) -> slot hash table cost 24 bytes per path at load <= 0.7 (36
  // while it doubled), the largest single item of a 1M-prefix reflector's RSS (bench/RESULTS.md
  // "### 2026-12-02: issue 10 memory, part 2"); the walk is no worse than decide(), which
  // reads the whole chain after every change anyway. Session-level events (down, stale) scan
  // the slot arrays instead (stale.ts forEachPathOf).
  /** Per peer index: paths accepted (what max-prefix counts). */
  private adjCount: number[] = [];
  private best = new Int32Array(0);
  private dirtyFlag = new Uint8Array(0);
  private dirty = new Int32Array(1024); // queue of prefix ids to re-decide
  private dirtyLen = 0;
  private dirtyAt = 0;
  private deferredUnref: number[] = [];
  private locSize = 0;
  private readonly rejected: RejectedPaths;

  constructor(opts: RibOptions) {
    this.opts = opts;
    this.family = opts.family;
    const n = opts.initialPrefixes ?? 1024;
    this.prefixes = new PrefixIndex(opts.family, n);
    this.rejected = new RejectedPaths(this.prefixes, (peer, prefix, pathId, reason) =>
      opts.onReject?.(peer, prefix, pathId, reason),
    );
    this.paths = new PathStore(n, n);
    this.growPrefixArrays(n);
  }

  /** Prefixes with a best path. */
  get locRibSize(): number {
    return this.locSize;
  }
  get pendingDecisions(): number {
    return this.dirtyLen - this.dirtyAt;
  }
  /** Paths accepted from one peer in this family (what max-prefix counts). */
  received(peer: number): number {
    return this.adjCount[peer] ?? 0;
  }
  /** Paths of one peer received and not kept (still announced by it, refused by us). */
  rejectedCount(peer: number): number {
    return this.rejected.count(peer);
  }

  /** Every rejected path: fn(peer, prefix, pathId, reason). */
  forEachRejected(fn: (peer: number, prefix: PrefixId, pathId: number, reason: string) => void): void {
    this.rejected.forEach(fn);
  }

  /** IPv4 fast path of reject(). */
  reject4(peer: number, addr: number, len: number, pathId: number, reason: string): void {
    if (!(len >= 0 && len <= this.prefixes.maxLen)) return;
    this.rejectId(peer, this.prefixes.intern4(addr, len), pathId, reason);
  }

  /**
   * A path received and refused before import (RFC 7606 2 treat-as-withdraw): it withdraws
   * what the peer had sent for it before, and is remembered as rejected with the reason.
   */
  reject(peer: number, words: ArrayLike<number>, len: number, pathId: number, reason: string): void {
    if (!(len >= 0 && len <= this.prefixes.maxLen) || words.length < this.prefixes.addrWords) return;
    this.rejectId(peer, this.prefixes.intern(words, len), pathId, reason);
  }

  private rejectId(peer: number, prefix: PrefixId, pathId: number, reason: string): void {
    this.rejected.note(peer, prefix, pathId, reason);
    this.withdrawId(peer, prefix, pathId, true);
  }

  /** IPv4 fast path of announce(): addr is the address as uint32. */
  announce4(peer: number, addr: number, len: number, pathId: number, attrs: AttrSet): BgpError | undefined {
    if (!(len >= 0 && len <= this.prefixes.maxLen)) return badLength(len);
    return this.announceId(peer, this.prefixes.intern4(addr, len), pathId, attrs);
  }

  /**
   * A path received in an UPDATE. A path already held under the same (prefix, path ID) is
   * replaced: RFC 4271 3.1 implicit withdrawal. Returns a Cease (RFC 4486 subcode 1) when
   * the peer's max-prefix limit would be exceeded; the path is then not stored.
   */
  announce(peer: number, words: ArrayLike<number>, len: number, pathId: number, attrs: AttrSet): BgpError | undefined {
    if (!(len >= 0 && len <= this.prefixes.maxLen) || words.length < this.prefixes.addrWords) return badLength(len);
    return this.announceId(peer, this.prefixes.intern(words, len), pathId, attrs);
  }

  announceId(peer: number, prefix: PrefixId, pathId: number, attrs: AttrSet): BgpError | undefined {
    const store = this.opts.attrs;
    // A set forgotten since the caller interned it (see below) is interned again.
    const input = store.isLive(attrs) ? attrs : store.intern(attrs);
    const err = this.store(peer, prefix, pathId, input);
    store.dropIfUnused(input); // interned for a path that was filtered: do not keep it
    return err;
  }

  private store(peer: number, prefix: PrefixId, pathId: number, attrs: AttrSet): BgpError | undefined {
    const info = this.opts.peers.get(peer);
    const filtered = this.opts.importFilter ? this.opts.importFilter(info, this.prefixes, prefix, attrs) : attrs;
    const store = this.opts.attrs;
    const accepted = filtered && !store.isLive(filtered) ? store.intern(filtered) : filtered;
    const slot = this.paths.find(prefix, peer, pathId);
    if (accepted === undefined) {
      this.rejected.note(peer, prefix, pathId, this.opts.rejectReason?.() ?? 'rejected');
      if (slot !== NONE) this.removePath(slot);
      return undefined;
    }
    // The refusal entry may hold the prefix id's last reference: a new path takes its own
    // first, or forgetting the refusal would recycle the id under the path being stored.
    if (slot === NONE) this.prefixes.ref(prefix);
    this.rejected.forget(peer, prefix, pathId);
    if (slot !== NONE) {
      const old = this.paths.attr[slot];
      const wasStale = this.paths.flags[slot] & FLAG_STALE;
      this.paths.flags[slot] &= ~FLAG_STALE; // RFC 4724 4.2: a re-announced path is no longer stale
      if (old === accepted.id && !wasStale) return undefined;
      store.ref(accepted);
      this.paths.attr[slot] = accepted.id;
      store.unref(store.get(old));
      // The best path's attributes changed in place: flag the slot, and decide() reports the
      // change even when the same slot wins (RFC 4271 9.2: a Loc-RIB change must reach the
      // Adj-RIBs-Out). A flag rather than comparing the best's attribute set id before and
      // after: the Loc-RIB holds no reference on that set, so once `old` is freed a second
      // replacement may be interned under the same id and look unchanged; and no 4 bytes a
      // prefix for the id.
      if (this.best[prefix] === slot) this.paths.flags[slot] |= FLAG_BEST_REPLACED;
      this.markDirty(prefix);
      return undefined;
    }
    const max = info.maxPrefixes;
    const count = this.adjCount[peer] ?? 0;
    if (max !== undefined && count >= max) {
      this.prefixes.unref(prefix);
      store.dropIfUnused(accepted);
      return maxPrefixCease(this.family, max);
    }
    store.ref(accepted);
    this.growPrefixArrays(prefix + 1);
    this.paths.add(prefix, peer, pathId, accepted.id);
    this.adjCount[peer] = count + 1;
    this.markDirty(prefix);
    return undefined;
  }

  withdraw4(peer: number, addr: number, len: number, pathId: number): void {
    if (!(len >= 0 && len <= this.prefixes.maxLen)) return;
    const id = this.prefixes.find4(addr, len);
    if (id >= 0) this.withdrawId(peer, id, pathId);
  }

  withdraw(peer: number, words: ArrayLike<number>, len: number, pathId: number): void {
    if (!(len >= 0 && len <= this.prefixes.maxLen) || words.length < this.prefixes.addrWords) return;
    const id = this.prefixes.find(words, len);
    if (id >= 0) this.withdrawId(peer, id, pathId);
  }

  /** RFC 4271 3.1: the peer withdrew the path; unknown paths are ignored. */
  withdrawId(peer: number, prefix: PrefixId, pathId: number, keepRejected = false): void {
    if (!keepRejected) this.rejected.forget(peer, prefix, pathId);
    const slot = this.paths.find(prefix, peer, pathId);
    if (slot !== NONE) this.removePath(slot);
  }

  /**
   * The session went down. Without graceful restart every path of the peer goes (RFC 4271
   * 9.1.3 as routes become unavailable); with it (RFC 4724 4.2, helper) they are kept and
   * marked stale until endOfRib() or staleExpired().
   */
  peerDown(peer: number, gracefulRestart = false): void {
    this.rejected.clear(peer);
    if (!this.adjCount[peer]) return;
    if (gracefulRestart) {
      this.markStale(peer);
      return;
    }
    forEachPathScattered(this.paths, peer, (slot) => this.removePath(slot)); // stale.ts: why scattered
  }

  /** Marks every path of the peer stale: GR session loss, or RFC 7313 4 BoRR. */
  markStale(peer: number): void {
    this.rejected.clear(peer); // what it sends again is judged again
    if (this.adjCount[peer]) markAllStale(this.paths, peer);
  }

  /** RFC 4724 4.2 End-of-RIB (or RFC 7313 EoRR): paths still stale are withdrawn. */
  endOfRib(peer: number): number {
    return this.dropStale(peer);
  }

  /** RFC 4724 4.2: the restart (or stale-path) timer fired: drop what is still stale. */
  staleExpired(peer: number): number {
    return this.dropStale(peer);
  }

  /** Re-runs the decision on up to `limit` dirty prefixes; returns the Loc-RIB changes. */
  decide(limit = 4096): LocRibChange[] {
    for (const id of this.deferredUnref) this.prefixes.unref(id);
    this.deferredUnref = [];
    const out: LocRibChange[] = [];
    while (this.dirtyAt < this.dirtyLen && out.length < limit) {
      const prefix = this.dirty[this.dirtyAt++];
      this.dirtyFlag[prefix] = 0;
      const ch = this.decideOne(prefix);
      if (ch) out.push(ch);
      this.prefixes.unref(prefix); // the dirty list's reference
    }
    if (this.dirtyAt === this.dirtyLen) {
      this.dirtyLen = 0;
      this.dirtyAt = 0;
      // Drained: a queue grown for a full table goes back to its first size (4 bytes a prefix).
      if (this.dirty.length > DIRTY_KEEP) {
        noteGrowthGarbage(this.dirty.byteLength);
        this.dirty = new Int32Array(1024);
      }
    }
    return out;
  }

  /** The id of a prefix given as text ("10.0.0.0/24"), or -1 (for /routes?prefix=). */
  findText(text: string): PrefixId {
    const p = parsePrefix(text, this.family);
    return p ? this.prefixes.find(p.words, p.len) : -1;
  }

  /** The best path of a prefix, if any. */
  bestOf(prefix: PrefixId): Route | undefined {
    const s = prefix >= 0 && prefix < this.best.length ? this.best[prefix] : NONE;
    return s < 0 ? undefined : this.route(s);
  }

  /** Every path of a prefix (all peers, all path IDs). */
  routesOf(prefix: PrefixId): Route[] {
    return this.paths.slotsOf(prefix).map((s) => this.route(s));
  }

  /**
   * The paths of a prefix the decision may use: RFC 4271 9.1.2.1 excludes a route whose
   * NEXT_HOP is unresolvable (the igpCost resolver answers Infinity).
   */
  feasibleOf(prefix: PrefixId): Route[] {
    const all = this.routesOf(prefix);
    return this.opts.igpCost ? all.filter((r) => r.igpCost !== Infinity) : all;
  }

  /** Re-decides every prefix (after the IGP costs the resolver reports have changed). */
  redecideAll(): void {
    for (let p = 0; p < this.paths.head.length; p++) if (this.paths.head[p] !== NONE) this.markDirty(p);
  }

  /** Up to n feasible paths of a prefix, best first (the decision re-run without the winner). */
  rankedOf(prefix: PrefixId, n: number): Route[] {
    let rest = this.feasibleOf(prefix);
    const out: Route[] = [];
    while (rest.length > 0 && out.length < n) {
      const { best } = decide(rest, this.opts);
      out.push(best);
      rest = rest.filter((r) => r !== best);
    }
    return out;
  }

  /** Prefix ids below this may have a best path (bestOf); a walk re-reads it as the table grows. */
  get prefixIdLimit(): number {
    return this.best.length;
  }

  /** Calls fn for every prefix in the Loc-RIB (e.g. to feed a new peer). */
  forEachBest(fn: (prefix: PrefixId, best: Route) => void): void {
    for (let p = 0; p < this.best.length; p++) if (this.best[p] >= 0) fn(p, this.route(this.best[p]));
  }

  /**
   * Adds to `counts[peer]` each prefix whose best path is its only feasible one: what the
   * Loc-RIB would lose with that peer (make before break). One walk, no Route objects.
   */
  countSoleBest(counts: number[]): void {
    const { head, next, peer } = this.paths;
    for (let p = 0; p < this.best.length; p++) {
      const b = this.best[p];
      if (b < 0) continue;
      const alone = next[head[p]] === NONE || (this.opts.igpCost !== undefined && this.feasibleOf(p).length <= 1);
      if (alone) counts[peer[b]] = (counts[peer[b]] ?? 0) + 1;
    }
  }

  route(slot: number): Route {
    const attrs = this.opts.attrs.get(this.paths.attr[slot]);
    return {
      slot,
      prefix: this.paths.prefix[slot],
      pathId: this.paths.rxId(slot),
      peer: this.opts.peers.get(this.paths.peer[slot]),
      attrs,
      stale: (this.paths.flags[slot] & FLAG_STALE) !== 0,
      igpCost: this.opts.igpCost?.(nextHopText(attrs.nextHop)),
    };
  }

  private decideOne(prefix: PrefixId): LocRibChange | undefined {
    const oldSlot = this.best[prefix];
    // oldSlot is -2 when the best path was removed since (removePath): a change whatever wins.
    const replaced = oldSlot >= 0 && (this.paths.flags[oldSlot] & FLAG_BEST_REPLACED) !== 0;
    if (replaced) this.paths.flags[oldSlot] &= ~FLAG_BEST_REPLACED;
    // One path and no resolver: no decision to run (the common case on a reflector).
    const head = this.paths.head[prefix];
    const single = head !== NONE && this.paths.next[head] === NONE && !this.opts.igpCost;
    const routes = single ? [this.route(head)] : this.feasibleOf(prefix);
    if (routes.length === 0) {
      if (oldSlot === NONE) return undefined;
      this.best[prefix] = NONE;
      this.locSize--;
      this.deferredUnref.push(prefix); // keep the id valid while consumers read this batch
      return { prefix, bestChanged: true };
    }
    const d = decide(routes, this.opts);
    if (oldSlot === NONE) {
      this.locSize++;
      this.prefixes.ref(prefix); // the Loc-RIB's reference
    }
    this.best[prefix] = d.best.slot;
    const bestChanged = oldSlot !== d.best.slot || replaced;
    return { prefix, best: d.best, reason: d.reason, multipath: d.multipath, bestChanged };
  }

  private removePath(slot: number): void {
    const prefix = this.paths.prefix[slot];
    this.adjCount[this.paths.peer[slot]]--;
    const store = this.opts.attrs;
    store.unref(store.get(this.paths.attr[slot]));
    this.markDirty(prefix);
    // The best path's slot is freed and may be reused (even for this prefix) before the next
    // decide(): mark it so the decision reports a change whatever slot wins.
    if (this.best[prefix] === slot) this.best[prefix] = -2;
    this.paths.remove(slot);
    this.prefixes.unref(prefix);
  }

  /** Withdraws the peer's paths still marked stale; returns how many went. */
  private dropStale(peer: number): number {
    return this.adjCount[peer] ? removeStale(this.paths, peer, (slot) => this.removePath(slot)) : 0;
  }

  /** Queues a prefix for decide() once, however many of its paths change meanwhile. */
  private markDirty(prefix: PrefixId): void {
    if (this.dirtyFlag[prefix]) return;
    this.dirtyFlag[prefix] = 1;
    this.prefixes.ref(prefix);
    if (this.dirtyLen === this.dirty.length) {
      // Full: slide out what decide() has consumed before growing, so the queue's length is
      // the prefixes waiting, not every prefix marked since it last drained.
      if (this.dirtyAt >= this.dirty.length / 4) {
        this.dirty.copyWithin(0, this.dirtyAt, this.dirtyLen);
        this.dirtyLen -= this.dirtyAt;
        this.dirtyAt = 0;
      } else this.dirty = ensureLength(this.dirty, this.dirtyLen + 1, 1024);
    }
    this.dirty[this.dirtyLen++] = prefix;
  }

  private growPrefixArrays(n: number): void {
    if (n <= this.best.length) return;
    const cap = capacityFor(this.best.length, n, 1024);
    this.best = grown(this.best, cap, NONE);
    this.dirtyFlag = grown(this.dirtyFlag, cap);
    this.paths.ensurePrefix(cap - 1);
  }
}
