// Kernel nexthop objects for the FIB sink (include/uapi/linux/nexthop.h, Linux 5.3): each
// next-hop key (hops.ts, KeyTable) gets one object of ours, a gateway with its interface, or
// for ECMP a multipath group over such objects, and routes name it by RTA_NH_ID instead of
// carrying their next hops inline. Why: the kernel then validates and links the next hop once
// per object, not once per route (fib_create_info finds the shared nexthop and skips
// fib_check_nh); with `ip -batch`, 300k IPv4 adds took 5.86 s of system time inline and 3.25 s
// through one object (bench/RESULTS.md "## fib").
//
// Objects carry our route protocol as nh_protocol, so ours are told apart from anyone else's.
// Ids are ours to pick (RTM_NEWNEXTHOP without an id would give us one, but an id we choose
// lets the request go in the same way every time): from a band of our own, protocol * 10^6 + 1
// on (`nhid 200000001` for protocol 200, easy to tell in `ip route`), skipping every id the
// last dump showed in use. At open and every re-read the objects are
// dumped again and ours are matched by content, so a restarted agent keeps using the objects
// (and the routes) of the last run; one object is chosen per content, duplicates are stale.
//
// The kernel deletes the routes that use an object when the object goes (remove_nexthop ->
// __remove_nexthop_fib), and it removes objects itself when their device goes down
// (nexthop_flush_dev). So: an object is made before the first route that names it (a small
// ACKed batch of its own, before the route batch), deleted only when no route anywhere names
// it (nexthop-gc.ts), and a re-read after link changes notices ours that the kernel removed.
//
// A kernel that refuses them (RTM_GETNEXTHOP answered EOPNOTSUPP, before 5.3), and any key
// whose object the kernel refuses, keep next hops inline as before.
import {
  NlBatch,
  formatInetAddr,
  rtnl,
  type NlNextHop,
  type NlNexthop,
  type NlRoute,
  type RtnlExchange,
  type SysError,
} from '../../sys';
import { LogRateLimiter } from '../../observability';
import { ackText } from './batch';
import { hopsKey, kernelKey } from './hops';
import type { KeyTable } from './table';
import type { FibLogger } from './types';

/** The socket calls the objects need (RtnlSocket; a fake in unit tests). */
export interface NhSocket {
  takeSeq(n: number): number;
  exchange(batch: NlBatch, firstSeq: number): RtnlExchange | SysError;
  dump(
    request: NlBatch,
    seq: number,
    onMessage: (b: Buffer, m: rtnl.NlMessage) => void,
  ): Promise<{ interrupted: boolean } | SysError>;
}

/** idFor: carry the next hops inline (objects off, or this one refused). */
export const INLINE = 0;
/** idFor: the object is being made; the route waits for it (see create()). */
export const PENDING = -1;

/** One object of ours in the kernel. */
interface Ours {
  /** Key id of its content (KeyTable), or -1 when it is not one we would make. */
  readonly keyId: number;
  /** A single hop: gateway text and interface (for the key of a group over it). */
  readonly hop?: { readonly text: string; readonly ifindex: number };
  /** A group: its members' ids. */
  readonly members?: readonly number[];
}

const { NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, RTM_NEWNEXTHOP, RTM_GETNEXTHOP, RTN_UNICAST } = rtnl;
const EEXIST = 17;
/** Flags the kernel sets on its own (dead or link-down hop); anything else is not ours to adopt. */
const KERNEL_FLAGS = rtnl.RTNH_F_DEAD | rtnl.RTNH_F_LINKDOWN;
const BAND = 1_000_000;
/** Tries per key (EEXIST: someone took the id; no answer) before it goes inline. */
const TRIES = 3;

export class NexthopObjects {
  /** Ours by id, as the last dump showed them (plus those made since). */
  readonly ours = new Map<number, Ours>();
  /** Every id in use by anyone, as the last dump showed them (plus ours made since). */
  private used = new Set<number>();
  /** Per key id: the chosen object's id, or 0. */
  private byKey: number[] = [];
  /** Keys whose object the kernel refused: inline until the next re-read. */
  private readonly refused = new Set<number>();
  /** Keys waiting for their object, with the hops to make it from and tries so far. */
  private readonly pending = new Map<number, { hops: readonly NlNextHop[]; family: number; tries: number }>();
  private next: number;
  private readonly limiter = new LogRateLimiter(5, 60_000);

  private constructor(
    private readonly sock: NhSocket,
    private readonly protocol: number,
    private readonly keys: KeyTable,
    private readonly log: FibLogger,
    /** False: the kernel refuses nexthop objects; every route carries its hops inline. */
    readonly enabled: boolean,
  ) {
    this.next = protocol * BAND + 1;
  }

  /**
   * Probes with a dump of all nexthop objects: refused (EOPNOTSUPP: no RTM_GETNEXTHOP handler,
   * Linux < 5.3; EINVAL, EPERM, ...) means inline next hops, logged once; otherwise ours are
   * adopted by content.
   */
  static async open(sock: NhSocket, protocol: number, keys: KeyTable, log: FibLogger): Promise<NexthopObjects> {
    const on = new NexthopObjects(sock, protocol, keys, log, true);
    const r = await on.refresh();
    if (!(r instanceof Error)) return on;
    log.info({ err: r.message }, 'fib: the kernel refuses nexthop objects; routes carry their next hops inline');
    return new NexthopObjects(sock, protocol, keys, log, false);
  }

  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /**
   * The object for next-hop key `keyId` (a unicast route's resolved gateways, `hops`): its
   * id; PENDING when it must be made first (queued for create()); INLINE when routes carry
   * the hops themselves.
   */
  idFor(keyId: number, hops: readonly NlNextHop[], family: number): number {
    if (!this.enabled) return INLINE;
    const id = this.byKey[keyId];
    if (id) return id;
    if (this.refused.has(keyId)) return INLINE;
    if (!this.pending.has(keyId)) this.pending.set(keyId, { hops, family, tries: 0 });
    return PENDING;
  }

  /** The next-hop key of a route as the kernel holds it (table-read.ts). */
  keyOf(r: NlRoute): string {
    if (r.nhId) {
      // Through an object: equal to the desired key only when it is the object we chose for
      // that content; any other (a duplicate, someone else's) differs and is replaced in place.
      const o = this.ours.get(r.nhId);
      return o && o.keyId >= 0 && this.byKey[o.keyId] === r.nhId ? this.keys.key(o.keyId) : `nhid ${r.nhId}`;
    }
    const k = kernelKey(r);
    // Gateways inline (an older version of ours): differs, so it is replaced by one through
    // an object, in place. Device routes and blackholes stay inline and keep their keys, and
    // so do routes whose object the kernel refused (else each scan would replace them again).
    if (this.enabled && r.type === RTN_UNICAST && r.nextHops.some((h) => h.gateway)) {
      const id = this.keys.find(k);
      if (id === undefined || !this.refused.has(id)) return `inline ${k}`;
    }
    return k;
  }

  /** The id of the object a route of key `keyId` goes through (GC: what is in use), or 0. */
  objectOfKey(keyId: number): number {
    const k = this.keys.key(keyId);
    if (k.startsWith('nhid ')) return Number(k.slice(5));
    return this.byKey[keyId] ?? 0;
  }

  /**
   * Dumps every nexthop object again: ours are matched by content, the chosen object per
   * content kept where it still exists. Resolves to true when an object we had chosen is gone
   * (the kernel took it away, and its routes with it: the table must be read again).
   */
  async refresh(): Promise<boolean | SysError> {
    if (!this.enabled) return false;
    const all: NlNexthop[] = [];
    const req = new NlBatch(64);
    const seq = this.sock.takeSeq(1);
    req.addDump(RTM_GETNEXTHOP, 0, seq);
    const r = await this.sock.dump(req, seq, (b, m) => {
      const nh = m.type === RTM_NEWNEXTHOP ? rtnl.decodeNexthop(b, m) : undefined;
      if (nh) all.push(nh);
    });
    if (r instanceof Error) return r;
    return this.adopt(all);
  }

  /** Rebuilds ours, the chosen object per key and the ids in use from one dump; true when a chosen one is gone. */
  private adopt(all: readonly NlNexthop[]): boolean {
    const before = this.byKey;
    this.used = new Set(all.map((n) => n.id));
    this.ours.clear();
    this.byKey = [];
    const mine = all.filter((n) => n.protocol === this.protocol).sort((a, b) => a.id - b.id);
    // Singles first: a group's key is made of its members'.
    for (const n of mine) {
      if (n.group) continue;
      const plain = !n.blackhole && !n.fdb && !n.encap && (n.flags & ~KERNEL_FLAGS) === 0;
      if (plain && n.gateway && n.ifindex && (n.family === 2 || n.family === 10)) {
        const hop = { text: formatInetAddr(n.gateway), ifindex: n.ifindex };
        this.ours.set(n.id, { keyId: this.keys.id(hopsKey([hop])), hop });
      } else this.ours.set(n.id, { keyId: -1 });
    }
    for (const n of mine) {
      if (!n.group) continue;
      const members = n.group.map((g) => g.id);
      const hops = members.map((id) => this.ours.get(id)?.hop);
      const ok =
        (n.groupType ?? 0) === rtnl.NEXTHOP_GRP_TYPE_MPATH &&
        n.group.every((g) => g.weight === 1) &&
        hops.every((h) => h !== undefined) &&
        new Set(hops.map((h) => `${h!.text}%${h!.ifindex}`)).size === hops.length;
      const keyId = ok ? this.keys.id(hopsKey(hops as { text: string; ifindex: number }[])) : -1;
      this.ours.set(n.id, { keyId, members });
    }
    // The chosen object per key: the one chosen before if it still has that content, else the lowest id.
    for (const [id, o] of this.ours) {
      if (o.keyId < 0) continue;
      const cur = this.byKey[o.keyId];
      if (!cur || (before[o.keyId] === id && cur !== id)) this.byKey[o.keyId] = id;
    }
    return before.some((id, k) => id > 0 && this.byKey[k] !== id);
  }

  /**
   * Makes the objects routes are waiting for, in one ACKed batch: each group's missing
   * members before the group (the kernel runs a batch in order). A key whose object is
   * refused goes inline (logged); one whose id turned out taken (EEXIST) tries another.
   */
  async create(): Promise<void> {
    type Req = { keyId: number; id: number; nh: NlNexthop };
    const reqs: Req[] = [];
    const planned = new Map<number, number>(); // single key id -> id in this batch
    const single = (h: NlNextHop, family: number): number => {
      const keyId = this.keys.id(hopsKey([{ text: formatInetAddr(h.gateway!), ifindex: h.ifindex ?? 0 }]));
      const have = this.byKey[keyId] || planned.get(keyId);
      if (have) return have;
      const id = this.takeId();
      planned.set(keyId, id);
      reqs.push({ keyId, id, nh: { id, family, protocol: this.protocol, flags: 0, ...h } });
      return id;
    };
    for (const [keyId, p] of this.pending) {
      if (p.hops.length === 1) {
        if (!planned.has(keyId)) single(p.hops[0]!, p.family);
        continue;
      }
      const group = p.hops.map((h) => ({ id: single(h, p.family), weight: 1 }));
      const id = this.takeId();
      reqs.push({ keyId, id, nh: { id, family: 0, protocol: this.protocol, flags: 0, group } });
    }
    if (reqs.length === 0) {
      this.pending.clear();
      return;
    }
    const batch = new NlBatch(4096);
    const seq = this.sock.takeSeq(reqs.length);
    for (const [i, q] of reqs.entries())
      batch.addNexthop(RTM_NEWNEXTHOP, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq + i, q.nh);
    const r = this.sock.exchange(batch, seq);
    reqs.forEach((q, i) => {
      const ack = r instanceof Error ? undefined : r.acks[i];
      const p = this.pending.get(q.keyId);
      if (ack?.errno === 0) {
        const hop = q.nh.gateway ? { text: formatInetAddr(q.nh.gateway), ifindex: q.nh.ifindex ?? 0 } : undefined;
        this.ours.set(q.id, hop ? { keyId: q.keyId, hop } : { keyId: q.keyId, members: q.nh.group!.map((g) => g.id) });
        this.byKey[q.keyId] = q.id;
        this.pending.delete(q.keyId);
        return;
      }
      if (!p) return; // a group's member: its group's own answer says what became of the group
      if (ack === undefined || ack.errno === EEXIST) {
        if (++p.tries < TRIES) return; // tried again with another id
      }
      const why = ack ? ackText(ack.errno, ack.message) : r instanceof Error ? r.message : 'no answer';
      this.refused.add(q.keyId);
      this.pending.delete(q.keyId);
      const d = this.limiter.allow('nexthop');
      if (d.ok)
        this.log.warn(
          { nexthop: this.keys.key(q.keyId), err: why, suppressed: d.suppressed || undefined },
          'fib: the kernel refused a nexthop object; its routes carry their next hops inline',
        );
    });
  }

  /** Links or addresses changed: objects the kernel refused are asked for again. */
  retry(): void {
    this.refused.clear();
  }

  /** Forgets objects deleted by nexthop-gc.ts. */
  forget(ids: Iterable<number>): void {
    for (const id of ids) {
      const o = this.ours.get(id);
      if (o && o.keyId >= 0 && this.byKey[o.keyId] === id) this.byKey[o.keyId] = 0;
      this.ours.delete(id);
      this.used.delete(id);
    }
  }

  /** A free id of our band: none the last dump showed, none made since. */
  private takeId(): number {
    const base = this.protocol * BAND;
    for (let i = 0; i < BAND; i++) {
      const id = this.next;
      this.next = id + 1 >= base + BAND ? base + 1 : id + 1;
      if (!this.used.has(id)) {
        this.used.add(id);
        return id;
      }
    }
    throw new RangeError('fib: no free nexthop id in our band'); // a million objects of ours: cannot happen
  }
}
