// 4-octet AS numbers across 2-octet speakers, RFC 6793 4.2. A 2-octet ("OLD") speaker's
// AS_PATH and AGGREGATOR carry AS_TRANS (23456) where an AS does not fit in 16 bits; the real
// numbers travel in AS4_PATH / AS4_AGGREGATOR. We merge them on receipt (4.2.3) and split
// them when sending to such a peer (4.2.2).
import { AS_TRANS } from './open';
import { SegmentType, type Aggregator, type AsSegment, type PathAttributes } from './attributes/types';

/** AS count for path-length purposes: AS_SET counts 1, confederation segments 0 (RFC 6793 4.2.3 via 4271 9.1.2.2, 5065). */
function countAses(segs: readonly AsSegment[]): number {
  let n = 0;
  for (const s of segs) {
    if (s.type === SegmentType.AsSequence) n += s.asns.length;
    else if (s.type === SegmentType.AsSet) n += 1;
  }
  return n;
}

/**
 * RFC 6793 4.2.3: the AS path to use, from AS_PATH and AS4_PATH as received from a 2-octet
 * peer. When AS_PATH counts fewer ASes than AS4_PATH, AS4_PATH is ignored; otherwise the
 * leading (count(AS_PATH) - count(AS4_PATH)) ASes of AS_PATH are kept and AS4_PATH follows.
 */
export function mergeAsPath(asPath: readonly AsSegment[], as4Path: readonly AsSegment[] | undefined): AsSegment[] {
  if (as4Path === undefined) return asPath.map((s) => ({ type: s.type, asns: [...s.asns] }));
  let keep = countAses(asPath) - countAses(as4Path);
  if (keep < 0) return asPath.map((s) => ({ type: s.type, asns: [...s.asns] }));
  const out: AsSegment[] = [];
  for (const s of asPath) {
    if (s.type === SegmentType.ConfedSequence || s.type === SegmentType.ConfedSet) {
      // Confederation segments count 0 and lead the path; they stay (RFC 6793 4.2.3).
      if (keep > 0 || out.length === 0) out.push({ type: s.type, asns: [...s.asns] });
      continue;
    }
    if (keep === 0) break;
    if (s.type === SegmentType.AsSet) {
      out.push({ type: s.type, asns: [...s.asns] });
      keep -= 1;
    } else {
      const take = Math.min(keep, s.asns.length);
      out.push({ type: s.type, asns: s.asns.slice(0, take) });
      keep -= take;
    }
  }
  for (const s of as4Path) {
    const last = out[out.length - 1];
    if (last !== undefined && last.type === SegmentType.AsSequence && s.type === SegmentType.AsSequence) {
      out[out.length - 1] = { type: last.type, asns: [...last.asns, ...s.asns] }; // one sequence, same path
    } else {
      out.push({ type: s.type, asns: [...s.asns] });
    }
  }
  return out;
}

export interface MergedAs {
  readonly asPath: readonly AsSegment[] | undefined;
  readonly aggregator: Aggregator | undefined;
}

/**
 * The effective AS_PATH and AGGREGATOR of a decoded UPDATE (RFC 6793 4.2.3).
 * - From a 4-octet peer (fourOctetAs), AS4_PATH / AS4_AGGREGATOR must not appear and are
 *   discarded (RFC 6793 4.1): AS_PATH and AGGREGATOR are already exact.
 * - If AGGREGATOR holds an AS other than AS_TRANS, AS4_AGGREGATOR and AS4_PATH are ignored:
 *   an OLD speaker aggregated after the path was last carried by a NEW one.
 */
export function mergeAs4(a: PathAttributes, fourOctetAs: boolean): MergedAs {
  if (fourOctetAs) return { asPath: a.asPath, aggregator: a.aggregator };
  let aggregator = a.aggregator;
  let as4Path = a.as4Path;
  if (aggregator !== undefined && aggregator.asn !== AS_TRANS) {
    as4Path = undefined;
  } else if (aggregator !== undefined && a.as4Aggregator !== undefined) {
    aggregator = a.as4Aggregator;
  }
  const asPath = a.asPath === undefined ? undefined : mergeAsPath(a.asPath, as4Path);
  return { asPath, aggregator };
}

export interface TwoOctetAs {
  readonly asPath: readonly AsSegment[];
  readonly as4Path?: readonly AsSegment[];
  readonly aggregator?: Aggregator;
  readonly as4Aggregator?: Aggregator;
}

const fits = (asn: number): boolean => asn <= 0xffff;

/**
 * RFC 6793 4.2.2: what to send a 2-octet peer. ASes over 65535 become AS_TRANS in AS_PATH and
 * AGGREGATOR; when any did, AS4_PATH (without confederation segments) and AS4_AGGREGATOR
 * carry the real numbers.
 */
export function splitAs4(asPath: readonly AsSegment[], aggregator?: Aggregator): TwoOctetAs {
  const needPath = asPath.some((s) => s.asns.some((x) => !fits(x)));
  const out: { -readonly [K in keyof TwoOctetAs]: TwoOctetAs[K] } = {
    asPath: asPath.map((s) => ({ type: s.type, asns: s.asns.map((x) => (fits(x) ? x : AS_TRANS)) })),
  };
  if (needPath) {
    out.as4Path = asPath
      .filter((s) => s.type === SegmentType.AsSequence || s.type === SegmentType.AsSet)
      .map((s) => ({ type: s.type, asns: [...s.asns] }));
  }
  if (aggregator !== undefined) {
    if (fits(aggregator.asn)) {
      out.aggregator = aggregator;
    } else {
      out.aggregator = { asn: AS_TRANS, address: aggregator.address };
      out.as4Aggregator = aggregator;
    }
  }
  return out;
}
