// rtnetlink(7) as a codec: nlmsghdr, rtmsg + rtattr (RTA_DST, RTA_GATEWAY, RTA_OIF,
// RTA_MULTIPATH with struct rtnexthop, RTA_TABLE, RTA_PRIORITY), ifaddrmsg, ifinfomsg and
// nlmsgerr (with the extended-ACK message). Pure: no I/O, no FFI. Layouts are those of
// include/uapi/linux/{netlink,rtnetlink,if_addr,if_link}.h; netlink is in host byte order
// (addresses inside attributes stay in network order).
import { endianness } from 'node:os';

const LITTLE = endianness() === 'LE';

export const NETLINK_ROUTE = 0;
export const AF_NETLINK = 16;

// Message types (rtnetlink.h, netlink.h).
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;

// nlmsg_flags.
export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_DUMP = 0x300;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
/** In an NLMSG_ERROR: the request was not echoed back (NETLINK_CAP_ACK). */
export const NLM_F_CAPPED = 0x100;
/** In an NLMSG_ERROR: extended-ACK attributes follow (NETLINK_EXT_ACK). */
export const NLM_F_ACK_TLVS = 0x200;
const NLMSGERR_ATTR_MSG = 1;

// Route types, scopes, tables, protocols.
export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;
export const RTN_BLACKHOLE = 6;
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RT_TABLE_COMPAT = 252;
export const RT_TABLE_MAIN = 254;
export const RTPROT_STATIC = 4;
/** rtm_flags: an IPv6 cache clone, not a route of the table. */
export const RTM_F_CLONED = 0x200;

// Route attributes.
export const RTA_DST = 1;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_MULTIPATH = 9;
export const RTA_TABLE = 15;
// Address and link attributes.
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFLA_IFNAME = 3;
export const IFF_UP = 0x1;

// Multicast groups as the legacy bind(2) mask (rtnetlink.h RTMGRP_*).
export const RTMGRP_LINK = 0x1;
export const RTMGRP_IPV4_IFADDR = 0x10;
export const RTMGRP_IPV6_IFADDR = 0x100;

export const NLMSG_HDRLEN = 16;
const RTMSG_LEN = 12;
const IFADDRMSG_LEN = 8;
const IFINFOMSG_LEN = 16;
const RTNH_LEN = 8;

const align4 = (n: number): number => (n + 3) & ~3;

/** One next hop in kernel form. */
export interface NlNextHop {
  readonly gateway?: Uint8Array;
  readonly ifindex?: number;
}

/** A route as RTM_NEWROUTE / RTM_DELROUTE carry it and a dump returns it. */
export interface NlRoute {
  readonly family: number;
  readonly dst: Uint8Array;
  readonly dstLen: number;
  readonly table: number;
  readonly protocol: number;
  readonly priority: number;
  /** RTN_UNICAST, RTN_BLACKHOLE, ... */
  readonly type: number;
  readonly scope: number;
  /** None (blackhole, or a delete that names no next hop), one, or several (RTA_MULTIPATH). */
  readonly nextHops: readonly NlNextHop[];
  readonly flags?: number;
}

/**
 * Many requests in one buffer, one send(2): the kernel runs them in order and answers each
 * by its own sequence number (rtnetlink_rcv -> netlink_rcv_skb). Grows as needed.
 */
export class NlBatch {
  private buf: Buffer;
  private off = 0;
  /** Messages in the batch. */
  count = 0;

  constructor(initial = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.off;
  }

  /** The encoded messages (a view: valid until the next add or reset). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.off);
  }

  reset(): void {
    this.off = 0;
    this.count = 0;
  }

  private room(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + n));
    this.buf.copy(next, 0, 0, this.off);
    this.buf = next;
  }

  // Plain byte stores: room() has checked the space, and Buffer's write methods re-check
  // every offset (a measurable share of encoding a million routes).
  private u16(v: number, at: number): void {
    const b = this.buf;
    if (LITTLE) { b[at] = v & 0xff; b[at + 1] = (v >>> 8) & 0xff; } else { b[at] = (v >>> 8) & 0xff; b[at + 1] = v & 0xff; }
  }

  private u32(v: number, at: number): void {
    const b = this.buf;
    if (LITTLE) {
      b[at] = v & 0xff; b[at + 1] = (v >>> 8) & 0xff; b[at + 2] = (v >>> 16) & 0xff; b[at + 3] = (v >>> 24) & 0xff;
    } else {
      b[at] = (v >>> 24) & 0xff; b[at + 1] = (v >>> 16) & 0xff; b[at + 2] = (v >>> 8) & 0xff; b[at + 3] = v & 0xff;
    }
  }

  private header(type: number, flags: number, seq: number): number {
    const start = this.off;
    this.u16(type, start + 4);
    this.u16(flags, start + 6);
    this.u32(seq, start + 8);
    this.u32(0, start + 12); // nlmsg_pid 0: to the kernel
    this.off += NLMSG_HDRLEN;
    return start;
  }

  private close(start: number): void {
    this.u32(this.off - start, start);
    this.count++;
  }

  private attr(type: number, data: Uint8Array): void {
    const len = 4 + data.length;
    this.u16(len, this.off);
    this.u16(type, this.off + 2);
    const b = this.buf;
    const at = this.off + 4;
    for (let i = 0; i < data.length; i++) b[at + i] = data[i]!;
    const end = this.off + align4(len);
    for (let i = this.off + len; i < end; i++) b[i] = 0;
    this.off = end;
  }

  private attrU32(type: number, v: number): void {
    this.u16(8, this.off);
    this.u16(type, this.off + 2);
    this.u32(v, this.off + 4);
    this.off += 8;
  }

  /**
   * RTM_NEWROUTE or RTM_DELROUTE. `flags` beyond NLM_F_REQUEST are the caller's
   * (NLM_F_ACK, NLM_F_CREATE with NLM_F_REPLACE or NLM_F_EXCL).
   */
  addRoute(type: typeof RTM_NEWROUTE | typeof RTM_DELROUTE, flags: number, seq: number, r: NlRoute): void {
    this.room(NLMSG_HDRLEN + RTMSG_LEN + 20 + 8 + 8 + 8 + r.nextHops.length * (RTNH_LEN + 20 + 8) + 8);
    const start = this.header(type, NLM_F_REQUEST | flags, seq);
    const b = this.buf;
    const o = this.off;
    b[o] = r.family;
    b[o + 1] = r.dstLen;
    b[o + 2] = 0; // rtm_src_len
    b[o + 3] = 0; // rtm_tos
    // Tables past 255 exist only as RTA_TABLE; rtm_table then says RT_TABLE_COMPAT.
    b[o + 4] = r.table < 256 ? r.table : RT_TABLE_COMPAT;
    b[o + 5] = r.protocol;
    b[o + 6] = r.scope;
    b[o + 7] = r.type;
    this.u32(0, o + 8); // rtm_flags
    this.off += RTMSG_LEN;
    // RTA_DST is the whole address (4 or 16 octets), whatever the prefix length.
    this.attr(RTA_DST, r.dst);
    this.attrU32(RTA_TABLE, r.table);
    this.attrU32(RTA_PRIORITY, r.priority);
    if (r.nextHops.length === 1) {
      const nh = r.nextHops[0]!;
      if (nh.gateway) this.attr(RTA_GATEWAY, nh.gateway);
      if (nh.ifindex) this.attrU32(RTA_OIF, nh.ifindex);
    } else if (r.nextHops.length > 1) {
      // RTA_MULTIPATH: a run of struct rtnexthop {len, flags, hops, ifindex}, each followed
      // by its own attributes (RTA_GATEWAY); hops is weight-1, 0 for equal cost.
      const mp = this.off;
      this.off += 4;
      for (const nh of r.nextHops) {
        const at = this.off;
        this.buf[at + 2] = 0; // rtnh_flags
        this.buf[at + 3] = 0; // rtnh_hops
        this.u32(nh.ifindex ?? 0, at + 4);
        this.off += RTNH_LEN;
        if (nh.gateway) this.attr(RTA_GATEWAY, nh.gateway);
        this.u16(this.off - at, at);
      }
      this.u16(this.off - mp, mp);
      this.u16(RTA_MULTIPATH, mp + 2);
    }
    this.close(start);
  }

  /** A dump request (NLM_F_DUMP) of `type` for `family`; the header after nlmsghdr is zero. */
  addDump(type: typeof RTM_GETROUTE | typeof RTM_GETADDR | typeof RTM_GETLINK, family: number, seq: number,
    filter?: { table?: number; protocol?: number }): void {
    const body = type === RTM_GETROUTE ? RTMSG_LEN : type === RTM_GETADDR ? IFADDRMSG_LEN : IFINFOMSG_LEN;
    this.room(NLMSG_HDRLEN + body + 8);
    const start = this.header(type, NLM_F_REQUEST | NLM_F_DUMP, seq);
    this.buf.fill(0, this.off, this.off + body);
    this.buf[this.off] = family;
    if (type === RTM_GETROUTE && filter) {
      // Honoured by the kernel only with NETLINK_GET_STRICT_CHK (Linux 5.3); callers filter
      // the replies again, so an older kernel that dumps everything is still right.
      if (filter.table !== undefined) this.buf[this.off + 4] = filter.table < 256 ? filter.table : RT_TABLE_COMPAT;
      if (filter.protocol !== undefined) this.buf[this.off + 5] = filter.protocol;
    }
    this.off += body;
    if (type === RTM_GETROUTE && filter?.table !== undefined) this.attrU32(RTA_TABLE, filter.table);
    this.close(start);
  }
}

function rd16(b: Uint8Array, o: number): number {
  return LITTLE ? b[o]! | (b[o + 1]! << 8) : (b[o]! << 8) | b[o + 1]!;
}

function rd32(b: Uint8Array, o: number): number {
  return LITTLE
    ? (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0
    : ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** One message of a received datagram: its header fields and where its payload lies. */
export interface NlMessage {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  /** Offset of the payload (after nlmsghdr) in the datagram. */
  readonly off: number;
  /** Payload length. */
  readonly len: number;
}

/**
 * Walks the messages of one datagram of `n` octets. A header that claims more than is left
 * ends the walk (a malformed or truncated datagram yields what was whole).
 */
export function* messages(b: Uint8Array, n: number): Generator<NlMessage> {
  let o = 0;
  while (o + NLMSG_HDRLEN <= n) {
    const len = rd32(b, o);
    if (len < NLMSG_HDRLEN || o + len > n) return;
    yield { type: rd16(b, o + 4), flags: rd16(b, o + 6), seq: rd32(b, o + 8), off: o + NLMSG_HDRLEN, len: len - NLMSG_HDRLEN };
    o += align4(len);
  }
}

/** Calls `fn(type, dataOff, dataLen)` for each rtattr in [off, end). */
function eachAttr(b: Uint8Array, off: number, end: number, fn: (type: number, o: number, len: number) => void): void {
  while (off + 4 <= end) {
    const len = rd16(b, off);
    if (len < 4 || off + len > end) return;
    fn(rd16(b, off + 2) & 0x3fff, off + 4, len - 4); // strip NLA_F_NESTED / NLA_F_NET_BYTEORDER
    off += align4(len);
  }
}

/** An NLMSG_ERROR: 0 is an ACK; otherwise a positive errno and the kernel's own words. */
export interface NlAck {
  /** Sequence number of the request it answers. */
  readonly seq: number;
  /** 0 (success) or a positive errno. */
  readonly errno: number;
  /** The extended-ACK text (NLMSGERR_ATTR_MSG), e.g. "Nexthop has invalid gateway". */
  readonly message?: string;
}

export function decodeAck(b: Uint8Array, m: NlMessage): NlAck | undefined {
  if (m.len < 4 + NLMSG_HDRLEN) return undefined;
  const err = rd32(b, m.off) | 0;
  const errno = err === 0 ? 0 : -err;
  const origLen = rd32(b, m.off + 4);
  const seq = rd32(b, m.off + 12);
  let message: string | undefined;
  if (m.flags & NLM_F_ACK_TLVS) {
    // The TLVs follow the echoed request: its header alone when capped, else all of it.
    const tlvs = m.off + 4 + (m.flags & NLM_F_CAPPED ? NLMSG_HDRLEN : align4(origLen));
    eachAttr(b, tlvs, m.off + m.len, (t, o, len) => {
      if (t === NLMSGERR_ATTR_MSG) message = Buffer.from(b.buffer, b.byteOffset + o, len).toString('utf8').replace(/\0+$/, '');
    });
  }
  return message === undefined ? { seq, errno } : { seq, errno, message };
}

/** RTM_NEWROUTE (from a dump or a notification) back to an NlRoute; undefined if malformed. */
export function decodeRoute(b: Uint8Array, m: NlMessage): NlRoute | undefined {
  if (m.len < RTMSG_LEN) return undefined;
  const o = m.off;
  const family = b[o]!;
  const alen = family === 2 ? 4 : family === 10 ? 16 : 0;
  if (alen === 0) return undefined;
  let table = b[o + 4]!;
  let priority = 0;
  let dst: Uint8Array = new Uint8Array(alen);
  let gateway: Uint8Array | undefined;
  let oif = 0;
  const hops: NlNextHop[] = [];
  eachAttr(b, o + RTMSG_LEN, o + m.len, (t, ao, len) => {
    if (t === RTA_DST && len === alen) dst = Uint8Array.from(b.subarray(ao, ao + len));
    else if (t === RTA_TABLE && len === 4) table = rd32(b, ao);
    else if (t === RTA_PRIORITY && len === 4) priority = rd32(b, ao);
    else if (t === RTA_OIF && len === 4) oif = rd32(b, ao);
    else if (t === RTA_GATEWAY && len === alen) gateway = Uint8Array.from(b.subarray(ao, ao + len));
    else if (t === RTA_MULTIPATH) {
      let p = ao;
      const end = ao + len;
      while (p + RTNH_LEN <= end) {
        const nlen = rd16(b, p);
        if (nlen < RTNH_LEN || p + nlen > end) break;
        let gw: Uint8Array | undefined;
        eachAttr(b, p + RTNH_LEN, p + nlen, (nt, no, nl) => {
          if (nt === RTA_GATEWAY && nl === alen) gw = Uint8Array.from(b.subarray(no, no + nl));
        });
        const ifindex = rd32(b, p + 4);
        hops.push(gw ? { gateway: gw, ifindex } : { ifindex });
        p += align4(nlen);
      }
    }
  });
  if (hops.length === 0 && (gateway || oif)) hops.push(gateway ? { gateway, ifindex: oif } : { ifindex: oif });
  return {
    family, dst, dstLen: b[o + 1]!, table, protocol: b[o + 5]!, priority, scope: b[o + 6]!, type: b[o + 7]!,
    nextHops: hops, flags: rd32(b, o + 8),
  };
}

/** An interface address (RTM_NEWADDR): the network it puts on link `ifindex`. */
export interface NlAddr {
  readonly family: number;
  readonly prefixLen: number;
  readonly ifindex: number;
  /** IFA_ADDRESS (the peer's on a point-to-point link), else IFA_LOCAL. */
  readonly address: Uint8Array;
}

export function decodeAddr(b: Uint8Array, m: NlMessage): NlAddr | undefined {
  if (m.len < IFADDRMSG_LEN) return undefined;
  const o = m.off;
  const family = b[o]!;
  let address: Uint8Array | undefined;
  let local: Uint8Array | undefined;
  eachAttr(b, o + IFADDRMSG_LEN, o + m.len, (t, ao, len) => {
    if (t === IFA_ADDRESS) address = Uint8Array.from(b.subarray(ao, ao + len));
    else if (t === IFA_LOCAL) local = Uint8Array.from(b.subarray(ao, ao + len));
  });
  const a = address ?? local;
  if (!a) return undefined;
  return { family, prefixLen: b[o + 1]!, ifindex: rd32(b, o + 4), address: a };
}

/** A link (RTM_NEWLINK): index, flags (IFF_UP) and name. */
export interface NlLink {
  readonly ifindex: number;
  readonly flags: number;
  readonly name: string;
}

export function decodeLink(b: Uint8Array, m: NlMessage): NlLink | undefined {
  if (m.len < IFINFOMSG_LEN) return undefined;
  const o = m.off;
  let name = '';
  eachAttr(b, o + IFINFOMSG_LEN, o + m.len, (t, ao, len) => {
    if (t === IFLA_IFNAME) name = Buffer.from(b.buffer, b.byteOffset + ao, len).toString('utf8').replace(/\0+$/, '');
  });
  return { ifindex: rd32(b, o + 4) | 0, flags: rd32(b, o + 8), name };
}
