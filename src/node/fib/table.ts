// The kernel FIB sink's per-prefix state, one table per address family: what the agent wants
// (desired) and what the kernel holds of ours (installed) side by side, in slots numbered by a
// dense prefix id (the RIB's PrefixIndex: the prefix's address words and length hashed in
// typed arrays). A full table is a million prefixes; string-keyed Maps cost two strings, two
// map entries and a parse and a format per route, where a slot costs a hash probe and a few
// typed-array stores, and no JS object per prefix.
//
// A slot lives (holds one reference on its prefix id) while anything is kept for it: a desired
// route, an installed one, or a flag (queued, held, failed, kept until sync). Ids are tagged
// with their family (tag = id * 2 + family bit) where both families share a structure (the
// dirty queue, the batch, the failure texts).
import { IPV4_UNICAST, IPV6_UNICAST } from '../../bgp/messages';
import { PrefixIndex, capacityFor, forEachRunScattered, grown } from '../../rib';
import { AF_INET, AF_INET6, type InetPrefix } from '../../sys';
import { EntryTable, type DesiredEntry } from './desired';

/** In the dirty queue. */
export const DIRTY = 1;
/** Waiting for a next hop to resolve. */
export const HELD = 2;
/** The kernel refused its last change (the text is in the sink's failure map). */
export const FAILED = 4;
/** Found in the kernel at start and not set since: left alone until the initial sync. */
export const KEEP = 8;
/** The slot holds a reference on its prefix id. */
const LIVE = 16;

export class FamilyTable {
  readonly prefixes: PrefixIndex;
  /** Per slot: the desired route's id in `entries` (desired.ts EntryTable), or -1 for none. */
  private want: Int32Array;
  private readonly entries = new EntryTable();
  /** Per slot: the key id (KeyTable) of what the kernel holds of ours, or -1. */
  installed: Int32Array;
  /** Per slot: DIRTY | HELD | FAILED | KEEP | LIVE. */
  flags: Uint8Array;
  /** Slots with a route installed (kept as it changes: the status asks often). */
  installedCount = 0;
  /** The prefix in kernel form, rewritten per call (encoded at once, never kept). */
  private readonly dst: { family: typeof AF_INET | typeof AF_INET6; bytes: Uint8Array; len: number };

  constructor(readonly v6: boolean) {
    this.prefixes = new PrefixIndex(v6 ? IPV6_UNICAST : IPV4_UNICAST, 1024);
    this.installed = new Int32Array(1024).fill(-1);
    this.want = new Int32Array(1024).fill(-1);
    this.flags = new Uint8Array(1024);
    this.dst = { family: v6 ? AF_INET6 : AF_INET, bytes: new Uint8Array(v6 ? 16 : 4), len: 0 };
  }

  /** Slots ever used (the bound for a walk over all of them). */
  get capacity(): number {
    return this.prefixes.capacity;
  }

  /** The live slot of a prefix (address words, big-endian numbers as the RIB keeps them), made live when new. */
  slot(words: ArrayLike<number>, len: number): number {
    const id = this.prefixes.intern(words, len);
    if (id >= this.flags.length) this.grow(id + 1);
    if ((this.flags[id]! & LIVE) === 0) {
      this.prefixes.ref(id);
      this.flags[id] = LIVE;
      this.installed[id] = -1;
      this.setDesired(id, undefined);
    }
    return id;
  }

  /** The desired route of a slot (a shared next-hop array or a Kind), or undefined. */
  desired(id: number): DesiredEntry | undefined {
    const e = this.want[id]!;
    return e < 0 ? undefined : this.entries.entry(e);
  }

  /** Distinct desired entries some slot names (tests: they are forgotten when none does). */
  get desiredEntries(): number {
    return this.entries.size;
  }

  hasDesired(id: number): boolean {
    return this.want[id]! >= 0;
  }

  setDesired(id: number, entry: DesiredEntry | undefined): void {
    const was = this.want[id]!;
    // Taken before the old one is given back: the same entry again is never forgotten between.
    const e = entry === undefined ? -1 : this.entries.take(entry);
    this.want[id] = e;
    if (was >= 0) this.entries.give(was);
  }

  /** The slot of a prefix, or -1 when nothing is kept for it. */
  find(words: ArrayLike<number>, len: number): number {
    const id = this.prefixes.find(words, len);
    return id >= 0 && (this.flags[id]! & LIVE) !== 0 ? id : -1;
  }

  isLive(id: number): boolean {
    return (this.flags[id]! & LIVE) !== 0;
  }

  /** What the kernel holds of ours for the slot now: key id, or -1. */
  setInstalled(id: number, key: number): void {
    const was = this.installed[id]!;
    if (was < 0 && key >= 0) this.installedCount++;
    else if (was >= 0 && key < 0) this.installedCount--;
    this.installed[id] = key;
  }

  /** Gives the prefix id back when nothing is kept for the slot any more. */
  release(id: number): void {
    if (this.flags[id] === LIVE && this.installed[id]! < 0 && this.want[id]! < 0) {
      this.flags[id] = 0;
      this.prefixes.unref(id);
    }
  }

  /** The prefix as text, for logs and failure reports only (never on the hot path). */
  text(id: number): string {
    return this.prefixes.format(id);
  }

  /** The prefix in kernel form; good until the next call. */
  kernelDst(id: number): InetPrefix {
    const d = this.dst;
    const b = d.bytes;
    const p = this.prefixes;
    const n = p.addrWords;
    for (let i = 0; i < n; i++) {
      const w = p.word(id, i);
      b[i * 4] = w >>> 24;
      b[i * 4 + 1] = (w >>> 16) & 255;
      b[i * 4 + 2] = (w >>> 8) & 255;
      b[i * 4 + 3] = w & 255;
    }
    d.len = p.len(id);
    return d;
  }

  private grow(need: number): void {
    const cap = capacityFor(this.flags.length, need, 1024);
    this.installed = grown(this.installed, cap, -1);
    this.want = grown(this.want, cap, -1);
    this.flags = grown(this.flags, cap);
  }
}

/** Tag of (family table, slot): where both families share one structure. */
export function tagOf(t: FamilyTable, id: number): number {
  return id * 2 + (t.v6 ? 1 : 0);
}

/** Address words of kernel-form address octets (4 or 16), into `out`. */
export function wordsOf(bytes: Uint8Array, out: Uint32Array): Uint32Array {
  for (let i = 0; i < bytes.length >> 2; i++)
    out[i] = ((bytes[i * 4]! << 24) | (bytes[i * 4 + 1]! << 16) | (bytes[i * 4 + 2]! << 8) | bytes[i * 4 + 3]!) >>> 0;
  return out;
}

/**
 * Next-hop keys (hops.ts: what a route's next hops are, order-free) as small ids, so each
 * slot stores a number. There are as many as distinct next-hop sets (a handful in a fabric);
 * they are never freed, since a slot may name any of them.
 */
export class KeyTable {
  private readonly ids = new Map<string, number>();
  private readonly keys: string[] = [];
  private lastKey = '';
  private lastId = -1;

  id(key: string): number {
    if (key === this.lastKey && this.lastId >= 0) return this.lastId;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.keys.length;
      this.keys.push(key);
      this.ids.set(key, id);
    }
    this.lastKey = key;
    this.lastId = id;
    return id;
  }

  key(id: number): string {
    return this.keys[id]!;
  }

  /** The id of a key already known, without making one. */
  find(key: string): number | undefined {
    return this.ids.get(key);
  }
}

/** A backlog at least this long is scattered (scatter.ts) before it is drained. */
export const SCATTER_MIN = 8192;

/**
 * Tags (tagOf) of prefixes to look at: a ring of int32 that grows by doubling. Whether a
 * prefix is in it is its DIRTY flag (the sink's to keep), so each is in at most once however
 * often it changes before its turn. First changed first out, except that a backlog of
 * SCATTER_MIN or more is reordered once, as a whole, into a scattered order before it is
 * drained: a bulk change (a full table arriving sorted, a peer withdrawing its table, the
 * stale routes of a restart in the kernel's dump order) reaches the kernel in the order its
 * trie takes fastest (see rib/scatter.ts), while a few changes keep their order. A withdrawal
 * swept by the RIB comes already scattered (rib/stale.ts) and is permuted once more here,
 * which measured no slower. Each prefix is its own request, so no order among them is
 * needed for correctness.
 */
export class DirtyQueue {
  private q = new Int32Array(1024);
  private head = 0;
  private n = 0;
  /** How many tags at the head are of the last scattered backlog (taken before a new scatter). */
  private epoch = 0;

  get size(): number {
    return this.n;
  }

  push(tag: number): void {
    if (this.n === this.q.length) {
      const next = new Int32Array(this.q.length * 2);
      for (let i = 0; i < this.n; i++) next[i] = this.q[(this.head + i) % this.q.length]!;
      this.q = next;
      this.head = 0;
    }
    this.q[(this.head + this.n) % this.q.length] = tag;
    this.n++;
  }

  /** The next tag, or -1 when empty. */
  shift(): number {
    if (this.n === 0) return -1;
    if (this.epoch === 0 && this.n >= SCATTER_MIN) this.scatter();
    if (this.epoch > 0) this.epoch--;
    const t = this.q[this.head]!;
    this.head = this.head + 1 === this.q.length ? 0 : this.head + 1;
    if (--this.n === 0) {
      this.head = 0;
      // Drained: a queue grown for a full table goes back to its first size.
      if (this.q.length > 1 << 16) this.q = new Int32Array(1024);
    }
    return t;
  }

  /** Rewrites the whole backlog in scattered order into a new ring starting at 0. */
  private scatter(): void {
    const from = this.q;
    const to = new Int32Array(from.length);
    const head = this.head;
    const len = from.length;
    let k = 0;
    forEachRunScattered(this.n, (a, b) => {
      for (let i = a; i < b; i++) to[k++] = from[(head + i) % len]!;
    });
    this.q = to;
    this.head = 0;
    this.epoch = this.n;
  }
}
