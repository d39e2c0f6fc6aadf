// Byte layouts of the Linux socket-option arguments vroute passes to setsockopt(2): the
// sockaddr forms and struct tcp_md5sig (include/uapi/linux/tcp.h). Pure: no I/O, no FFI,
// so the layouts are unit-tested on any machine.
import { endianness } from 'node:os';
import { parseIp } from '../net';

export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_CLOEXEC = 0o2000000;
export const IPPROTO_IP = 0;
export const IPPROTO_TCP = 6;
export const IPPROTO_IPV6 = 41;
/** ip(7): the TTL of unicast packets we send. */
export const IP_TTL = 2;
/** ip(7), RFC 5082: drop received packets whose TTL is below this. */
export const IP_MINTTL = 21;
/** ipv6(7): the hop limit of unicast packets we send. */
export const IPV6_UNICAST_HOPS = 16;
/** ipv6(7), RFC 5082 for IPv6: drop received packets whose hop limit is below this. */
export const IPV6_MINHOPCOUNT = 73;
/** tcp(7), RFC 2385: one key per peer address. */
export const TCP_MD5SIG = 14;
/** The same struct whose flags and prefix length are honoured (Linux 4.13). */
export const TCP_MD5SIG_EXT = 32;
export const TCP_MD5SIG_FLAG_PREFIX = 0x1;
/** TCP_MD5SIG_MAXKEYLEN: the key is at most 80 octets. */
export const MD5_MAX_KEY_LEN = 80;

/** sizeof(struct __kernel_sockaddr_storage). */
const SOCKADDR_STORAGE_LEN = 128;
/** sizeof(struct tcp_md5sig): storage, flags u8, prefixlen u8, keylen u16, ifindex i32, key[80]. */
export const TCP_MD5SIG_LEN = SOCKADDR_STORAGE_LEN + 1 + 1 + 2 + 4 + MD5_MAX_KEY_LEN;

const LITTLE = endianness() === 'LE';

/**
 * The octets of an address (src/net); a zone ("fe80::1%eth0") is dropped: sockaddr_in6's
 * scope id stays 0 and the key matches the address on any interface.
 */
function addressOctets(addr: string): Uint8Array | undefined {
  const pct = addr.indexOf('%');
  return parseIp(pct < 0 ? addr : addr.slice(0, pct));
}

/** An address family from an address's spelling; undefined when it is not an IP address. */
export function familyOf(addr: string): typeof AF_INET | typeof AF_INET6 | undefined {
  const a = addressOctets(addr);
  return a === undefined ? undefined : a.length === 4 ? AF_INET : AF_INET6;
}

function writeFamily(buf: Buffer, family: number): void {
  // sa_family_t is in host order; the port that follows is in network order.
  if (LITTLE) buf.writeUInt16LE(family, 0);
  else buf.writeUInt16BE(family, 0);
}

/**
 * A sockaddr for `addr` as a socket of `socketFamily` expects it: sockaddr_in (16 octets) for
 * an IPv4 socket, sockaddr_in6 (28) for an IPv6 one, where an IPv4 address takes its
 * IPv4-mapped form (::ffff:a.b.c.d), as a dual-stack listener sees IPv4 peers.
 */
export function encodeSockaddr(addr: string, socketFamily: number, port = 0): Buffer | RangeError {
  const octets = addressOctets(addr);
  if (octets === undefined) return new RangeError(`${addr} is not an IP address`);
  if (socketFamily === AF_INET) {
    if (octets.length !== 4) return new RangeError(`${addr} is IPv6 but the socket is IPv4`);
    const b = Buffer.alloc(16);
    writeFamily(b, AF_INET);
    b.writeUInt16BE(port, 2);
    b.set(octets, 4);
    return b;
  }
  const b = Buffer.alloc(28);
  writeFamily(b, AF_INET6);
  b.writeUInt16BE(port, 2);
  // An IPv4 address on an IPv6 socket: its IPv4-mapped form (RFC 4291 2.5.5.2).
  if (octets.length === 4) b.set([0xff, 0xff, ...octets], 8 + 10);
  else b.set(octets, 8);
  return b;
}

export interface Md5SigArgs {
  /** The peer's address (or the first address of a range). */
  readonly address: string;
  /** The family of the socket the key goes on (AF_INET or AF_INET6). */
  readonly socketFamily: number;
  /** The key; empty deletes the key for this address (tcp(7)). */
  readonly key: Buffer;
  /** A range of peers (TCP_MD5SIG_EXT with TCP_MD5SIG_FLAG_PREFIX); absent: this address alone. */
  readonly prefixLength?: number;
}

/** struct tcp_md5sig for setsockopt(IPPROTO_TCP, TCP_MD5SIG or TCP_MD5SIG_EXT). */
export function encodeMd5Sig(a: Md5SigArgs): Buffer | RangeError {
  if (a.key.length > MD5_MAX_KEY_LEN)
    return new RangeError(`a TCP-MD5 key is at most ${MD5_MAX_KEY_LEN} octets, this one has ${a.key.length}`);
  const sa = encodeSockaddr(a.address, a.socketFamily);
  if (sa instanceof RangeError) return sa;
  const b = Buffer.alloc(TCP_MD5SIG_LEN);
  sa.copy(b, 0);
  let off = SOCKADDR_STORAGE_LEN;
  const prefixLength = a.prefixLength;
  if (prefixLength !== undefined) {
    const max = familyOf(a.address) === AF_INET ? 32 : 128;
    // On an IPv6 socket an IPv4 range keeps its IPv4 length: the kernel matches the
    // mapped address as IPv4 (tcp_v6_parse_md5_keys refuses more than 32 there).
    if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > max)
      return new RangeError(`prefix length ${prefixLength} is not 0..${max}`);
  }
  b.writeUInt8(prefixLength === undefined ? 0 : TCP_MD5SIG_FLAG_PREFIX, off++);
  b.writeUInt8(prefixLength ?? 0, off++);
  if (LITTLE) b.writeUInt16LE(a.key.length, off);
  else b.writeUInt16BE(a.key.length, off);
  off += 2;
  off += 4; // tcpm_ifindex: 0, any interface
  a.key.copy(b, off);
  return b;
}

/** An int option value (setsockopt's `int *`), in host order. */
export function encodeInt(v: number): Buffer {
  const b = Buffer.alloc(4);
  if (LITTLE) b.writeInt32LE(v, 0);
  else b.writeInt32BE(v, 0);
  return b;
}
