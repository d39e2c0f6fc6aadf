// An address of either family as its octets: 4 for IPv4, 16 for IPv6 (the family is the
// length). Text in, text out, and the conversions other layers key on (BigInt for IPAM
// arithmetic, uint32 words for the RIB).
import { formatIpv4At, parseIpv4, ipv4ToBytes } from './ipv4';
import { formatIpv6, isIpv4Mapped, parseIpv6 } from './ipv6';

/** 4 or 16 octets, network order. */
export type IpBytes = Uint8Array;

/** 4, 6, or 0 when `text` is neither address (as Node's net.isIP, by our parser). */
export function ipVersion(text: string): 0 | 4 | 6 {
  if (parseIpv4(text) !== undefined) return 4;
  return parseIpv6(text) !== undefined ? 6 : 0;
}

export function isIpv4(text: string): boolean {
  return parseIpv4(text) !== undefined;
}

export function isIpv6(text: string): boolean {
  return parseIpv6(text) !== undefined;
}

/** The octets of an IPv4 (dotted quad) or IPv6 (RFC 4291 2.2) address; undefined otherwise. */
export function parseIp(text: string): IpBytes | undefined {
  const v4 = parseIpv4(text);
  return v4 !== undefined ? ipv4ToBytes(v4) : parseIpv6(text);
}

/** Dotted quad for 4 octets, RFC 5952 text for 16. */
export function formatIp(addr: IpBytes): string {
  return addr.length === 4 ? formatIpv4At(addr) : formatIpv6(addr);
}

/** The canonical text of an address (dotted quad, RFC 5952), or undefined when not one. */
export function canonicalIp(text: string): string | undefined {
  const a = parseIp(text);
  return a === undefined ? undefined : formatIp(a);
}

/** "ip:port", the IPv6 address in brackets so the port is not read as a group (RFC 5952 6). */
export function formatEndpoint(addr: IpBytes, port: number): string {
  return addr.length === 4 ? `${formatIpv4At(addr)}:${port}` : `[${formatIpv6(addr)}]:${port}`;
}

/** The IPv4 address inside an IPv4-mapped IPv6 one (RFC 4291 2.5.5.2); others unchanged. */
export function unmapIpv4(addr: IpBytes): IpBytes {
  return addr.length === 16 && isIpv4Mapped(addr) ? addr.slice(12) : addr;
}

/** 127.0.0.0/8 (RFC 1122 3.2.1.3 (g)) or ::1 (RFC 4291 2.5.3); IPv4-mapped forms count. */
export function isLoopback(addr: IpBytes): boolean {
  const a = unmapIpv4(addr);
  if (a.length === 4) return a[0] === 127;
  for (let i = 0; i < 15; i++) if (a[i] !== 0) return false;
  return a[15] === 1;
}

/** The address as an unsigned BigInt (for block arithmetic). */
export function ipToBigInt(addr: IpBytes): bigint {
  let v = 0n;
  for (const b of addr) v = (v << 8n) | BigInt(b);
  return v;
}

/** The `version` address with value v (taken modulo the address size). */
export function ipFromBigInt(v: bigint, version: 4 | 6): IpBytes {
  const out = new Uint8Array(version === 4 ? 4 : 16);
  let x = v;
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** The address as uint32 words, network order: 1 for IPv4, 4 for IPv6. */
export function ipToWords(addr: IpBytes): number[] {
  const w: number[] = [];
  for (let i = 0; i < addr.length; i += 4) {
    w.push(((addr[i]! << 24) | (addr[i + 1]! << 16) | (addr[i + 2]! << 8) | addr[i + 3]!) >>> 0);
  }
  return w;
}

/** The address from uint32 words: 1 word is IPv4, 4 are IPv6. */
export function ipFromWords(words: ArrayLike<number>): IpBytes {
  const out = new Uint8Array(words.length * 4);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    out[4 * i] = w >>> 24;
    out[4 * i + 1] = (w >>> 16) & 0xff;
    out[4 * i + 2] = (w >>> 8) & 0xff;
    out[4 * i + 3] = w & 0xff;
  }
  return out;
}
