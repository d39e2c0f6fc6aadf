// The Adj-RIB-Out's UPDATE packer (RFC 4271 4.3, RFC 4760 3-4, RFC 7911 3, RFC 6793 4.2.2).
// Path attributes are encoded once per (set, 2/4-octet AS) by the codec's encoder
// (encodeAttributes) straight from the RIB's values (the same uint32s and octets the decoder
// produced: no text on the way) and cached; NLRI are written straight from prefix ids, so no Prefix
// object is made per prefix (the codec's builder takes Prefix objects, fine for tools but
// not for a full table). Every UPDATE carries as many prefixes of one set as fit (DESIGN.md
// "Pack").
import {
  AFI_IPV4,
  type CodecContext,
  encodeAttributes,
  type Family,
  familyAfi,
  familySafi,
  HEADER_LENGTH,
  MAX_EXTENDED_MESSAGE_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageType,
  splitAs4,
  type MutableAttributes,
  type PathAttributes,
} from '../bgp/messages';
import type { AttrSet, RouteAttrs } from '../rib';
import type { PrefixIndex } from '../rib';

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
  /**
   * Octets an UPDATE with this set and one prefix of the family's longest length takes
   * (header, attributes, MP_REACH framing, NLRI). Above the message limit (RFC 4271 4: 4096;
   * RFC 8654: 65535 with extended messages) no UPDATE can carry the set at all.
   */
  sizeWithOnePrefix?(attrs: AttrSet, ctx: CodecContext): number;
}

const OPTIONAL = 0x80;
const EXTENDED = 0x10;

function octetsU32(b: Uint8Array): number {
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

/**
 * The codec's view of a RIB attribute set, for its encoder: towards a 2-octet speaker the
 * AS path is split into AS_PATH with AS_TRANS plus AS4_PATH (RFC 6793 4.2.2); empty segments
 * are dropped (RFC 7606 7.2 counts them malformed); opaque attributes go out as received.
 */
export function toPathAttributes(a: RouteAttrs, ctx: CodecContext, withNextHop: boolean): PathAttributes {
  const path = a.asPath.filter((s) => s.asns.length > 0);
  const as = ctx.fourOctetAs ? { asPath: path, aggregator: a.aggregator } : splitAs4(path, a.aggregator);
  const out: MutableAttributes = { origin: a.origin, asPath: as.asPath };
  if ('as4Path' in as && as.as4Path) out.as4Path = as.as4Path;
  // RFC 4271 5.1.3: NEXT_HOP holds an IPv4 address; a set whose next hop is not one has none.
  if (withNextHop && a.nextHop.length === 4) out.nextHop = octetsU32(a.nextHop);
  if (a.med !== undefined) out.med = a.med;
  if (a.localPref !== undefined) out.localPref = a.localPref;
  if (a.atomicAggregate) out.atomicAggregate = true;
  if (as.aggregator) out.aggregator = as.aggregator;
  if ('as4Aggregator' in as && as.as4Aggregator) out.as4Aggregator = as.as4Aggregator;
  if (a.communities && a.communities.length > 0) out.communities = a.communities;
  if (a.originatorId !== undefined) out.originatorId = a.originatorId;
  if (a.clusterList && a.clusterList.length > 0) out.clusterList = a.clusterList;
  if (a.other && a.other.length > 0)
    out.unknown = a.other.map((o) => ({ type: o.type, flags: o.flags & ~EXTENDED, value: o.value }));
  return out;
}

/** Path attributes other than MP_REACH/MP_UNREACH, by the codec's encoder (type-code order). */
export function encodeAttrs(a: RouteAttrs, ctx: CodecContext, withNextHop: boolean): Buffer {
  const b = encodeAttributes(toPathAttributes(a, ctx, withNextHop), ctx);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Writes NLRI (RFC 4271 4.3 / RFC 7911 3) for pairs from `start` into `out` at `at`, up to `end`. */
function writeNlri(
  ix: PrefixIndex,
  pairs: readonly number[],
  start: number,
  addPath: boolean,
  out: Buffer,
  at: number,
  end: number,
): { at: number; next: number } {
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

/** RFC 4271 4.1: the all-ones marker, the length, type UPDATE. */
function header(out: Buffer, length: number): void {
  out.fill(0xff, 0, 16);
  out.writeUInt16BE(length, 16);
  out[18] = MessageType.Update;
}

/**
 * One packer per family. Each UPDATE is written into a fresh Buffer of the maximum size and
 * returned as a view of the used part: one allocation per UPDATE, no copy, and the Buffer is
 * what every member of an update group writes.
 */
/** The first `len` bytes of a scratch buffer, in a Buffer of their own. */
function exact(src: Buffer, len: number): Buffer {
  const b = Buffer.allocUnsafe(len);
  src.copy(b, 0, 0, len);
  return b;
}

export class SimplePacker implements UpdatePacker {
  private readonly cache = [new WeakMap<AttrSet, Buffer>(), new WeakMap<AttrSet, Buffer>()];
  // UPDATEs are written into one scratch buffer of the largest size allowed, then copied out
  // at their exact length: a built UPDATE lives on in the update group's log and socket
  // queues, and a view into a fresh 64 KiB buffer (extended messages, RFC 8654) kept all
  // 64 KiB alive for a ~4 KiB message.
  private scratchBuf: Buffer | undefined;

  private scratch(max: number): Buffer {
    if (!this.scratchBuf || this.scratchBuf.length < max) this.scratchBuf = Buffer.allocUnsafe(max);
    return this.scratchBuf;
  }

  // The family's AFI/SAFI, read once: familyAfi() is reached through the bgp/messages index,
  // whose compiled re-export getter is a megamorphic property load that V8 does not inline;
  // called per route (sizeWithOnePrefix from UpdateGroup.exported) it cost ~0.2 CPU s per 1M.
  private readonly afi: number;
  private readonly safi: number;
  private readonly v4: boolean;

  constructor(readonly family: Family) {
    this.afi = familyAfi(family);
    this.safi = familySafi(family);
    this.v4 = this.afi === AFI_IPV4;
  }

  private baseOf(attrs: AttrSet, ctx: CodecContext): Buffer {
    const cache = this.cache[ctx.fourOctetAs ? 1 : 0];
    let base = cache.get(attrs);
    if (!base) {
      base = encodeAttrs(attrs, ctx, this.v4);
      cache.set(attrs, base);
    }
    return base;
  }

  sizeWithOnePrefix(attrs: AttrSet, ctx: CodecContext): number {
    const v4 = this.v4;
    const nlri = (ctx.addPath.has(this.family) ? 4 : 0) + 1 + (v4 ? 4 : 16);
    // HEADER + withdrawn length + attribute length + attributes (+ MP_REACH_NLRI: flags, type,
    // 2-octet length, AFI, SAFI, next hop length, next hop(s), reserved; RFC 4760 3) + NLRI.
    let n = HEADER_LENGTH + 2 + 2 + this.baseOf(attrs, ctx).length + nlri;
    if (!v4) n += 4 + 2 + 1 + 1 + attrs.nextHop.length + (attrs.nextHopLinkLocal?.length ?? 0) + 1;
    return n;
  }

  announce(ix: PrefixIndex, attrs: AttrSet, pairs: readonly number[], start: number, ctx: CodecContext): Packed {
    const max = ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
    const v4 = this.v4;
    const base = this.baseOf(attrs, ctx);
    const addPath = ctx.addPath.has(this.family);
    const out = this.scratch(max);
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
      return { buf: exact(out, r.at), next: r.next };
    }
    // RFC 4760 3: MP_REACH_NLRI, always written with a 2-octet length here.
    const nh = attrs.nextHop;
    const ll = attrs.nextHopLinkLocal;
    out[at++] = OPTIONAL | EXTENDED;
    out[at++] = 14;
    const mpLenAt = at;
    at += 2;
    at = out.writeUInt16BE(this.afi, at);
    out[at++] = this.safi;
    out[at++] = nh.length + (ll ? ll.length : 0);
    out.set(nh, at);
    at += nh.length;
    if (ll) {
      out.set(ll, at);
      at += ll.length;
    }
    out[at++] = 0; // reserved
    const r = writeNlri(ix, pairs, start, addPath, out, at, max);
    out.writeUInt16BE(r.at - mpLenAt - 2, mpLenAt);
    out.writeUInt16BE(r.at - attrLenAt - 2, attrLenAt);
    header(out, r.at);
    return { buf: exact(out, r.at), next: r.next };
  }

  withdraw(ix: PrefixIndex, pairs: readonly number[], start: number, ctx: CodecContext): Packed {
    const max = ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
    const addPath = ctx.addPath.has(this.family);
    const out = this.scratch(max);
    let at = HEADER_LENGTH;
    if (this.v4) {
      const r = writeNlri(ix, pairs, start, addPath, out, at + 2, max - 2);
      out.writeUInt16BE(r.at - at - 2, at);
      out.writeUInt16BE(0, r.at); // no path attributes
      header(out, r.at + 2);
      return { buf: exact(out, r.at + 2), next: r.next };
    }
    // RFC 4760 4: MP_UNREACH_NLRI as the only attribute.
    at = out.writeUInt16BE(0, at);
    const attrLenAt = at;
    at += 2;
    out[at++] = OPTIONAL | EXTENDED;
    out[at++] = 15;
    const mpLenAt = at;
    at += 2;
    at = out.writeUInt16BE(this.afi, at);
    out[at++] = this.safi;
    const r = writeNlri(ix, pairs, start, addPath, out, at, max);
    out.writeUInt16BE(r.at - mpLenAt - 2, mpLenAt);
    out.writeUInt16BE(r.at - attrLenAt - 2, attrLenAt);
    header(out, r.at);
    return { buf: exact(out, r.at), next: r.next };
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
