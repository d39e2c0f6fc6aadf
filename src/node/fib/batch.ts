// One batch of route requests of the FIB sink and what its answers mean: requests encoded
// straight into one reused buffer, one send(2), and each answer mapped back to its route by
// sequence number (firstSeq + position). Routes are named by their slot's tag (table.ts) and
// next hops by key id: nothing per request is allocated, and the request object handed to
// the encoder is one reused object.
//
// Why no NLM_F_ACK: an ACK is one more message per route that the kernel builds and queues
// and we receive with one recv(2) each, about as costly as the route itself. Without the
// flag the kernel still answers every request that fails (netlink_rcv_skb: `if (err ||
// nlh->nlmsg_flags & NLM_F_ACK) netlink_ack(...)`), with its sequence number, so each error
// is still the route's own; a batch that all went in costs one send and one empty recv.
// A batch is sized so that even all of its answers fit in the receive buffer; should answers
// still be lost (ENOBUFS) no silence can be trusted: the routes of that batch are looked at
// again after a table read, and batches are sent small and fully ACKed until the queue has
// drained.
import { constants as osConstants } from 'node:os';
import {
  NlBatch,
  rtnl,
  type InetPrefix,
  type NlNextHop,
  type NlRoute,
  type RtnlSocket,
  type SysError,
} from '../../sys';

/** Requests per batch at most: a few ms of the kernel's work, so sessions keep being read. */
export const BATCH_CAP = 2048;
/** While careful (after lost answers): this much smaller, and every request ACKed. */
const CAREFUL_SHIFT = 3;

/** What the answers of a batch mean for the sink's state, per route. */
export interface BatchOutcome {
  /** The request took effect: the route (tag) is in with next-hop key id `key`, or gone (-1). */
  done(tag: number, key: number): void;
  /** The kernel refused it: errno (positive) and its extended-ACK text. */
  refused(tag: number, key: number, errno: number, message: string | undefined): void;
  /** No telling what happened (answers lost, or the send failed): look at it again. */
  unknown(tag: number): void;
  /** A stray's delete was refused. */
  strayRefused(prefix: string, errno: number, message: string | undefined): void;
  /** Answers were lost or the send failed as a whole: the table needs reading again. */
  trouble(what: string, err: SysError): void;
}

const ESRCH = 3;
// Read once: `rtnl` is a re-exported namespace, whose every property read is a getter call.
/** rtnetlink.h RT_SCOPE_NOWHERE: in a delete request, "whatever the route's scope". */
const RT_SCOPE_NOWHERE = 255;
const NONE: readonly NlNextHop[] = [];
const { NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, RTM_DELROUTE, RTM_NEWROUTE, RT_SCOPE_UNIVERSE } = rtnl;

export class RouteBatch {
  private readonly nl = new NlBatch(1 << 20);
  /** Per request: the route's tag; for a stray (no slot), -1 and its text in strayText. */
  private tags = new Int32Array(BATCH_CAP);
  /** The next-hop key id a set installs; -1 for a delete. */
  private keys = new Int32Array(BATCH_CAP);
  private readonly strayText: string[] = [];
  /** The one request object, rewritten per request (the encoder reads it at once). */
  private readonly req: { -readonly [K in keyof NlRoute]: NlRoute[K] };
  private n = 0;
  private seq0 = 0;
  private limit = 0;
  /** Sending small, fully ACKed batches (answers were lost; see the module comment). */
  careful = false;

  constructor(
    private readonly sock: RtnlSocket,
    table: number,
    protocol: number,
    metric: number,
  ) {
    this.req = {
      family: 0,
      dst: new Uint8Array(0),
      dstLen: 0,
      table,
      protocol,
      priority: metric,
      type: 0,
      scope: 0,
      nextHops: [],
      nhId: 0,
    };
  }

  get size(): number {
    return this.n;
  }

  get full(): boolean {
    return this.n >= this.limit;
  }

  /** Starts a new batch; `full` says when it has as many requests as it may. */
  begin(): void {
    const max = this.sock.maxBatch(BATCH_CAP);
    this.limit = this.careful ? Math.max(16, max >> CAREFUL_SHIFT) : max;
    if (this.tags.length < this.limit) {
      this.tags = new Int32Array(this.limit);
      this.keys = new Int32Array(this.limit);
    }
    this.nl.reset();
    this.n = 0;
    this.seq0 = this.sock.takeSeq(this.limit);
  }

  /**
   * Install `dst` (bytes read now: a scratch buffer is fine). `replace`: ours is there, so it
   * is replaced in place (never delete + add: no gap in forwarding); otherwise NLM_F_EXCL, so
   * a route of another protocol with the same prefix and metric is refused (EEXIST), not
   * replaced. `nhId`: the nexthop object named instead of `hops` (0: hops inline).
   */
  set(
    tag: number,
    dst: InetPrefix,
    type: number,
    hops: readonly NlNextHop[],
    key: number,
    replace: boolean,
    scope = RT_SCOPE_UNIVERSE,
    nhId = 0,
  ): void {
    const how = NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL);
    this.nl.addRoute(RTM_NEWROUTE, how | this.ackFlag(), this.seq0 + this.n, this.route(dst, type, hops, scope, nhId));
    this.push(tag, key);
  }

  /**
   * Delete ours at `dst`. Protocol and metric are in the request, so the kernel deletes only
   * a route of ours; type 0 (RTN_UNSPEC) matches any type (IPv4 fib_table_delete would
   * otherwise pass over a blackhole route when asked for a unicast one); scope
   * RT_SCOPE_NOWHERE matches any scope (fib_table_delete compares it otherwise, and a device
   * route has scope link).
   */
  delete(tag: number, dst: InetPrefix): void {
    this.nl.addRoute(RTM_DELROUTE, this.ackFlag(), this.seq0 + this.n, this.route(dst, 0, NONE, RT_SCOPE_NOWHERE));
    this.push(tag, -1);
  }

  /** Delete a route of ours found at another metric (an older configuration). */
  deleteStray(prefix: string, r: NlRoute): void {
    this.nl.addRoute(RTM_DELROUTE, this.ackFlag(), this.seq0 + this.n, { ...r, nextHops: [] });
    this.strayText[this.n] = prefix;
    this.push(-1, -1);
  }

  /** Sends the batch and reports each request's outcome; false when the send failed as a whole. */
  send(out: BatchOutcome): boolean {
    const n = this.n;
    if (n === 0) return true;
    const acked = this.careful;
    const r = this.sock.exchange(this.nl, this.seq0);
    if (r instanceof Error) {
      // Nothing is known of any of them (EBADF, ENOMEM...): all are tried again after a read.
      out.trouble('batch', r);
      for (let i = 0; i < n; i++) if (this.tags[i]! >= 0) out.unknown(this.tags[i]!);
      this.clear();
      return false;
    }
    if (r.lost) {
      out.trouble('answers lost (receive buffer overflow); re-reading the table', r.lost);
      this.careful = true;
    }
    // Silence means success only when nothing was lost and the requests asked for no ACK.
    const silentOk = !acked && !r.lost;
    const acks = r.acks;
    for (let i = 0; i < n; i++) {
      const tag = this.tags[i]!;
      const key = this.keys[i]!;
      const ack = acks[i];
      if (tag < 0) {
        if (ack && ack.errno !== 0 && ack.errno !== ESRCH) out.strayRefused(this.strayText[i]!, ack.errno, ack.message);
        continue;
      }
      if (ack === undefined) {
        if (silentOk) out.done(tag, key);
        else out.unknown(tag);
      } else if (ack.errno === 0 || (key < 0 && ack.errno === ESRCH)) {
        out.done(tag, key); // a delete of what is already gone is done too
      } else {
        out.refused(tag, key, ack.errno, ack.message);
      }
    }
    this.clear();
    return true;
  }

  private ackFlag(): number {
    return this.careful ? NLM_F_ACK : 0;
  }

  private route(dst: InetPrefix, type: number, hops: readonly NlNextHop[], scope: number, nhId = 0): NlRoute {
    const r = this.req;
    r.nhId = nhId;
    r.family = dst.family;
    r.dst = dst.bytes;
    r.dstLen = dst.len;
    r.type = type;
    r.scope = scope;
    r.nextHops = hops;
    return r;
  }

  private push(tag: number, key: number): void {
    const i = this.n++;
    this.tags[i] = tag;
    this.keys[i] = key;
  }

  private clear(): void {
    this.n = 0;
    this.strayText.length = 0;
  }
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(osConstants.errno).map(([k, v]) => [v, k]));

/** An answer's errno by name, with the kernel's own words when it gave any. */
export function ackText(errno: number, message: string | undefined): string {
  const name = ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
  return message ? `${name}: ${message}` : name;
}
