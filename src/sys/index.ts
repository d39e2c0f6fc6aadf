/**
 * src/sys: the Linux calls Node lacks, through koffi (an FFI whose npm package ships prebuilt
 * binaries), loaded only when a setting needs it.
 *
 * DOC: what is here
 * - encoding.ts: the byte layouts (sockaddr_in / sockaddr_in6, struct tcp_md5sig) and option
 *   numbers, pure and unit-tested.
 * - libc.ts: setsockopt, socket and close from libc.so.6; a failed call is a SysError value
 *   naming the call and errno.
 * - sockopt.ts: what BGP sessions use: RFC 2385 TCP-MD5 keys per peer address or range
 *   (TCP_MD5SIG / TCP_MD5SIG_EXT), RFC 5082 GTSM (IP_TTL / IPV6_UNICAST_HOPS 255 out,
 *   IP_MINTTL / IPV6_MINHOPCOUNT in), the fd behind a node:net socket, and new TCP sockets to
 *   prepare before connect (src/bgp/fsm wraps them in a net.Socket).
 *
 * Nothing here throws: every call returns an Error (or SysError) value, so a setting that
 * cannot be honoured fails its session with a clear reason instead of being ignored.
 *
 * Data flow: a neighbor's `password` / `ttlSecurity` (contract 2) -> src/bgp/fsm transport.ts
 * (outgoing sockets, before the SYN) and listener-security.ts (keys per peer address or
 * range on the listening socket) -> sockopt.ts -> libc.ts setsockopt.
 */
export {
  AF_INET, AF_INET6, MD5_MAX_KEY_LEN, TCP_MD5SIG_LEN, encodeMd5Sig, encodeSockaddr, encodeInt, familyOf,
  type Md5SigArgs,
} from './encoding';
export { SysError, libc } from './libc';
export {
  GTSM_TTL, closeFd, fdOf, openTcpSocket, setGtsm, setMd5Key, setMinTtl, setSendTtl, socketFamilyOf, type Md5KeyOptions,
} from './sockopt';
