// Addresses and CIDRs as BigInt for IPAM block arithmetic (one code path for IPv4 and IPv6).
import { isIP } from 'node:net';

export interface Cidr {
  family: 4 | 6;
  base: bigint; // network address (host bits zero)
  len: number;
}

export function bits(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

export function parseIp(text: string): { family: 4 | 6; value: bigint } | undefined {
  const fam = isIP(text);
  if (fam === 4) {
    const p = text.split('.').map(Number);
    return { family: 4, value: BigInt(((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!) };
  }
  if (fam === 6) {
    let t = text;
    // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
    const m = /(\d+\.\d+\.\d+\.\d+)$/.exec(t);
    if (m) {
      const v4 = parseIp(m[1]!)!.value;
      t = t.slice(0, -m[1]!.length) + `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
    }
    const [head, tail] = t.includes('::') ? t.split('::') as [string, string] : [t, undefined];
    const h = head ? head.split(':') : [];
    const tl = tail ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - tl.length).fill('0'), ...tl];
    let v = 0n;
    for (const g of groups) v = (v << 16n) | BigInt(parseInt(g, 16));
    return { family: 6, value: v };
  }
  return undefined;
}

export function formatIp(family: 4 | 6, v: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952 4.2: compress the longest run (length >= 2) of zero groups, the first on a tie.
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Parses "a.b.c.d/n" or "x::/n"; host bits must be zero when strict. */
export function parseCidr(text: string, strict = true): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const ip = parseIp(m[1]!);
  const len = Number(m[2]);
  if (!ip || len > bits(ip.family)) return undefined;
  const hostBits = BigInt(bits(ip.family) - len);
  const base = (ip.value >> hostBits) << hostBits;
  if (strict && base !== ip.value) return undefined;
  return { family: ip.family, base, len };
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
