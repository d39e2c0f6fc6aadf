/**
 * src/sys: the Linux calls Node lacks, through koffi (an FFI whose npm package ships prebuilt
 * binaries), loaded only when a setting needs it.
 *
 * DOC: what is here
 * - encoding.ts: the byte layouts (sockaddr_in / sockaddr_in6, struct tcp_md5sig) and option
 *   numbers, pure and unit-tested.
 * - libc.ts: setsockopt, getsockopt, socket, bind, send, recv, close and mallopt from
 *   libc.so.6; a failed call is a SysError value naming the call and errno.
 * - malloc.ts: the daemons' glibc malloc settings (a fixed mmap threshold, so the RIB's
 *   replaced typed arrays go back to the kernel when collected).
 * - sockopt.ts: what BGP sessions use: RFC 2385 TCP-MD5 keys per peer address or range
 *   (TCP_MD5SIG / TCP_MD5SIG_EXT), RFC 5082 GTSM (IP_TTL / IPV6_UNICAST_HOPS 255 out,
 *   IP_MINTTL / IPV6_MINHOPCOUNT in), the fd behind a node:net socket, and new TCP sockets to
 *   prepare before connect (src/bgp/fsm wraps them in a net.Socket).
 * - inet.ts: addresses and prefixes between text and kernel octets (RFC 5952 text out).
 * - rtnetlink-constants.ts: rtnetlink(7) numbers; rtnetlink-codec.ts: route and nexthop-object
 *   requests batched many to a buffer, dump requests; rtnetlink-decode.ts: ACKs (with the
 *   kernel's error text), routes (with RTA_NH_ID), nexthop objects, addresses and links; rtnl.ts gathers the three as the `rtnl` namespace. Pure.
 * - rtnetlink.ts: the NETLINK_ROUTE socket: send a batch and match each ACK to its request by
 *   sequence number (so one refused route never hides the others), dumps that yield to the
 *   event loop, and a polled notification socket for link and address changes.
 *
 * Nothing here throws: every call returns an Error (or SysError) value, so a setting that
 * cannot be honoured fails its session with a clear reason instead of being ignored.
 *
 * Data flow: a neighbor's `password` / `ttlSecurity` (contract 2) -> src/bgp/fsm transport.ts
 * (outgoing sockets, before the SYN) and listener-security.ts (keys per peer address or
 * range on the listening socket) -> sockopt.ts -> libc.ts setsockopt.
 */
export {
  AF_INET,
  AF_INET6,
  MD5_MAX_KEY_LEN,
  TCP_MD5SIG_LEN,
  encodeMd5Sig,
  encodeSockaddr,
  encodeInt,
  familyOf,
  type Md5SigArgs,
} from './encoding';
export { SysError, libc } from './libc';
export { DAEMON_MMAP_THRESHOLD, M_ARENA_MAX, M_MMAP_THRESHOLD, tuneMalloc } from './malloc';
export {
  GTSM_TTL,
  closeFd,
  fdOf,
  openTcpSocket,
  setGtsm,
  setMd5Key,
  setMinTtl,
  setSendTtl,
  socketFamilyOf,
  type Md5KeyOptions,
} from './sockopt';
export {
  formatInetAddr,
  isLinkLocal6,
  parseInetAddr,
  parseInetPrefix,
  parseV4PrefixInto,
  prefixCovers,
  type InetAddr,
  type InetPrefix,
} from './inet';
export * as rtnl from './rtnl';
export type {
  NlAck,
  NlAddr,
  NlLink,
  NlMessage,
  NlNextHop,
  NlNexthop,
  NlNexthopGroupEntry,
  NlRoute,
} from './rtnetlink-decode';
export { NlBatch } from './rtnetlink-codec';
export { ACK_COST, RtnlSocket, type RtnlExchange, type RtnlOpenOptions } from './rtnetlink';
