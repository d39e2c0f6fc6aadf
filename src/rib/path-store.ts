// Paths (one peer's route to one prefix, one path ID) as slots in typed arrays, each prefix's
// paths chained through `next`. A full table from several peers costs a few flat arrays,
// not an object per path (DESIGN.md "Performance shape").

import { capacityFor, grown, PEER16_MAX, type PeerIndexArray, widened } from './grow';
import { SlotFreeList } from './slots';

export const NONE = -1;
export const FLAG_STALE = 1; // RFC 4724 4.2: kept while the peer restarts
/** The Loc-RIB's best path whose attributes were replaced since the last decision (rib.ts). */
export const FLAG_BEST_REPLACED = 2;

export class PathStore {
  prefix = new Int32Array(0);
  /** Each path's peer index: 2 bytes a path until an index passes 65,535 (grow.ts). */
  peer: PeerIndexArray = new Uint16Array(0);
  /**
   * The path identifier each path's peer sent (RFC 7911 3). Allocated at the first path with
   * an identifier other than 0: without ADD-PATH every path's is 0 (4 bytes a path saved).
   */
  private rxIds: Uint32Array | undefined;
  attr = new Int32Array(0);
  next = new Int32Array(0);
  flags = new Uint8Array(0);
  /** First path slot of each prefix id, NONE when the prefix has no path. */
  head = new Int32Array(0);
  private readonly slots = new SlotFreeList(); // links through next
  private live = 0;

  constructor(initialPaths = 1024, initialPrefixes = 1024) {
    this.growPaths(initialPaths);
    this.growPrefixes(initialPrefixes);
  }

  get size(): number {
    return this.live;
  }
  get bytes(): number {
    return this.prefix.length * 13 + this.peer.byteLength + (this.rxIds?.byteLength ?? 0) + this.head.byteLength;
  }

  ensurePrefix(id: number): void {
    if (id >= this.head.length) this.growPrefixes(capacityFor(this.head.length, id + 1, 1024));
  }

  /**
   * Allocates a slot and links it at the head of its prefix's chain. Freed slots are reused
   * first (a free list threaded through `next`), so churn does not grow the arrays.
   */
  add(prefix: number, peer: number, rxId: number, attr: number): number {
    if (this.slots.full(this.prefix.length)) this.growPaths(capacityFor(this.prefix.length, this.slots.used + 1, 64));
    const s = this.slots.take(this.next);
    this.ensurePrefix(prefix);
    this.prefix[s] = prefix;
    if (peer > PEER16_MAX) this.peer = widened(this.peer, peer);
    this.peer[s] = peer;
    if (rxId !== 0 && this.rxIds === undefined) this.rxIds = new Uint32Array(this.prefix.length);
    if (this.rxIds !== undefined) this.rxIds[s] = rxId;
    this.attr[s] = attr;
    this.flags[s] = 0;
    this.next[s] = this.head[prefix];
    this.head[prefix] = s;
    this.live++;
    return s;
  }

  /**
   * Unlinks a slot from its prefix's chain and frees it. Chains are short (one path per
   * peer that sent the prefix), so the walk to find the predecessor is cheap.
   */
  remove(s: number): void {
    const p = this.prefix[s];
    let cur = this.head[p];
    let prev = NONE;
    while (cur !== NONE && cur !== s) {
      prev = cur;
      cur = this.next[cur];
    }
    if (cur === NONE) return;
    if (prev === NONE) this.head[p] = this.next[s];
    else this.next[prev] = this.next[s];
    this.slots.give(this.next, s);
    this.prefix[s] = NONE;
    this.live--;
  }

  /** The slot of (prefix, peer, rxId), or NONE: a walk of the prefix's chain (one path per peer and path ID). */
  find(prefix: number, peer: number, rxId: number): number {
    if (!(prefix >= 0 && prefix < this.head.length)) return NONE;
    const ids = this.rxIds;
    if (ids === undefined && rxId !== 0) return NONE;
    for (let s = this.head[prefix]; s !== NONE; s = this.next[s]) {
      if (this.peer[s] === peer && (ids === undefined || ids[s] === rxId)) return s;
    }
    return NONE;
  }

  /** The path identifier a path's peer sent (0 without ADD-PATH). */
  rxId(s: number): number {
    return this.rxIds === undefined ? 0 : this.rxIds[s];
  }

  /**
   * Slots below this may be in use (a freed one has prefix NONE): a scan for one peer's paths
   * runs over [0, slotLimit). Removing the scanned slot meanwhile is safe (slots never move).
   */
  get slotLimit(): number {
    return this.slots.used;
  }

  /** The path slots of one prefix. */
  slotsOf(prefix: number): number[] {
    const out: number[] = [];
    if (!(prefix >= 0 && prefix < this.head.length)) return out;
    for (let s = this.head[prefix]; s !== NONE; s = this.next[s]) out.push(s);
    return out;
  }

  /** Grows the slot arrays to n. */
  private growPaths(n: number): void {
    this.prefix = grown(this.prefix, n);
    this.peer = grown(this.peer, n);
    if (this.rxIds !== undefined) this.rxIds = grown(this.rxIds, n);
    this.attr = grown(this.attr, n);
    this.next = grown(this.next, n);
    this.flags = grown(this.flags, n);
  }

  private growPrefixes(n: number): void {
    this.head = grown(this.head, n, NONE);
  }
}
