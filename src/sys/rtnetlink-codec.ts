// rtnetlink(7) as a codec: nlmsghdr, rtmsg + rtattr (RTA_DST, RTA_GATEWAY, RTA_OIF,
// RTA_MULTIPATH with struct rtnexthop, RTA_NH_ID, RTA_TABLE, RTA_PRIORITY), nhmsg + NHA_*
// (nexthop objects), ifaddrmsg, ifinfomsg and nlmsgerr (with the extended-ACK message). Pure:
// no I/O, no FFI. Layouts are those of include/uapi/linux/{netlink,rtnetlink,nexthop,if_addr,
// if_link}.h; netlink is in host byte order (addresses inside attributes stay in network order).
import {
  LITTLE,
  NLMSG_HDRLEN,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  RTA_DST,
  RTA_GATEWAY,
  RTA_MULTIPATH,
  RTA_NH_ID,
  RTA_OIF,
  RTA_PRIORITY,
  RTA_TABLE,
  RTMSG_LEN,
  type RTM_DELROUTE,
  RTM_GETADDR,
  type RTM_GETLINK,
  RTM_GETROUTE,
  type RTM_NEWROUTE,
  RTNH_LEN,
  RT_TABLE_COMPAT,
  IFADDRMSG_LEN,
  IFINFOMSG_LEN,
  NEXTHOP_GRP_LEN,
  NHA_BLACKHOLE,
  NHA_GATEWAY,
  NHA_GROUP,
  NHA_ID,
  NHA_OIF,
  NHMSG_LEN,
  RTM_DELNEXTHOP,
  RTM_GETNEXTHOP,
  type RTM_NEWNEXTHOP,
  align4,
} from './rtnetlink-constants';
import type { NlNexthop, NlRoute } from './rtnetlink-decode';

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
    if (LITTLE) {
      b[at] = v & 0xff;
      b[at + 1] = (v >>> 8) & 0xff;
    } else {
      b[at] = (v >>> 8) & 0xff;
      b[at + 1] = v & 0xff;
    }
  }

  private u32(v: number, at: number): void {
    const b = this.buf;
    if (LITTLE) {
      b[at] = v & 0xff;
      b[at + 1] = (v >>> 8) & 0xff;
      b[at + 2] = (v >>> 16) & 0xff;
      b[at + 3] = (v >>> 24) & 0xff;
    } else {
      b[at] = (v >>> 24) & 0xff;
      b[at + 1] = (v >>> 16) & 0xff;
      b[at + 2] = (v >>> 8) & 0xff;
      b[at + 3] = v & 0xff;
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
    if (r.nhId) {
      // A nexthop object names the next hops; the route carries none of its own (a route
      // with both is refused: fib_create_info, "Nexthop specification and nexthop id are
      // mutually exclusive").
      this.attrU32(RTA_NH_ID, r.nhId);
    } else if (r.nextHops.length === 1) {
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

  /**
   * RTM_NEWNEXTHOP (a gateway with its interface, a blackhole, or a group of other objects)
   * or RTM_DELNEXTHOP (by id alone: net/ipv4/nexthop.c nh_valid_get_del_req refuses any other
   * header field). A group's nhmsg family is AF_UNSPEC, as the kernel demands.
   */
  addNexthop(type: typeof RTM_NEWNEXTHOP | typeof RTM_DELNEXTHOP, flags: number, seq: number, nh: NlNexthop): void {
    const del = type === RTM_DELNEXTHOP;
    const group = nh.group ?? [];
    this.room(NLMSG_HDRLEN + NHMSG_LEN + 8 + 4 + 20 + 8 + 4 + group.length * NEXTHOP_GRP_LEN);
    const start = this.header(type, NLM_F_REQUEST | flags, seq);
    const b = this.buf;
    const o = this.off;
    b[o] = del || group.length > 0 ? 0 : nh.family;
    b[o + 1] = 0; // nh_scope: must be 0 (rtm_to_nh_config)
    b[o + 2] = del ? 0 : nh.protocol;
    b[o + 3] = 0; // resvd
    this.u32(del ? 0 : nh.flags, o + 4);
    this.off += NHMSG_LEN;
    this.attrU32(NHA_ID, nh.id);
    if (!del) {
      if (group.length > 0) {
        // struct nexthop_grp per member; weight on the wire is weight - 1 (0: weight 1).
        const at = this.off;
        const len = 4 + group.length * NEXTHOP_GRP_LEN;
        this.u16(len, at);
        this.u16(NHA_GROUP, at + 2);
        let p = at + 4;
        for (const g of group) {
          this.u32(g.id, p);
          b[p + 4] = (g.weight - 1) & 0xff;
          b[p + 5] = ((g.weight - 1) >>> 8) & 0xff; // weight_high (Linux 6.12); 0 below 257
          this.u16(0, p + 6);
          p += NEXTHOP_GRP_LEN;
        }
        this.off = at + len;
      } else if (nh.blackhole) {
        this.u16(4, this.off); // a flag attribute: no payload
        this.u16(NHA_BLACKHOLE, this.off + 2);
        this.off += 4;
      } else {
        if (nh.gateway) this.attr(NHA_GATEWAY, nh.gateway);
        if (nh.ifindex) this.attrU32(NHA_OIF, nh.ifindex);
      }
    }
    this.close(start);
  }

  /** A dump request (NLM_F_DUMP) of `type` for `family`; the header after nlmsghdr is zero. */
  addDump(
    type: typeof RTM_GETROUTE | typeof RTM_GETADDR | typeof RTM_GETLINK | typeof RTM_GETNEXTHOP,
    family: number,
    seq: number,
    filter?: { table?: number; protocol?: number },
  ): void {
    const body =
      type === RTM_GETROUTE
        ? RTMSG_LEN
        : type === RTM_GETADDR
          ? IFADDRMSG_LEN
          : type === RTM_GETNEXTHOP
            ? NHMSG_LEN
            : IFINFOMSG_LEN;
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
