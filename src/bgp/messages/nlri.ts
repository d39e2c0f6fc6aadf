// NLRI fields: a run of (length, prefix) pairs, RFC 4271 4.3, each preceded by a 4-octet
// path identifier when ADD-PATH is negotiated for the family in this direction (RFC 7911 3).
//
// Hot path design: the decoder validates a field once (countNlri, no allocation) and keeps
// it as raw bytes (an NlriBlock, a view into the frame). Consumers walk it with forEachIpv4 /
// forEachIpv6 callbacks, getting integers (and one reused 16-octet buffer for IPv6), so
// a million prefixes cost no per-prefix objects. Prefix objects and strings are for JSON,
// tests and tools.
import { AFI_IPV4, AFI_IPV6, SAFI_UNICAST } from './types';
import { formatIpv4, formatIpv6 } from '../../net';
import { parsePrefix, type Prefix } from './prefix';

/** One NLRI field as received or to be sent; `bytes` is the encoded field. */
export interface NlriBlock {
  readonly afi: number;
  readonly safi: number;
  readonly addPath: boolean;
  readonly bytes: Uint8Array;
  /** Number of prefixes, or -1 for a family whose NLRI we do not parse (kept opaque). */
  readonly count: number;
}

const NONE = new Uint8Array(0);

/** An empty IPv4 unicast field (the UPDATE body's withdrawn routes / NLRI when absent). */
export function emptyNlri(afi = AFI_IPV4, safi = SAFI_UNICAST, addPath = false): NlriBlock {
  return { afi, safi, addPath, bytes: NONE, count: 0 };
}

/** Families whose NLRI is a plain prefix list: unicast (1) and multicast (2), RFC 4760 5. */
export function isPrefixFamily(afi: number, safi: number): boolean {
  return (afi === AFI_IPV4 || afi === AFI_IPV6) && (safi === 1 || safi === 2);
}

export function maxPrefixLength(afi: number): number {
  return afi === AFI_IPV6 ? 128 : 32;
}

/**
 * Validates buf[start, end) as an NLRI field and returns its prefix count, or -1 when a
 * prefix length exceeds `maxLen` or a prefix runs past `end` (RFC 4271 6.3 Invalid Network
 * Field; RFC 7606 5.3). No allocation.
 */
export function countNlri(buf: Uint8Array, start: number, end: number, maxLen: number, addPath: boolean): number {
  let n = 0;
  let i = start;
  while (i < end) {
    if (addPath) i += 4;
    if (i >= end) return -1;
    const len = buf[i]!;
    if (len > maxLen) return -1;
    i += 1 + ((len + 7) >>> 3);
    if (i > end) return -1;
    n++;
  }
  return n;
}

export type Ipv4Visitor = (addr: number, len: number, pathId: number) => void;
export type Ipv6Visitor = (addr: Uint8Array, len: number, pathId: number) => void;

/**
 * Calls fn(addr, len, pathId) for every prefix of a field already checked by countNlri.
 * addr is the uint32 address (octets past the prefix are zero); pathId is 0 without ADD-PATH.
 */
export function forEachIpv4(buf: Uint8Array, start: number, end: number, withPathId: boolean, fn: Ipv4Visitor): void {
  let i = start;
  while (i < end) {
    let pathId = 0;
    if (withPathId) {
      pathId = ((buf[i]! << 24) | (buf[i + 1]! << 16) | (buf[i + 2]! << 8) | buf[i + 3]!) >>> 0;
      i += 4;
    }
    const len = buf[i++]!;
    let addr = 0;
    // Unrolled by octet count: /24 is the common case and reads three octets.
    switch ((len + 7) >>> 3) {
      case 0:
        break;
      case 1:
        addr = buf[i]! << 24;
        i += 1;
        break;
      case 2:
        addr = (buf[i]! << 24) | (buf[i + 1]! << 16);
        i += 2;
        break;
      case 3:
        addr = (buf[i]! << 24) | (buf[i + 1]! << 16) | (buf[i + 2]! << 8);
        i += 3;
        break;
      default:
        addr = (buf[i]! << 24) | (buf[i + 1]! << 16) | (buf[i + 2]! << 8) | buf[i + 3]!;
        i += 4;
    }
    fn(addr >>> 0, len, pathId);
  }
}

/** As forEachIpv4 for IPv6: `addr` is one 16-octet buffer reused for every call. */
export function forEachIpv6(buf: Uint8Array, start: number, end: number, withPathId: boolean, fn: Ipv6Visitor): void {
  const addr = new Uint8Array(16);
  let i = start;
  while (i < end) {
    let pathId = 0;
    if (withPathId) {
      pathId = ((buf[i]! << 24) | (buf[i + 1]! << 16) | (buf[i + 2]! << 8) | buf[i + 3]!) >>> 0;
      i += 4;
    }
    const len = buf[i++]!;
    const n = (len + 7) >>> 3;
    addr.fill(0);
    addr.set(buf.subarray(i, i + n));
    i += n;
    fn(addr, len, pathId);
  }
}

/** The prefixes of a block as objects (for tools and tests, not the hot path). */
export function blockPrefixes(b: NlriBlock): Prefix[] {
  const out: Prefix[] = [];
  if (b.count <= 0) return out;
  const end = b.bytes.length;
  if (b.afi === AFI_IPV4) {
    forEachIpv4(b.bytes, 0, end, b.addPath, (addr, len, pathId) => {
      out.push(b.addPath ? { afi: AFI_IPV4, addr, len, pathId } : { afi: AFI_IPV4, addr, len });
    });
  } else {
    forEachIpv6(b.bytes, 0, end, b.addPath, (a, len, pathId) => {
      const addr = a.slice();
      out.push(b.addPath ? { afi: AFI_IPV6, addr, len, pathId } : { afi: AFI_IPV6, addr, len });
    });
  }
  return out;
}

/** The prefixes of a block as contract strings: "10.0.0.0/24", with "#id" under ADD-PATH. */
export function blockStrings(b: NlriBlock): string[] {
  const out: string[] = [];
  if (b.count <= 0) return out;
  const tail = (len: number, pathId: number): string => (b.addPath ? `/${len}#${pathId}` : `/${len}`);
  if (b.afi === AFI_IPV4) {
    forEachIpv4(b.bytes, 0, b.bytes.length, b.addPath, (a, len, id) => out.push(formatIpv4(a) + tail(len, id)));
  } else {
    forEachIpv6(b.bytes, 0, b.bytes.length, b.addPath, (a, len, id) => out.push(formatIpv6(a) + tail(len, id)));
  }
  return out;
}

/** Octets one prefix takes on the wire. */
export function encodedPrefixLength(len: number, addPath: boolean): number {
  return (addPath ? 5 : 1) + ((len + 7) >>> 3);
}

/** Writes one IPv4 prefix at buf[off]; returns the offset after it. */
export function writeIpv4(
  buf: Uint8Array,
  off: number,
  addr: number,
  len: number,
  addPath: boolean,
  pathId: number,
): number {
  let i = off;
  if (addPath) {
    buf[i] = pathId >>> 24;
    buf[i + 1] = pathId >>> 16;
    buf[i + 2] = pathId >>> 8;
    buf[i + 3] = pathId;
    i += 4;
  }
  buf[i++] = len;
  const n = (len + 7) >>> 3;
  for (let k = 0; k < n; k++) buf[i++] = addr >>> (24 - 8 * k);
  return i;
}

/** Writes one prefix of either family; returns the offset after it. */
export function writePrefix(buf: Uint8Array, off: number, p: Prefix, addPath: boolean): number {
  if (p.afi === AFI_IPV4) return writeIpv4(buf, off, p.addr, p.len, addPath, p.pathId ?? 0);
  let i = off;
  if (addPath) {
    const id = p.pathId ?? 0;
    buf[i] = id >>> 24;
    buf[i + 1] = id >>> 16;
    buf[i + 2] = id >>> 8;
    buf[i + 3] = id;
    i += 4;
  }
  buf[i++] = p.len;
  const n = (p.len + 7) >>> 3;
  buf.set(p.addr.subarray(0, n), i);
  return i + n;
}

/**
 * A block from prefixes (objects or contract strings), for encoders and fixtures. Throws
 * RangeError on an unparsable string or a family mismatch: this is local input, not a peer's.
 */
export function makeNlriBlock(
  afi: number,
  safi: number,
  addPath: boolean,
  prefixes: readonly (Prefix | string)[],
): NlriBlock {
  const ps = prefixes.map((x) => {
    const p = typeof x === 'string' ? parsePrefix(x) : x;
    if (p === undefined || p.afi !== afi || p.len > maxPrefixLength(afi))
      throw new RangeError(`bad prefix ${String(x)} for afi ${afi}`);
    return p;
  });
  let size = 0;
  for (const p of ps) size += encodedPrefixLength(p.len, addPath);
  const bytes = new Uint8Array(size);
  let off = 0;
  for (const p of ps) off = writePrefix(bytes, off, p, addPath);
  return { afi, safi, addPath, bytes, count: ps.length };
}
