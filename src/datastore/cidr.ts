// Addresses and CIDRs as BigInt for IPAM block arithmetic (one code path for IPv4 and IPv6);
// the text forms are src/net's.
import {
  formatIp as netFormatIp,
  hasHostBits,
  ipFromBigInt,
  ipToBigInt,
  maskAddr,
  parseCidr as netParseCidr,
  parseIp as netParseIp,
} from '../net';

export interface Cidr {
  family: 4 | 6;
  base: bigint; // network address (host bits zero)
  len: number;
}

export function bits(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

export function parseIp(text: string): { family: 4 | 6; value: bigint } | undefined {
  const a = netParseIp(text);
  return a === undefined ? undefined : { family: a.length === 4 ? 4 : 6, value: ipToBigInt(a) };
}

/** The text of an address (RFC 5952 for IPv6: src/net). */
export function formatIp(family: 4 | 6, v: bigint): string {
  return netFormatIp(ipFromBigInt(v, family));
}

/** Parses "a.b.c.d/n" or "x::/n"; host bits must be zero when strict. */
export function parseCidr(text: string, strict = true): Cidr | undefined {
  const p = netParseCidr(text.trim());
  if (!p || (strict && hasHostBits(p.addr, p.len))) return undefined;
  return { family: p.addr.length === 4 ? 4 : 6, base: ipToBigInt(maskAddr(p.addr, p.len)), len: p.len };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.family, c.base)}/${c.len}`;
}

export function size(c: Cidr): bigint {
  return 1n << BigInt(bits(c.family) - c.len);
}

export function contains(c: Cidr, family: 4 | 6, v: bigint): boolean {
  return family === c.family && v >= c.base && v < c.base + size(c);
}

/** The n-th sub-block of length `len` inside c. */
export function subBlock(c: Cidr, len: number, n: bigint): Cidr {
  return { family: c.family, base: c.base + n * (1n << BigInt(bits(c.family) - len)), len };
}
