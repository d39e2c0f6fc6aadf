// rtnetlink(7) replies decoded: the messages of a datagram, NLMSG_ERROR (ACKs, with the
// extended-ACK text), and RTM_NEWROUTE / RTM_NEWNEXTHOP / RTM_NEWADDR / RTM_NEWLINK from dumps
// and notifications. Pure: no I/O. A malformed message decodes to undefined, never throws.
import {
  IFADDRMSG_LEN,
  IFA_ADDRESS,
  IFA_LOCAL,
  IFINFOMSG_LEN,
  IFLA_IFNAME,
  LITTLE,
  NLMSGERR_ATTR_MSG,
  NLMSG_HDRLEN,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  RTA_DST,
  RTA_GATEWAY,
  RTA_MULTIPATH,
  RTA_NH_ID,
  RTA_OIF,
  RTA_PRIORITY,
  RTA_TABLE,
  RTMSG_LEN,
  RTNH_LEN,
  NEXTHOP_GRP_LEN,
  NHA_BLACKHOLE,
  NHA_ENCAP,
  NHA_FDB,
  NHA_GATEWAY,
  NHA_GROUP,
  NHA_GROUP_TYPE,
  NHA_ID,
  NHA_OIF,
  NHMSG_LEN,
  align4,
} from './rtnetlink-constants';

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
  /**
   * RTA_NH_ID: the nexthop object the route goes through (0 or absent: none). Encoded
   * instead of `nextHops`; a dump gives both (the object's hops too, unless the sysctl
   * net.ipv4.nexthop_compat_mode is 0).
   */
  readonly nhId?: number;
  readonly flags?: number;
}

/** A member of a nexthop group: another object's id and its weight (1..256). */
export interface NlNexthopGroupEntry {
  readonly id: number;
  readonly weight: number;
}

/** A nexthop object (RTM_NEWNEXTHOP), as made and as a dump returns it. */
export interface NlNexthop {
  readonly id: number;
  /** AF_INET or AF_INET6; AF_UNSPEC (0) for a group or a blackhole made without family. */
  readonly family: number;
  /** nh_protocol: who made it (ours carry the route protocol). */
  readonly protocol: number;
  /** nh_flags (RTNH_F_ONLINK asked; RTNH_F_DEAD, RTNH_F_LINKDOWN reported). */
  readonly flags: number;
  readonly gateway?: Uint8Array;
  readonly ifindex?: number;
  readonly blackhole?: boolean;
  /** A group: its members. */
  readonly group?: readonly NlNexthopGroupEntry[];
  /** NHA_GROUP_TYPE (0: multipath; 1: resilient). */
  readonly groupType?: number;
  /** An FDB nexthop (VXLAN), or one with an encapsulation: never one of the FIB's. */
  readonly fdb?: boolean;
  readonly encap?: boolean;
}

export function rd16(b: Uint8Array, o: number): number {
  return LITTLE ? b[o]! | (b[o + 1]! << 8) : (b[o]! << 8) | b[o + 1]!;
}

export function rd32(b: Uint8Array, o: number): number {
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
    yield {
      type: rd16(b, o + 4),
      flags: rd16(b, o + 6),
      seq: rd32(b, o + 8),
      off: o + NLMSG_HDRLEN,
      len: len - NLMSG_HDRLEN,
    };
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
      if (t === NLMSGERR_ATTR_MSG)
        message = Buffer.from(b.buffer, b.byteOffset + o, len)
          .toString('utf8')
          .replace(/\0+$/, '');
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
  let nhId = 0;
  const hops: NlNextHop[] = [];
  eachAttr(b, o + RTMSG_LEN, o + m.len, (t, ao, len) => {
    if (t === RTA_DST && len === alen) dst = Uint8Array.from(b.subarray(ao, ao + len));
    else if (t === RTA_NH_ID && len === 4) nhId = rd32(b, ao);
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
  const r = {
    family,
    dst,
    dstLen: b[o + 1]!,
    table,
    protocol: b[o + 5]!,
    priority,
    scope: b[o + 6]!,
    type: b[o + 7]!,
    nextHops: hops,
    flags: rd32(b, o + 8),
  };
  return nhId ? { ...r, nhId } : r;
}

/** RTM_NEWNEXTHOP (a dump reply or a notification) back to an NlNexthop; undefined if malformed. */
export function decodeNexthop(b: Uint8Array, m: NlMessage): NlNexthop | undefined {
  if (m.len < NHMSG_LEN) return undefined;
  const o = m.off;
  const family = b[o]!;
  let id = 0;
  let gateway: Uint8Array | undefined;
  let ifindex: number | undefined;
  let blackhole = false;
  let fdb = false;
  let encap = false;
  let groupType: number | undefined;
  let group: NlNexthopGroupEntry[] | undefined;
  eachAttr(b, o + NHMSG_LEN, o + m.len, (t, ao, len) => {
    if (t === NHA_ID && len === 4) id = rd32(b, ao);
    else if (t === NHA_OIF && len === 4) ifindex = rd32(b, ao);
    else if (t === NHA_GATEWAY && (len === 4 || len === 16)) gateway = Uint8Array.from(b.subarray(ao, ao + len));
    else if (t === NHA_BLACKHOLE) blackhole = true;
    else if (t === NHA_FDB) fdb = true;
    else if (t === NHA_ENCAP) encap = true;
    else if (t === NHA_GROUP_TYPE && len >= 2) groupType = rd16(b, ao);
    else if (t === NHA_GROUP) {
      group = [];
      for (let p = ao; p + NEXTHOP_GRP_LEN <= ao + len; p += NEXTHOP_GRP_LEN)
        group.push({ id: rd32(b, p), weight: b[p + 4]! + (b[p + 5]! << 8) + 1 });
    }
  });
  if (id === 0) return undefined;
  return {
    id,
    family,
    protocol: b[o + 2]!,
    flags: rd32(b, o + 4),
    ...(gateway ? { gateway } : {}),
    ...(ifindex !== undefined ? { ifindex } : {}),
    ...(blackhole ? { blackhole } : {}),
    ...(group ? { group } : {}),
    ...(groupType !== undefined ? { groupType } : {}),
    ...(fdb ? { fdb } : {}),
    ...(encap ? { encap } : {}),
  };
}

/** A route message's RTA_NH_ID alone (0: none), without decoding the rest. */
export function routeNhId(b: Uint8Array, m: NlMessage): number {
  let id = 0;
  if (m.len >= RTMSG_LEN)
    eachAttr(b, m.off + RTMSG_LEN, m.off + m.len, (t, ao, len) => {
      if (t === RTA_NH_ID && len === 4) id = rd32(b, ao);
    });
  return id;
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
    if (t === IFLA_IFNAME)
      name = Buffer.from(b.buffer, b.byteOffset + ao, len)
        .toString('utf8')
        .replace(/\0+$/, '');
  });
  return { ifindex: rd32(b, o + 4) | 0, flags: rd32(b, o + 8), name };
}
