// Value checks of the one-pass UPDATE writer (update-ndjson.ts): for each attribute type it
// prints, the checks the attribute table's hooks make (basic.ts, as-path.ts, mp.ts; RFC 7606
// lengths and values, RFC 4760 families, RFC 2545 / RFC 8950 next hop lengths). A value that
// fails sends the message to the general path, which prints what it makes of it.
import { AttrType } from '../attributes/types';
import { countNlri } from '../nlri';
import { AFI_IPV4, AFI_IPV6, type CodecContext } from '../types';
import { u16 } from './update-ndjson-values';

/** AS path segments valid as as-path.ts parseSegments would find them. */
function segmentsOk(b: Uint8Array, s: number, e: number, w: number, allowConfed: boolean): boolean {
  let i = s;
  while (i < e) {
    if (i + 2 > e) return false;
    const type = b[i]!;
    const n = b[i + 1]!;
    if (type < 1 || type > (allowConfed ? 4 : 2) || n === 0) return false;
    i += 2 + n * w;
    if (i > e) return false;
  }
  return true;
}

/** Prefix-list families (unicast, multicast) whose NLRI the general path parses (nlri.ts). */
function prefixFamily(afi: number, safi: number): boolean {
  return (afi === AFI_IPV4 || afi === AFI_IPV6) && (safi === 1 || safi === 2);
}

/** The value checks of the attribute table's hooks (basic.ts, as-path.ts, mp.ts), true when all pass. */
export function valueOk(type: number, b: Uint8Array, s: number, e: number, ctx: CodecContext): boolean {
  const len = e - s;
  switch (type) {
    case AttrType.Origin:
      return len === 1 && b[s]! <= 2;
    case AttrType.AsPath:
      return segmentsOk(b, s, e, ctx.fourOctetAs ? 4 : 2, true);
    case AttrType.As4Path:
      return segmentsOk(b, s, e, 4, false);
    case AttrType.NextHop:
    case AttrType.Med:
    case AttrType.LocalPref:
    case AttrType.OriginatorId:
      return len === 4;
    case AttrType.AtomicAggregate:
      return len === 0;
    case AttrType.Aggregator:
      return len === (ctx.fourOctetAs ? 8 : 6);
    case AttrType.As4Aggregator:
      return len === 8;
    case AttrType.Communities:
    case AttrType.ClusterList:
      return len > 0 && len % 4 === 0;
    case AttrType.ExtCommunities:
      return len > 0 && len % 8 === 0;
    case AttrType.LargeCommunities:
      return len > 0 && len % 12 === 0;
    case AttrType.MpReach: {
      if (len < 5) return false;
      const afi = u16(b, s);
      const safi = b[s + 2]!;
      const nh = b[s + 3]!;
      const at = s + 5 + nh;
      if (at > e || !prefixFamily(afi, safi)) return false;
      // RFC 2545 3 / RFC 8950 4 next hop lengths, as mp.ts nextHopLengthOk.
      if (afi === AFI_IPV4 ? nh !== 4 && nh !== 16 && nh !== 32 : nh !== 16 && nh !== 32) return false;
      return countNlri(b, at, e, afi === AFI_IPV6 ? 128 : 32, ctx.addPath.has((afi << 8) | safi)) >= 0;
    }
    case AttrType.MpUnreach: {
      if (len < 3) return false;
      const afi = u16(b, s);
      const safi = b[s + 2]!;
      if (!prefixFamily(afi, safi)) return false;
      return countNlri(b, s + 3, e, afi === AFI_IPV6 ? 128 : 32, ctx.addPath.has((afi << 8) | safi)) >= 0;
    }
    default:
      return false;
  }
}
