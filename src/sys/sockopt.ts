// Socket options for BGP transport security on Linux: RFC 2385 TCP-MD5 keys and RFC 5082
// GTSM (send TTL 255, drop what arrives with less than 256-N), for IPv4 and IPv6. Every
// function returns an Error value (undefined on success); none throws.
import {
  AF_INET,
  AF_INET6,
  encodeInt,
  encodeMd5Sig,
  familyOf,
  IP_MINTTL,
  IP_TTL,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPV6_MINHOPCOUNT,
  IPV6_UNICAST_HOPS,
  SOCK_CLOEXEC,
  SOCK_STREAM,
  TCP_MD5SIG,
  TCP_MD5SIG_EXT,
} from './encoding';
import { lastError, libc } from './libc';

/** RFC 5082 3: GTSM sends with the maximum TTL / hop limit. */
export const GTSM_TTL = 255;

/** The OS file descriptor behind a node:net Server or Socket (libuv's handle), else an Error. */
export function fdOf(obj: unknown): number | Error {
  const handle = (obj as { _handle?: { fd?: unknown } } | null)?._handle;
  const fd = handle?.fd;
  if (typeof fd === 'number' && fd >= 0) return fd;
  return new Error('no file descriptor: the socket is not open (or this Node exposes no _handle.fd)');
}

/** The address family of a socket bound to (or connected from) `address`. */
export function socketFamilyOf(address: string): number {
  return familyOf(address) === AF_INET6 ? AF_INET6 : AF_INET;
}

function setopt(fd: number, level: number, name: number, value: Buffer, op: string): Error | undefined {
  const c = libc();
  if (c instanceof Error) return c;
  if (c.setsockopt(fd, level, name, value, value.length) === 0) return undefined;
  return lastError(c, op);
}

export interface Md5KeyOptions {
  readonly fd: number;
  /** The family of the socket `fd` (AF_INET or AF_INET6). */
  readonly socketFamily: number;
  /** The peer's address, or the first address of `prefixLength` bits for a range. */
  readonly address: string;
  /** The password; '' deletes the key. */
  readonly password: string;
  readonly prefixLength?: number;
}

/**
 * RFC 2385: install (or with an empty password, delete) the key for a peer address or range.
 * On a listener, the kernel answers only SYNs that carry the right digest and copies the key
 * to the accepted socket; on our own socket, every segment from the SYN on is signed.
 */
export function setMd5Key(o: Md5KeyOptions): Error | undefined {
  const what = `${o.address}${o.prefixLength === undefined ? '' : `/${o.prefixLength}`}`;
  const arg = encodeMd5Sig({
    address: o.address,
    socketFamily: o.socketFamily,
    key: Buffer.from(o.password, 'utf8'),
    ...(o.prefixLength === undefined ? {} : { prefixLength: o.prefixLength }),
  });
  if (arg instanceof Error) return new Error(`TCP-MD5 key for ${what}: ${arg.message}`);
  const name = o.prefixLength === undefined ? TCP_MD5SIG : TCP_MD5SIG_EXT;
  const optName = name === TCP_MD5SIG ? 'TCP_MD5SIG' : 'TCP_MD5SIG_EXT';
  return setopt(o.fd, IPPROTO_TCP, name, arg, `setsockopt ${optName} ${o.password ? 'add' : 'delete'} ${what}`);
}

/**
 * RFC 5082 GTSM for a peer of `peerAddress`'s family on `fd`: TTL (hop limit) 255 out, and
 * nothing accepted below `minTtl` (256 - ttlSecurity). An IPv4 peer of an IPv6 (dual-stack)
 * socket is IPv4 on the wire, so the IPv4 options apply to it.
 */
export function setGtsm(fd: number, peerAddress: string, minTtl: number): Error | undefined {
  return setSendTtl(fd, peerAddress) ?? setMinTtl(fd, peerAddress, minTtl);
}

/** TTL / hop limit 255 on what `fd` sends to a peer of this address's family. */
export function setSendTtl(fd: number, peerAddress: string, ttl = GTSM_TTL): Error | undefined {
  return familyOf(peerAddress) === AF_INET6
    ? setopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, encodeInt(ttl), `setsockopt IPV6_UNICAST_HOPS ${ttl}`)
    : setopt(fd, IPPROTO_IP, IP_TTL, encodeInt(ttl), `setsockopt IP_TTL ${ttl}`);
}

/** Drop what arrives from a peer of this address's family with a TTL / hop limit below `minTtl`. */
export function setMinTtl(fd: number, peerAddress: string, minTtl: number): Error | undefined {
  return familyOf(peerAddress) === AF_INET6
    ? setopt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, encodeInt(minTtl), `setsockopt IPV6_MINHOPCOUNT ${minTtl}`)
    : setopt(fd, IPPROTO_IP, IP_MINTTL, encodeInt(minTtl), `setsockopt IP_MINTTL ${minTtl}`);
}

/** A new, unconnected TCP socket of this family, close-on-exec; its fd, or an Error. */
export function openTcpSocket(family: number): number | Error {
  const c = libc();
  if (c instanceof Error) return c;
  const fd = c.socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  return fd >= 0 ? fd : lastError(c, `socket(${family === AF_INET ? 'AF_INET' : 'AF_INET6'}, SOCK_STREAM)`);
}

/** Close an fd we opened and never handed to Node (Node closes the ones it owns). */
export function closeFd(fd: number): void {
  const c = libc();
  if (!(c instanceof Error)) c.close(fd);
}
