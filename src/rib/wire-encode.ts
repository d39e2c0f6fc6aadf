// A compact UPDATE packer for the Adj-RIB-Out (RFC 4271 4.3, RFC 4760 3-4, RFC 7911 3,
// RFC 6793 4.2.2). It lives in src/rib until the codec's builder lands; the update group
// takes any UpdatePacker, so swapping it in is one line. Every UPDATE carries as many
// prefixes of one attribute set as fit (DESIGN.md "Pack").
import { AFI_IPV4, CodecContext, Family, familyAfi, familySafi, HEADER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH,
  MAX_MESSAGE_LENGTH, MessageType } from '../bgp/messages/types';
import { AttrSet, AsPathSegment, RouteAttrs, SegmentType } from './attrs';
import { parsePrefix, parseV4, PrefixIndex } from './prefix-index';

export interface Packed {
  readonly buf: Buffer;
  /** Index in `pairs` of the first (prefix, tx) pair not carried. */
  readonly next: number;
}

/** Builds UPDATE messages from (prefix id, tx path id) pairs, interleaved in `pairs`. */
export interface UpdatePacker {
  announce(ix: PrefixIndex, attrs: AttrSet, pairs: readonly number[], start: number, ctx: CodecContext): Packed;
  withdraw(ix: PrefixIndex, pairs: readonly number[], start: number, ctx: CodecContext): Packed;
  /** RFC 4724 2: the End-of-RIB marker for a family. */
  endOfRib(family: Family): Buffer;
}

const OPTIONAL = 0x80;
const TRANSITIVE = 0x40;
const EXTENDED = 0x10;
const AS_TRANS = 23456; // RFC 6793 9

function attr(flags: number, type: number, value: Buffer): Buffer {
  if (value.length > 255) {
    const h = Buffer.alloc(4);
    h[0] = flags | EXTENDED;
    h[1] = type;
    h.writeUInt16BE(value.length, 2);
    return Buffer.concat([h, value]);
  }
  return Buffer.concat([Buffer.from([flags, type, value.length]), value]);
}

function u32s(values: readonly number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

function asPathBytes(path: readonly AsPathSegment[], four: boolean, trans: boolean): Buffer {
  const parts: Buffer[] = [];
  for (const seg of path) {
    // RFC 4271 4.3 (b): at most 255 ASes per segment; longer ones split, empty ones dropped
    // (RFC 7606 7.2 counts a zero-length segment as malformed).
    for (let i = 0; i < seg.asns.length; i += 255) {
      const asns = seg.asns.slice(i, i + 255);
      const b = Buffer.alloc(2 + asns.length * (four ? 4 : 2));
      b[0] = seg.type;
      b[1] = asns.length;
      asns.forEach((a, j) => {
        if (four) b.writeUInt32BE(a >>> 0, 2 + j * 4);
        else b.writeUInt16BE(trans && a > 0xffff ? AS_TRANS : a, 2 + j * 2);
      });
      parts.push(b);
    }
  }
  return Buffer.concat(parts);
}

function addrBytes(text: string): Buffer {
  const v4 = parseV4(text);
  if (v4) return u32s(v4);
  const v6 = parsePrefix(`${text}/128`, (2 << 8) | 1);
  return v6 ? u32s(v6.words) : Buffer.alloc(0);
}

/** Path attributes other than MP_REACH/MP_UNREACH, in type-code order. */
export function encodeAttrs(a: RouteAttrs, ctx: CodecContext, withNextHop: boolean): Buffer {
  const four = ctx.fourOctetAs;
  const parts: Buffer[] = [attr(TRANSITIVE, 1, Buffer.from([a.origin]))];
  parts.push(attr(TRANSITIVE, 2, asPathBytes(a.asPath, four, true)));
  if (withNextHop) parts.push(attr(TRANSITIVE, 3, addrBytes(a.nextHop)));
  if (a.med !== undefined) parts.push(attr(OPTIONAL, 4, u32s([a.med])));
  if (a.localPref !== undefined) parts.push(attr(TRANSITIVE, 5, u32s([a.localPref])));
  if (a.atomicAggregate) parts.push(attr(TRANSITIVE, 6, Buffer.alloc(0)));
  const big = (n: number): boolean => n > 0xffff;
  if (a.aggregator) {
    const b = Buffer.alloc(four ? 8 : 6);
    if (four) b.writeUInt32BE(a.aggregator.asn >>> 0, 0);
    else b.writeUInt16BE(big(a.aggregator.asn) ? AS_TRANS : a.aggregator.asn, 0);
    addrBytes(a.aggregator.address).copy(b, four ? 4 : 2);
    parts.push(attr(OPTIONAL | TRANSITIVE, 7, b));
  }
  if (a.communities && a.communities.length > 0) parts.push(attr(OPTIONAL | TRANSITIVE, 8, u32s(a.communities)));
  if (a.originatorId !== undefined) parts.push(attr(OPTIONAL, 9, u32s([a.originatorId])));
  if (a.clusterList && a.clusterList.length > 0) parts.push(attr(OPTIONAL, 10, u32s(a.clusterList)));
  // RFC 6793 4.2.2: towards a 2-octet speaker, the true path goes in AS4_PATH (and
  // AS4_AGGREGATOR) when some AS does not fit in two octets.
  if (!four && a.asPath.some((s) => s.asns.some(big))) {
    const path = a.asPath.filter((s) => s.type === SegmentType.AsSequence || s.type === SegmentType.AsSet);
    parts.push(attr(OPTIONAL | TRANSITIVE, 17, asPathBytes(path, true, false)));
  }
  if (!four && a.aggregator && big(a.aggregator.asn)) {
    const b = Buffer.alloc(8);
    b.writeUInt32BE(a.aggregator.asn >>> 0, 0);
    addrBytes(a.aggregator.address).copy(b, 4);
    parts.push(attr(OPTIONAL | TRANSITIVE, 18, b));
  }
  for (const o of a.other ?? []) parts.push(attr(o.flags & ~EXTENDED, o.type, Buffer.from(o.value)));
  return Buffer.concat(parts);
}

/** Writes NLRI (RFC 4271 4.3 / RFC 7911 3) for pairs from `start` into `out` at `at`, up to `end`. */
function writeNlri(ix: PrefixIndex, pairs: readonly number[], start: number, addPath: boolean,
  out: Buffer, at: number, end: number): { at: number; next: number } {
  let i = start;
  while (i < pairs.length) {
    const id = pairs[i];
    const len = ix.len(id);
    const bytes = (len + 7) >> 3;
    const need = (addPath ? 4 : 0) + 1 + bytes;
    if (at + need > end) break;
    if (addPath) at = out.writeUInt32BE(pairs[i + 1] >>> 0, at);
    out[at++] = len;
    for (let b = 0; b < bytes; b++) out[at++] = (ix.word(id, b >> 2) >>> (24 - 8 * (b & 3))) & 0xff;
    i += 2;
  }
  return { at, next: i };
}

function header(out: Buffer, length: number): void {
  out.fill(0xff, 0, 16);
  out.writeUInt16BE(length, 16);
  out[18] = MessageType.Update;
}

export class SimplePacker implements UpdatePacker {
  private readonly cache = [new WeakMap<AttrSet, Buffer>(), new WeakMap<AttrSet, Buffer>()];

  constructor(readonly family: Family) {}

  announce(ix: PrefixIndex, attrs: AttrSet, pairs: readonly number[], start: number, ctx: CodecContext): Packed {
    const max = ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
    const v4 = familyAfi(this.family) === AFI_IPV4;
    const cache = this.cache[ctx.fourOctetAs ? 1 : 0];
    let base = cache.get(attrs);
    if (!base) {
      base = encodeAttrs(attrs, ctx, v4);
      cache.set(attrs, base);
    }
    const addPath = ctx.addPath.has(this.family);
    const out = Buffer.allocUnsafe(max);
    let at = HEADER_LENGTH;
    at = out.writeUInt16BE(0, at); // no withdrawn routes
    const attrLenAt = at;
    at += 2;
    at += base.copy(out, at);
    if (v4) {
      const attrLen = at - attrLenAt - 2;
      out.writeUInt16BE(attrLen, attrLenAt);
      const r = writeNlri(ix, pairs, start, addPath, out, at, max);
      header(out, r.at);
      return { buf: out.subarray(0, r.at), next: r.next };
    }
    // RFC 4760 3: MP_REACH_NLRI, always written with a 2-octet length here.
    const nh = Buffer.concat([addrBytes(attrs.nextHop), attrs.nextHopLinkLocal ? addrBytes(attrs.nextHopLinkLocal) : Buffer.alloc(0)]);
    out[at++] = OPTIONAL | EXTENDED;
    out[at++] = 14;
    const mpLenAt = at;
    at += 2;
    at = out.writeUInt16BE(familyAfi(this.family), at);
    out[at++] = familySafi(this.family);
    out[at++] = nh.length;
    at += nh.copy(out, at);
    out[at++] = 0; // reserved
    const r = writeNlri(ix, pairs, start, addPath, out, at, max);
    out.writeUInt16BE(r.at - mpLenAt - 2, mpLenAt);
    out.writeUInt16BE(r.at - attrLenAt - 2, attrLenAt);
    header(out, r.at);
    return { buf: out.subarray(0, r.at), next: r.next };
  }

  withdraw(ix: PrefixIndex, pairs: readonly number[], start: number, ctx: CodecContext): Packed {
    const max = ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
    const addPath = ctx.addPath.has(this.family);
    const out = Buffer.allocUnsafe(max);
    let at = HEADER_LENGTH;
    if (familyAfi(this.family) === AFI_IPV4) {
      const r = writeNlri(ix, pairs, start, addPath, out, at + 2, max - 2);
      out.writeUInt16BE(r.at - at - 2, at);
      out.writeUInt16BE(0, r.at); // no path attributes
      header(out, r.at + 2);
      return { buf: out.subarray(0, r.at + 2), next: r.next };
    }
    // RFC 4760 4: MP_UNREACH_NLRI as the only attribute.
    at = out.writeUInt16BE(0, at);
    const attrLenAt = at;
    at += 2;
    out[at++] = OPTIONAL | EXTENDED;
    out[at++] = 15;
    const mpLenAt = at;
    at += 2;
    at = out.writeUInt16BE(familyAfi(this.family), at);
    out[at++] = familySafi(this.family);
    const r = writeNlri(ix, pairs, start, addPath, out, at, max);
    out.writeUInt16BE(r.at - mpLenAt - 2, mpLenAt);
    out.writeUInt16BE(r.at - attrLenAt - 2, attrLenAt);
    header(out, r.at);
    return { buf: out.subarray(0, r.at), next: r.next };
  }

  endOfRib(family: Family): Buffer {
    // RFC 4724 2: IPv4 unicast: an UPDATE with nothing in it; others: an empty MP_UNREACH.
    if (family === ((AFI_IPV4 << 8) | 1)) {
      const b = Buffer.alloc(23);
      header(b, 23);
      return b;
    }
    const b = Buffer.alloc(HEADER_LENGTH + 4 + 6);
    header(b, b.length);
    b.writeUInt16BE(6, HEADER_LENGTH + 2);
    b[HEADER_LENGTH + 4] = OPTIONAL;
    b[HEADER_LENGTH + 5] = 15;
    b[HEADER_LENGTH + 6] = 3;
    b.writeUInt16BE(familyAfi(family), HEADER_LENGTH + 7);
    b[HEADER_LENGTH + 9] = familySafi(family);
    return b;
  }
}
