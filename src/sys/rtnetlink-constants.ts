// rtnetlink(7) numbers: message types, flags, route types, attributes and header sizes, as
// include/uapi/linux/{netlink,rtnetlink,if_addr,if_link}.h define them. Shared by the encoder
// (rtnetlink-codec.ts), the decoders (rtnetlink-decode.ts) and the socket (rtnetlink.ts).
import { endianness } from 'node:os';

/** Netlink is in host byte order (addresses inside attributes stay in network order). */
export const LITTLE = endianness() === 'LE';

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
// Nexthop objects (include/uapi/linux/nexthop.h, Linux 5.3): a next hop or a group of them,
// made once and named by routes with RTA_NH_ID.
export const RTM_NEWNEXTHOP = 104;
export const RTM_DELNEXTHOP = 105;
export const RTM_GETNEXTHOP = 106;

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
export const NLMSGERR_ATTR_MSG = 1;

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
export const RTA_NH_ID = 30;
// Nexthop object attributes (nexthop.h enum NHA_*).
export const NHA_ID = 1;
export const NHA_GROUP = 2;
export const NHA_GROUP_TYPE = 3;
export const NHA_BLACKHOLE = 4;
export const NHA_OIF = 5;
export const NHA_GATEWAY = 6;
export const NHA_ENCAP = 8;
export const NHA_FDB = 11;
/** NHA_GROUP_TYPE: hash-threshold multipath, the default (NEXTHOP_GRP_TYPE_MPATH). */
export const NEXTHOP_GRP_TYPE_MPATH = 0;
// rtnh_flags / nh_flags (rtnetlink.h RTNH_F_*): set by the kernel on a dead or link-down hop.
export const RTNH_F_DEAD = 1;
export const RTNH_F_LINKDOWN = 16;
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
export const RTMSG_LEN = 12;
export const IFADDRMSG_LEN = 8;
export const IFINFOMSG_LEN = 16;
export const RTNH_LEN = 8;
/** struct nhmsg: family, scope, protocol, resvd, u32 flags. */
export const NHMSG_LEN = 8;
/** struct nexthop_grp: u32 id, u8 weight (weight - 1), u8 weight_high (6.12), u16 resvd2. */
export const NEXTHOP_GRP_LEN = 8;

export const align4 = (n: number): number => (n + 3) & ~3;
