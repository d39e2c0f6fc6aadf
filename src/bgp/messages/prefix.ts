// IP prefixes as the codec hands them out: IPv4 addresses as one uint32 (cheap integer keys),
// IPv6 as 16 octets, plus the ADD-PATH path identifier (RFC 7911 3) when negotiated.
// Text forms for JSON: "10.0.0.0/24", "2001:db8::/32" (RFC 5952 4), "10.1.0.0/24#7"; the
// address text itself is src/net's.
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../../net';
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

export function prefixToString(p: Prefix): string {
  const a = p.afi === AFI_IPV4 ? formatIpv4(p.addr) : formatIpv6(p.addr);
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
