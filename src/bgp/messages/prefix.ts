// IP prefixes as the codec hands them out: IPv4 addresses as one uint32 (cheap integer keys),
// IPv6 as 16 octets, plus the ADD-PATH path identifier (RFC 7911 3) when negotiated.
// Text forms for JSON: "10.0.0.0/24", "2001:db8::/32" (RFC 5952 4), "10.1.0.0/24#7".
import { AFI_IPV4, AFI_IPV6 } from './types';

export interface Ipv4Prefix {
  readonly afi: typeof AFI_IPV4;
  /** Network order packed into a uint32; bits past `len` are kept as sent (RFC 4271 4.3). */
  readonly addr: number;
  readonly len: number;
  readonly pathId?: number;
}

export interface Ipv6Prefix {
  readonly afi: typeof AFI_IPV6;
  readonly addr: Uint8Array; // 16 octets
  readonly len: number;
  readonly pathId?: number;
}

export type Prefix = Ipv4Prefix | Ipv6Prefix;

export function ipv4ToString(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/** Dotted quad to uint32, or undefined when it is not one. */
export function parseIpv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = v * 256 + Number(p);
  }
  return v >>> 0;
}

/** RFC 5952 4: lower case, no leading zeros, the longest run (>= 2) of zero groups as "::". */
export function ipv6ToString(b: Uint8Array, off = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!);
  let bestAt = -1;
  let bestLen = 1; // RFC 5952 4.2.2: a single zero group is not shortened
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; } // 4.2.3: first of equal runs wins
    i = j;
  }
  const hex = (x: number): string => x.toString(16);
  // RFC 5952 5: IPv4-mapped addresses keep the dotted quad.
  if (bestAt === 0 && bestLen === 5 && g[5] === 0xffff) {
    return `::ffff:${ipv4ToString(((g[6]! << 16) | g[7]!) >>> 0)}`;
  }
  if (bestAt < 0) return g.map(hex).join(':');
  return `${g.slice(0, bestAt).map(hex).join(':')}::${g.slice(bestAt + bestLen).map(hex).join(':')}`;
}

/** Any RFC 4291 2.2 text form to 16 octets, or undefined. */
export function parseIpv6(s: string): Uint8Array | undefined {
  let text = s;
  const colon = text.lastIndexOf(':');
  if (colon >= 0 && text.indexOf('.', colon) > 0) {
    // An embedded dotted quad (RFC 4291 2.2 form 3) becomes the last two groups.
    const v4 = parseIpv4(text.slice(colon + 1));
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, colon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const r: number[] = [];
    for (const p of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
      r.push(parseInt(p, 16));
    }
    return r;
  };
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === undefined || rest === undefined) return undefined;
  const fill = 8 - head.length - rest.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...rest];
  const out = new Uint8Array(16);
  all.forEach((v, i) => { out[2 * i] = v >>> 8; out[2 * i + 1] = v & 0xff; });
  return out;
}

export function prefixToString(p: Prefix): string {
  const a = p.afi === AFI_IPV4 ? ipv4ToString(p.addr) : ipv6ToString(p.addr);
  return p.pathId === undefined ? `${a}/${p.len}` : `${a}/${p.len}#${p.pathId}`;
}

/** "10.0.0.0/24", "2001:db8::/32", "10.1.0.0/24#7" back to a Prefix; undefined if invalid. */
export function parsePrefix(s: string): Prefix | undefined {
  const m = /^([^/#]+)\/(\d{1,3})(?:#(\d{1,10}))?$/.exec(s);
  if (!m) return undefined;
  const len = Number(m[2]);
  const pathId = m[3] === undefined ? undefined : Number(m[3]);
  if (pathId !== undefined && pathId > 0xffffffff) return undefined;
  const v4 = parseIpv4(m[1]!);
  if (v4 !== undefined) {
    if (len > 32) return undefined;
    return pathId === undefined ? { afi: AFI_IPV4, addr: v4, len } : { afi: AFI_IPV4, addr: v4, len, pathId };
  }
  const v6 = parseIpv6(m[1]!);
  if (v6 === undefined || len > 128) return undefined;
  return pathId === undefined ? { afi: AFI_IPV6, addr: v6, len } : { afi: AFI_IPV6, addr: v6, len, pathId };
}
