// The rtnetlink socket shell: a NETLINK_ROUTE socket through koffi, sending batches built by
// rtnetlink-codec.ts and matching every reply to its request by sequence number.
//
// Why synchronous calls on a non-blocking socket, not koffi's async calls: rtnetlink runs
// each request inside our send(2) (netlink_unicast_kernel -> rtnetlink_rcv), so when send
// returns, every message of the batch has been applied and its ACK is already queued on our
// socket; draining them with recv(MSG_DONTWAIT) never waits. The only time the event loop is
// held is the kernel's own work for one batch, which the caller bounds by batch size (about
// 1-3 us per IPv4 route, so 1024 routes are a few ms). koffi's async form would move the same
// work to a libuv pool thread for a thread hop per call, and a blocking recv waiting for
// notifications would hold one of the pool's four threads (shared with fs and dns) forever;
// notification sockets are polled instead (`poll`), which costs one recv per tick.
import { setImmediate as yieldLoop } from 'node:timers/promises';
import { encodeInt } from './encoding';
import { lastError, libc, SysError, type Libc } from './libc';
import { AF_NETLINK, NETLINK_ROUTE, NLMSG_DONE, NLMSG_ERROR, NLM_F_DUMP_INTR } from './rtnetlink-constants';
import type { NlBatch } from './rtnetlink-codec';
import { decodeAck, messages, type NlAck, type NlMessage } from './rtnetlink-decode';

const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_SNDBUF = 7;
const SO_RCVBUF = 8;
const SO_SNDBUFFORCE = 32;
const SO_RCVBUFFORCE = 33;
const SOL_NETLINK = 270;
const NETLINK_CAP_ACK = 10;
const NETLINK_EXT_ACK = 11;
const NETLINK_GET_STRICT_CHK = 12;
const MSG_TRUNC = 0x20;
const EAGAIN = 11;
const EINTR = 4;
const ENOBUFS = 105;
/** Dump datagrams are at most 32 KiB (netlink_recvmsg caps max_recvmsg_len); twice that is safe. */
const RECV_BUF = 64 * 1024;
/**
 * What one queued ACK costs against SO_RCVBUF: the 36-octet message in its own sk_buff
 * (truesize about 700-800 octets); rounded up so a batch's ACKs always fit.
 */
export const ACK_COST = 1024;

export interface RtnlOpenOptions {
  /** Multicast groups to join (RTMGRP_* mask): a notification socket for `poll`. */
  readonly groups?: number;
  /** Receive buffer asked for (octets); root gets it past net.core.rmem_max. Default 4 MiB. */
  readonly rcvbuf?: number;
  /** Send buffer (octets): a batch must fit in it. Default 1 MiB. */
  readonly sndbuf?: number;
}

/**
 * The outcome of one batch: the answers, by position in the batch. Requests sent with
 * NLM_F_ACK are all answered; without it the kernel answers only those that failed
 * (netlink_rcv_skb acks on error whatever the flags), so there no answer means success.
 */
export interface RtnlExchange {
  /** acks[i] answers the request with sequence number firstSeq + i; undefined: no answer. */
  readonly acks: (NlAck | undefined)[];
  /** Set when the socket overflowed (ENOBUFS) and answers were lost: their state is unknown. */
  readonly lost?: SysError;
}

export class RtnlSocket {
  private seq = Math.floor(Math.random() * 0x7fffffff);
  private readonly rbuf = Buffer.allocUnsafe(RECV_BUF);
  private closed = false;

  private constructor(
    private readonly c: Libc,
    readonly fd: number,
    readonly rcvbuf: number,
    readonly sndbuf: number,
  ) {}

  /** A new socket, or why not (no koffi, not Linux, EPERM, ...). Never throws. */
  static open(opts: RtnlOpenOptions = {}): RtnlSocket | Error {
    const c = libc();
    if (c instanceof Error) return c;
    const fd = c.socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return lastError(c, 'socket(AF_NETLINK, NETLINK_ROUTE)');
    const fail = (op: string): SysError => {
      const e = lastError(c, op);
      c.close(fd);
      return e;
    };
    const setInt = (level: number, name: number, v: number): boolean =>
      c.setsockopt(fd, level, name, encodeInt(v), 4) === 0;
    // The FORCE forms pass net.core.[rw]mem_max for root (CAP_NET_ADMIN); others get the cap.
    const rcv = opts.rcvbuf ?? 4 * 1024 * 1024;
    const snd = opts.sndbuf ?? 1024 * 1024;
    if (!setInt(SOL_SOCKET, SO_RCVBUFFORCE, rcv) && !setInt(SOL_SOCKET, SO_RCVBUF, rcv))
      return fail('setsockopt(SO_RCVBUF)');
    if (!setInt(SOL_SOCKET, SO_SNDBUFFORCE, snd) && !setInt(SOL_SOCKET, SO_SNDBUF, snd))
      return fail('setsockopt(SO_SNDBUF)');
    // Errors carry the kernel's reason as text (Linux 4.12) and do not echo the request back.
    setInt(SOL_NETLINK, NETLINK_EXT_ACK, 1);
    setInt(SOL_NETLINK, NETLINK_CAP_ACK, 1);
    // Dumps filtered by table and protocol in the kernel (5.3); older kernels: we filter.
    setInt(SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
    const sa = Buffer.alloc(12); // sockaddr_nl: family, pad, pid 0 (the kernel picks), groups
    sa.writeUInt16LE(AF_NETLINK, 0);
    sa.writeUInt32LE(opts.groups ?? 0, 8);
    if (c.bind(fd, sa, sa.length) !== 0) return fail('bind(AF_NETLINK)');
    const getInt = (name: number): number => {
      const v = Buffer.alloc(4);
      const l = Buffer.alloc(4);
      l.writeUInt32LE(4, 0);
      return c.getsockopt(fd, SOL_SOCKET, name, v, l) === 0 ? v.readInt32LE(0) : 0;
    };
    return new RtnlSocket(c, fd, getInt(SO_RCVBUF), getInt(SO_SNDBUF));
  }

  /** Requests per batch whose ACKs are sure to fit in the receive buffer. */
  maxBatch(cap = 1024): number {
    return Math.max(16, Math.min(cap, Math.floor(this.rcvbuf / ACK_COST)));
  }

  /** Reserves `n` consecutive sequence numbers; returns the first. */
  takeSeq(n: number): number {
    const first = this.seq;
    this.seq = (this.seq + n) % 0x7fffffff;
    if (this.seq < first) {
      // Wrapped: restart at 1 so one batch's numbers stay consecutive.
      this.seq = n + 1;
      return 1;
    }
    return first;
  }

  /** recv(MSG_DONTWAIT): octets, 0 when nothing is queued, or a SysError. */
  private recvOne(): number | SysError {
    for (;;) {
      const n = this.c.recv(this.fd, this.rbuf, this.rbuf.length, MSG_TRUNC);
      if (n >= 0) {
        if (n > this.rbuf.length)
          return new SysError('recv(netlink)', 90, `EMSGSIZE (a ${n}-octet datagram was truncated)`);
        return n;
      }
      const e = this.c.errno();
      if (e === EAGAIN) return 0;
      if (e === EINTR) continue;
      return lastError(this.c, 'recv(netlink)');
    }
  }

  /**
   * Sends `batch` (requests numbered firstSeq .. firstSeq+count-1) and collects every answer
   * the kernel queued for them: all of them, as the kernel has run the whole batch when
   * send returns. Synchronous and bounded: see the module comment. Without NLM_F_ACK only
   * failures answer, so a batch that all went in costs one send and one empty recv.
   */
  exchange(batch: NlBatch, firstSeq: number): RtnlExchange | SysError {
    if (this.closed) return new SysError('send(netlink)', 9, 'EBADF (socket closed)');
    const bytes = batch.bytes();
    for (;;) {
      const sent = this.c.send(this.fd, bytes, bytes.length, 0);
      if (sent === bytes.length) break;
      if (sent >= 0) return new SysError('send(netlink)', 5, `EIO (sent ${sent} of ${bytes.length} octets)`);
      if (this.c.errno() !== EINTR) return lastError(this.c, 'send(netlink)');
    }
    const acks: (NlAck | undefined)[] = new Array<NlAck | undefined>(batch.count);
    let left = batch.count;
    while (left > 0) {
      const n = this.recvOne();
      if (n instanceof SysError) {
        // ENOBUFS: the queue overflowed and answers were dropped; the caller re-checks them.
        if (n.errno === ENOBUFS) return { acks, lost: n };
        return n;
      }
      if (n === 0) break; // every answer the kernel will give is in: the rest got none
      for (const m of messages(this.rbuf, n)) {
        if (m.type !== NLMSG_ERROR) continue;
        const a = decodeAck(this.rbuf, m);
        if (!a) continue;
        const i = a.seq - firstSeq;
        if (i >= 0 && i < acks.length && acks[i] === undefined) {
          acks[i] = a;
          left--;
        }
      }
    }
    return { acks };
  }

  /**
   * Runs one dump request (built with NlBatch.addDump at `seq`) and hands every reply message
   * to `onMessage`. Yields to the event loop every few datagrams, so a million routes never
   * hold it for long. Resolves to `interrupted` when the kernel flagged NLM_F_DUMP_INTR (the
   * table changed during the dump: the caller may dump again).
   */
  async dump(
    request: NlBatch,
    seq: number,
    onMessage: (b: Buffer, m: NlMessage) => void,
  ): Promise<{ interrupted: boolean } | SysError> {
    if (this.closed) return new SysError('send(netlink)', 9, 'EBADF (socket closed)');
    const bytes = request.bytes();
    if (this.c.send(this.fd, bytes, bytes.length, 0) !== bytes.length) return lastError(this.c, 'send(netlink dump)');
    let interrupted = false;
    let idle = 0;
    for (let turn = 1; ; turn++) {
      const n = this.recvOne();
      if (n instanceof SysError) return n;
      if (n === 0) {
        // The kernel fills the next part during our recv; an empty queue mid-dump is rare.
        if (++idle > 2000) return new SysError('recv(netlink dump)', 62, 'ETIME (the dump stopped before NLMSG_DONE)');
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      idle = 0;
      for (const m of messages(this.rbuf, n)) {
        if (m.seq !== seq) continue; // a late answer to something else
        if (m.flags & NLM_F_DUMP_INTR) interrupted = true;
        if (m.type === NLMSG_DONE) return { interrupted };
        if (m.type === NLMSG_ERROR) {
          const a = decodeAck(this.rbuf, m);
          if (a && a.errno !== 0)
            return new SysError('netlink dump', a.errno, `errno ${a.errno}${a.message ? ` (${a.message})` : ''}`);
          continue;
        }
        onMessage(this.rbuf, m);
      }
      if (turn % 32 === 0) await yieldLoop();
    }
  }

  /**
   * Drains what is queued on a notification socket (opened with `groups`) without waiting;
   * returns how many messages came, or a SysError (ENOBUFS: some were lost, so the caller
   * should treat everything as changed).
   */
  poll(onMessage?: (b: Buffer, m: NlMessage) => void): number | SysError {
    let count = 0;
    for (let i = 0; i < 1000; i++) {
      const n = this.recvOne();
      if (n instanceof SysError) return n;
      if (n === 0) break;
      for (const m of messages(this.rbuf, n)) {
        count++;
        onMessage?.(this.rbuf, m);
      }
    }
    return count;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.c.close(this.fd);
  }
}
