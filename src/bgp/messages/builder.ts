// The UPDATE builder: packs as many prefixes of one attribute set as fit into each message
// (DESIGN.md "Pack"; 4096 octets, or 65535 with RFC 8654 extended messages). IPv4 unicast
// goes in the UPDATE body (RFC 4271 4.3), other families in MP_REACH_NLRI / MP_UNREACH_NLRI
// (RFC 4760), with path identifiers where ADD-PATH is negotiated for sending (RFC 7911 3).
import { HEADER_LENGTH, IPV4_UNICAST, familyAfi, familySafi, type CodecContext, type Family } from './types';
import { encodedPrefixLength, writePrefix } from './nlri';
import type { Prefix } from './prefix';
import { encodeAttributes } from './attributes/table';
import { AttrType, FLAG_EXTENDED, FLAG_OPTIONAL, type PathAttributes } from './attributes/types';
import { encodeUpdateParts, maxUpdateLength } from './update';

export interface PackOptions {
  /** Set Partial on unrecognized optional transitive attributes passed on (RFC 4271 5). */
  readonly propagate?: boolean;
}

const NONE = new Uint8Array(0);

function withoutMp(a: PathAttributes): PathAttributes {
  const { mpReach: _r, mpUnreach: _u, ...rest } = a;
  return rest;
}

/**
 * Splits `prefixes` into runs whose encoded size fits `room` octets each and calls emit with
 * each run's NLRI bytes. A prefix is written exactly once, in input order.
 */
function packRuns(prefixes: readonly Prefix[], addPath: boolean, room: number, emit: (nlri: Uint8Array) => void): void {
  const scratch = new Uint8Array(Math.max(room, 0));
  let off = 0;
  for (const p of prefixes) {
    const need = encodedPrefixLength(p.len, addPath);
    if (need > room) throw new RangeError('attributes leave no room for a single prefix');
    if (off + need > room) {
      emit(scratch.slice(0, off));
      off = 0;
    }
    off = writePrefix(scratch, off, p, addPath);
  }
  if (off > 0) emit(scratch.slice(0, off));
}

/** MP_REACH_NLRI / MP_UNREACH_NLRI header + fixed fields, always with Extended Length. */
function mpHeader(type: AttrType, fam: Family, valueLen: number, nextHop?: Uint8Array): Uint8Array {
  const fixed = type === AttrType.MpReach ? 5 + nextHop!.length : 3;
  const h = new Uint8Array(4 + fixed);
  h[0] = FLAG_OPTIONAL | FLAG_EXTENDED; // optional non-transitive (RFC 4760 3, 4)
  h[1] = type;
  h[2] = valueLen >>> 8;
  h[3] = valueLen;
  h[4] = familyAfi(fam) >>> 8;
  h[5] = familyAfi(fam);
  h[6] = familySafi(fam);
  if (type === AttrType.MpReach) {
    h[7] = nextHop!.length;
    h.set(nextHop!, 8); // the Reserved octet after it stays 0
  }
  return h;
}

function concat(a: Uint8Array, b: Uint8Array, c: Uint8Array = NONE): Uint8Array {
  const out = new Uint8Array(a.length + b.length + c.length);
  out.set(a, 0);
  out.set(b, a.length);
  out.set(c, a.length + b.length);
  return out;
}

/**
 * UPDATEs announcing `prefixes` (all of family `fam`) with attribute set `attrs`. For
 * families other than IPv4 unicast, attrs.mpReach supplies the next hop (its NLRI is ignored).
 */
export function packAnnouncements(
  attrs: PathAttributes,
  fam: Family,
  prefixes: readonly Prefix[],
  ctx: CodecContext,
  opts: PackOptions = {},
): Uint8Array[] {
  const max = maxUpdateLength(ctx);
  const addPath = ctx.addPath.has(fam);
  const other = encodeAttributes(withoutMp(attrs), ctx, opts);
  const out: Uint8Array[] = [];
  if (prefixes.length === 0) return out;
  if (fam === IPV4_UNICAST) {
    const room = max - HEADER_LENGTH - 4 - other.length;
    packRuns(prefixes, addPath, room, (nlri) => out.push(encodeUpdateParts(NONE, other, nlri, max)));
    return out;
  }
  const nh = attrs.mpReach?.nextHop;
  if (nh === undefined) throw new RangeError('MP_REACH_NLRI needs a next hop (attrs.mpReach.nextHop)');
  const room = max - HEADER_LENGTH - 4 - other.length - (4 + 5 + nh.length);
  packRuns(prefixes, addPath, room, (nlri) => {
    // RFC 7606 5.1: MP_REACH_NLRI first, so a receiver finds the NLRI even if a later
    // attribute is malformed.
    const mp = mpHeader(AttrType.MpReach, fam, 5 + nh.length + nlri.length, nh);
    out.push(encodeUpdateParts(NONE, concat(mp, nlri, other), NONE, max));
  });
  return out;
}

/** UPDATEs withdrawing `prefixes` of family `fam`: the body's Withdrawn Routes or MP_UNREACH_NLRI. */
export function packWithdrawals(fam: Family, prefixes: readonly Prefix[], ctx: CodecContext): Uint8Array[] {
  const max = maxUpdateLength(ctx);
  const addPath = ctx.addPath.has(fam);
  const out: Uint8Array[] = [];
  if (fam === IPV4_UNICAST) {
    packRuns(prefixes, addPath, max - HEADER_LENGTH - 4, (w) => out.push(encodeUpdateParts(w, NONE, NONE, max)));
    return out;
  }
  packRuns(prefixes, addPath, max - HEADER_LENGTH - 4 - 7, (w) => {
    out.push(encodeUpdateParts(NONE, concat(mpHeader(AttrType.MpUnreach, fam, 3 + w.length), w), NONE, max));
  });
  return out;
}

/**
 * End-of-RIB marker (RFC 4724 2): an UPDATE with nothing in it for IPv4 unicast, else one
 * holding only an MP_UNREACH_NLRI with the family and no withdrawn routes.
 */
export function endOfRib(fam: Family): Uint8Array {
  if (fam === IPV4_UNICAST) return encodeUpdateParts(NONE, NONE, NONE, HEADER_LENGTH + 4);
  const mp = Uint8Array.of(FLAG_OPTIONAL, AttrType.MpUnreach, 3, familyAfi(fam) >>> 8, familyAfi(fam), familySafi(fam));
  return encodeUpdateParts(NONE, mp, NONE, HEADER_LENGTH + 4 + mp.length);
}
