// One address family's Adj-RIBs-In and Loc-RIB (RFC 4271 3.2) with the incremental decision
// process. Sans-IO: no timers (the graceful-restart timer belongs to the session shell,
// which calls endOfRib/staleExpired), no sockets. Changes mark prefixes dirty; decide()
// re-runs 9.1.2 only on those and returns Loc-RIB change events in bounded batches.
import { BgpError, CeaseSubcode, Family, familyAfi, familySafi, UpdateSubcode } from '../bgp/messages';
import type { AttrSet, AttrStore } from './attrs';
import { BestReason, Candidate, decide, DecisionOptions } from './decision';
import { IntTable } from './int-table';
import { FLAG_STALE, NONE, PathStore } from './path-store';
import type { PeerInfo, PeerTable } from './peer';
import { parsePrefix, PrefixId, PrefixIndex } from './prefix-index';

/** bestAttr of a best path whose attributes were replaced in place: no set has this id. */
const REPLACED = -2;

/** One path as handed out (transient: built for events and queries, not stored). */
export interface Route extends Candidate {
  readonly slot: number;
  readonly prefix: PrefixId;
  readonly pathId: number;
  readonly stale: boolean;
}

/** A Loc-RIB change: a new best (or its attributes changed), or `best` undefined: gone. */
export interface LocRibChange {
  readonly prefix: PrefixId;
  readonly best?: Route;
  readonly reason?: BestReason;
  readonly multipath?: readonly Route[];
  /** False when only a non-best path changed (ADD-PATH groups still care). */
  readonly bestChanged: boolean;
}

/**
 * Import hook run on every received path before it enters the Adj-RIB-In (RFC 4271 9.1.1,
 * RFC 4456 8 loop checks, policy). Returns the (possibly new, interned) set or undefined to
 * drop the path; a dropped announcement still implicitly withdraws the previous one.
 */
export type ImportFilter = (peer: PeerInfo, prefixes: PrefixIndex, prefix: PrefixId, attrs: AttrSet) => AttrSet | undefined;

export interface RibOptions extends DecisionOptions {
  readonly family: Family;
  readonly peers: PeerTable;
  readonly attrs: AttrStore;
  readonly importFilter?: ImportFilter;
  /** 9.1.2.2 (e): IGP cost to a next hop, undefined when unknown, Infinity: unreachable. */
  readonly igpCost?: (nextHop: string) => number | undefined;
  readonly initialPrefixes?: number;
  /** Why importFilter just returned undefined (asked right after it did; default "rejected"). */
  readonly rejectReason?: () => string;
  /** A path was received and not kept (filter or reject()): for logs, rate-limited there. */
  readonly onReject?: (peer: number, prefix: PrefixId, pathId: number, reason: string) => void;
}

/** Distinct reason texts a Rib keeps; more collapse into the last (bounded memory). */
const MAX_REASONS = 1024;

// Reference counting keeps prefix ids valid exactly as long as something names them: each
// path, the Loc-RIB entry, the dirty queue, and (in src/reflector) Adj-RIB-Out state,
// pending changes, log entries and catch-up queues each hold one reference. An id is
// recycled only when the count reaches zero, so a withdrawal queued for a peer never goes
// out under a prefix that has meanwhile been reused.
export class Rib {
  readonly family: Family;
  readonly prefixes: PrefixIndex;
  readonly paths: PathStore;
  private readonly opts: RibOptions;
  /** Per peer index: (prefixId, rxPathId) -> path slot. */
  private readonly adjIn: (IntTable | undefined)[] = [];
  private best = new Int32Array(0);
  private bestAttr = new Int32Array(0);
  private dirtyFlag = new Uint8Array(0);
  private dirty = new Int32Array(1024); // queue of prefix ids to re-decide
  private dirtyLen = 0;
  private dirtyAt = 0;
  private deferredUnref: number[] = [];
  private locSize = 0;
  /**
   * Per peer index: (prefixId, rxPathId) -> reason code, for paths the peer sent that are not
   * in its Adj-RIB-In (import rules, RFC 7606 treat-as-withdraw). Contract 3's `received`
   * counts them with the kept ones. Each entry holds a prefix reference.
   */
  private readonly rejectedIn: (IntTable | undefined)[] = [];
  private readonly reasons: string[] = ['rejected'];
  private readonly reasonCodes = new Map<string, number>([['rejected', 0]]);

  constructor(opts: RibOptions) {
    this.opts = opts;
    this.family = opts.family;
    const n = opts.initialPrefixes ?? 1024;
    this.prefixes = new PrefixIndex(opts.family, n);
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
    return this.adjIn[peer]?.size ?? 0;
  }
  /** Paths of one peer received and not kept (still announced by it, refused by us). */
  rejectedCount(peer: number): number {
    return this.rejectedIn[peer]?.size ?? 0;
  }

  /** Every rejected path: fn(peer, prefix, pathId, reason). */
  forEachRejected(fn: (peer: number, prefix: PrefixId, pathId: number, reason: string) => void): void {
    this.rejectedIn.forEach((t, peer) => t?.forEach((k, off, code) => fn(peer, k[off], k[off + 1], this.reasons[code] ?? 'rejected')));
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
    this.noteRejected(peer, prefix, pathId, reason);
    this.withdrawId(peer, prefix, pathId, true);
  }

  private reasonCode(text: string): number {
    let c = this.reasonCodes.get(text);
    if (c === undefined) {
      if (this.reasons.length >= MAX_REASONS) return 0;
      c = this.reasons.push(text) - 1;
      this.reasonCodes.set(text, c);
    }
    return c;
  }

  private noteRejected(peer: number, prefix: PrefixId, pathId: number, reason: string): void {
    const t = (this.rejectedIn[peer] ??= new IntTable(2, 16));
    t.key[0] = prefix;
    t.key[1] = pathId;
    const probe = t.probe();
    const code = this.reasonCode(reason);
    if (probe >= 0) t.setValueAt(probe, code);
    else {
      this.prefixes.ref(prefix);
      t.insertAt(probe, code);
    }
    this.opts.onReject?.(peer, prefix, pathId, reason);
  }

  /** The peer withdrew or re-sent (and we kept) a path we had refused. */
  private forgetRejected(peer: number, prefix: PrefixId, pathId: number): void {
    const t = this.rejectedIn[peer];
    if (!t || t.size === 0) return;
    t.key[0] = prefix;
    t.key[1] = pathId;
    const probe = t.probe();
    if (probe < 0) return;
    t.deleteAt(probe);
    this.prefixes.unref(prefix);
  }

  /** The peer's session ended or it will send everything again (RFC 7313 BoRR). */
  private clearRejected(peer: number): void {
    const t = this.rejectedIn[peer];
    if (!t) return;
    const ids: number[] = [];
    t.forEach((k, off) => ids.push(k[off]));
    this.rejectedIn[peer] = undefined;
    for (const id of ids) this.prefixes.unref(id);
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
    const table = this.adjTable(peer);
    table.key[0] = prefix;
    table.key[1] = pathId;
    const probe = table.probe();
    const slot = probe >= 0 ? table.valueAt(probe) : NONE;
    if (accepted === undefined) {
      this.noteRejected(peer, prefix, pathId, this.opts.rejectReason?.() ?? 'rejected');
      if (slot !== NONE) this.removePath(table, slot);
      return undefined;
    }
    // The refusal entry may hold the prefix id's last reference: a new path takes its own
    // first, or forgetting the refusal would recycle the id under the path being stored.
    if (slot === NONE) this.prefixes.ref(prefix);
    this.forgetRejected(peer, prefix, pathId);
    if (slot !== NONE) {
      const old = this.paths.attr[slot];
      const wasStale = this.paths.flags[slot] & FLAG_STALE;
      this.paths.flags[slot] = 0; // RFC 4724 4.2: a re-announced path is no longer stale
      if (old === accepted.id && !wasStale) return undefined;
      store.ref(accepted);
      this.paths.attr[slot] = accepted.id;
      store.unref(store.get(old));
      // decide() spots a changed best by (slot, attribute set id), but the Loc-RIB holds no
      // reference on that set: once `old` is freed, a later replacement may be interned under
      // the same id (the store reuses ids), and a best path whose attributes changed twice
      // before decide() would look unchanged and never be re-advertised (RFC 4271 9.2: a
      // Loc-RIB change must reach the Adj-RIBs-Out). Forget the id: the decision reports it.
      if (this.best[prefix] === slot) this.bestAttr[prefix] = REPLACED;
      this.markDirty(prefix);
      return undefined;
    }
    const max = info.maxPrefixes;
    if (max !== undefined && table.size >= max) {
      this.prefixes.unref(prefix);
      store.dropIfUnused(accepted);
      return maxPrefixCease(this.family, max);
    }
    store.ref(accepted);
    this.growPrefixArrays(prefix + 1);
    table.insertAt(probe, this.paths.add(prefix, peer, pathId, accepted.id));
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
    if (!keepRejected) this.forgetRejected(peer, prefix, pathId);
    const table = this.adjIn[peer];
    if (!table) return;
    table.key[0] = prefix;
    table.key[1] = pathId;
    const slot = table.get();
    if (slot !== NONE) this.removePath(table, slot);
  }

  /**
   * The session went down. Without graceful restart every path of the peer goes (RFC 4271
   * 9.1.3 as routes become unavailable); with it (RFC 4724 4.2, helper) they are kept and
   * marked stale until endOfRib() or staleExpired().
   */
  peerDown(peer: number, gracefulRestart = false): void {
    this.clearRejected(peer);
    const table = this.adjIn[peer];
    if (!table) return;
    if (gracefulRestart) {
      this.markStale(peer);
      return;
    }
    const slots = this.slotsOf(table);
    for (let i = 0; i < slots.length; i++) this.removePath(table, slots[i]);
    this.adjIn[peer] = undefined;
  }

  /** Marks every path of the peer stale: GR session loss, or RFC 7313 4 BoRR. */
  markStale(peer: number): void {
    this.clearRejected(peer); // what it sends again is judged again
    const table = this.adjIn[peer];
    if (!table) return;
    table.forEach((_k, _o, slot) => {
      this.paths.flags[slot] |= FLAG_STALE; // flags only: the table keeps its shape
    });
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

  route(slot: number): Route {
    const attrs = this.opts.attrs.get(this.paths.attr[slot]);
    return {
      slot,
      prefix: this.paths.prefix[slot],
      pathId: this.paths.rxId[slot],
      peer: this.opts.peers.get(this.paths.peer[slot]),
      attrs,
      stale: (this.paths.flags[slot] & FLAG_STALE) !== 0,
      igpCost: this.opts.igpCost?.(attrs.nextHop),
    };
  }

  private decideOne(prefix: PrefixId): LocRibChange | undefined {
    const oldSlot = this.best[prefix];
    const oldAttr = this.bestAttr[prefix];
    // One path and no resolver: no decision to run (the common case on a reflector).
    const head = this.paths.head[prefix];
    const single = head !== NONE && this.paths.next[head] === NONE && !this.opts.igpCost;
    const routes = single ? [this.route(head)] : this.feasibleOf(prefix);
    if (routes.length === 0) {
      if (oldSlot === NONE) return undefined;
      this.best[prefix] = NONE;
      this.bestAttr[prefix] = NONE;
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
    this.bestAttr[prefix] = d.best.attrs.id;
    const bestChanged = oldSlot !== d.best.slot || oldAttr !== d.best.attrs.id;
    return { prefix, best: d.best, reason: d.reason, multipath: d.multipath, bestChanged };
  }

  private removePath(table: IntTable, slot: number): void {
    const prefix = this.paths.prefix[slot];
    table.key[0] = prefix;
    table.key[1] = this.paths.rxId[slot];
    table.delete();
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
    const table = this.adjIn[peer];
    if (!table) return 0;
    // Usually nothing is stale (End-of-RIB after a fresh session): look before copying.
    let stale = 0;
    table.forEach((_k, _o, slot) => {
      stale += this.paths.flags[slot] & FLAG_STALE;
    });
    if (stale === 0) return 0;
    let n = 0;
    const slots = this.slotsOf(table);
    for (let i = 0; i < slots.length; i++) {
      if (this.paths.flags[slots[i]] & FLAG_STALE) {
        this.removePath(table, slots[i]);
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
  private slotsOf(table: IntTable): Int32Array {
    const out = new Int32Array(table.size);
    let i = 0;
    table.forEach((_k, _o, v) => {
      out[i++] = v;
    });
    return out;
  }

  /** Queues a prefix for decide() once, however many of its paths change meanwhile. */
  private markDirty(prefix: PrefixId): void {
    if (this.dirtyFlag[prefix]) return;
    this.dirtyFlag[prefix] = 1;
    this.prefixes.ref(prefix);
    if (this.dirtyLen === this.dirty.length) {
      const d = new Int32Array(this.dirty.length * 2);
      d.set(this.dirty);
      this.dirty = d;
    }
    this.dirty[this.dirtyLen++] = prefix;
  }

  private adjTable(peer: number): IntTable {
    let t = this.adjIn[peer];
    if (!t) {
      t = new IntTable(2, 64);
      this.adjIn[peer] = t;
    }
    return t;
  }

  private growPrefixArrays(n: number): void {
    if (n <= this.best.length) return;
    let cap = Math.max(1024, this.best.length);
    while (cap < n) cap *= 2;
    const best = new Int32Array(cap).fill(NONE);
    best.set(this.best);
    const attr = new Int32Array(cap).fill(NONE);
    attr.set(this.bestAttr);
    const flag = new Uint8Array(cap);
    flag.set(this.dirtyFlag);
    this.best = best;
    this.bestAttr = attr;
    this.dirtyFlag = flag;
    this.paths.ensurePrefix(cap - 1);
  }
}

/** RFC 7606 5.3: an NLRI length beyond the family's maximum cannot be parsed past. */
function badLength(len: number): BgpError {
  return BgpError.update(UpdateSubcode.InvalidNetworkField, `prefix length ${len} out of range`);
}

/** RFC 4486 4: Cease subcode 1 data is AFI (2), SAFI (1), the prefix upper bound (4). */
export function maxPrefixCease(family: Family, max: number): BgpError {
  const data = new Uint8Array(7);
  const v = new DataView(data.buffer);
  v.setUint16(0, familyAfi(family));
  v.setUint8(2, familySafi(family));
  v.setUint32(3, max >>> 0);
  return BgpError.cease(CeaseSubcode.MaxPrefixesReached, `maximum number of prefixes (${max}) reached`, data);
}
