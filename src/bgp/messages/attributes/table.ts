// The attribute table (STYLE.md "Attributes from a table"; BIRD's bgp_attr_table[]): one
// record per type code with its expected flags, its RFC 7606 action on malformation and its
// hooks. decodeAttributes runs the generic checks once (framing, duplicates, flags, unknown
// types) and then the record's hook; encodeAttributes walks the same table.
import { BgpError, UpdateSubcode, strongerAction, type ErrorAction } from '../errors';
import type { CodecContext } from '../types';
import {
  AttrType,
  FLAG_EXTENDED,
  FLAG_OPTIONAL,
  FLAG_PARTIAL,
  FLAG_TRANSITIVE,
  OPT_NON_TRANSITIVE,
  OPT_TRANSITIVE,
  WELL_KNOWN,
  type MutableAttributes,
  type PathAttributes,
  type UnknownAttr,
} from './types';
import * as h from './basic';
import { decodeAs4Path, decodeAsPath, encodeAs4Path, encodeAsPath } from './as-path';
import { concatBytes } from './bytes';
import { splitAs4 } from '../as4';
import { decodeMpReach, decodeMpUnreach, encodeMpReach, encodeMpUnreach } from './mp';

export interface AttrSpec {
  readonly name: string;
  /** Expected Optional and Transitive bits (RFC 4271 5). */
  readonly flags: number;
  /** What a malformed value means for the UPDATE (RFC 7606 7.x). */
  readonly onMalformed: ErrorAction;
  /** NOTIFICATION subcode when the error resets the session (RFC 4271 6.3). */
  readonly subcode: UpdateSubcode;
  readonly decode: h.DecodeHook;
  readonly encode: h.EncodeHook;
}

const L = UpdateSubcode.AttributeLengthError;
const O = UpdateSubcode.OptionalAttributeError;

export const ATTRIBUTES: Readonly<Record<number, AttrSpec>> = {
  [AttrType.Origin]: {
    name: 'ORIGIN',
    flags: WELL_KNOWN,
    onMalformed: 'treat-as-withdraw', // RFC 7606 7.1
    subcode: UpdateSubcode.InvalidOriginAttribute,
    decode: h.decodeOrigin,
    encode: h.encodeOrigin,
  },
  [AttrType.AsPath]: {
    name: 'AS_PATH',
    flags: WELL_KNOWN,
    onMalformed: 'treat-as-withdraw', // RFC 7606 7.2
    subcode: UpdateSubcode.MalformedAsPath,
    decode: decodeAsPath,
    encode: encodeAsPath,
  },
  [AttrType.NextHop]: {
    name: 'NEXT_HOP',
    flags: WELL_KNOWN,
    onMalformed: 'treat-as-withdraw', // RFC 7606 7.3
    subcode: L,
    decode: h.decodeNextHop,
    encode: h.encodeNextHop,
  },
  [AttrType.Med]: {
    name: 'MULTI_EXIT_DISC',
    flags: OPT_NON_TRANSITIVE,
    onMalformed: 'treat-as-withdraw', // 7606 7.4
    subcode: L,
    decode: h.decodeMed,
    encode: h.encodeMed,
  },
  [AttrType.LocalPref]: {
    name: 'LOCAL_PREF',
    flags: WELL_KNOWN,
    onMalformed: 'treat-as-withdraw', // RFC 7606 7.5
    subcode: L,
    decode: h.decodeLocalPref,
    encode: h.encodeLocalPref,
  },
  [AttrType.AtomicAggregate]: {
    name: 'ATOMIC_AGGREGATE',
    flags: WELL_KNOWN,
    onMalformed: 'attribute-discard', // 7.6
    subcode: L,
    decode: h.decodeAtomic,
    encode: h.encodeAtomic,
  },
  [AttrType.Aggregator]: {
    name: 'AGGREGATOR',
    flags: OPT_TRANSITIVE,
    onMalformed: 'attribute-discard', // RFC 7606 7.7
    subcode: L,
    decode: h.decodeAggregator,
    encode: h.encodeAggregator,
  },
  [AttrType.Communities]: {
    name: 'COMMUNITIES',
    flags: OPT_TRANSITIVE,
    onMalformed: 'treat-as-withdraw', // 7606 7.8
    subcode: O,
    decode: h.decodeCommunities,
    encode: h.encodeCommunities,
  },
  [AttrType.OriginatorId]: {
    name: 'ORIGINATOR_ID',
    flags: OPT_NON_TRANSITIVE,
    onMalformed: 'treat-as-withdraw', // 7.9
    subcode: O,
    decode: h.decodeOriginatorId,
    encode: h.encodeOriginatorId,
  },
  [AttrType.ClusterList]: {
    name: 'CLUSTER_LIST',
    flags: OPT_NON_TRANSITIVE,
    onMalformed: 'treat-as-withdraw', // 7.10
    subcode: O,
    decode: h.decodeClusterList,
    encode: h.encodeClusterList,
  },
  [AttrType.MpReach]: {
    name: 'MP_REACH_NLRI',
    flags: OPT_NON_TRANSITIVE,
    onMalformed: 'session-reset', // 7606 7.11
    subcode: O,
    decode: decodeMpReach,
    encode: encodeMpReach,
  },
  [AttrType.MpUnreach]: {
    name: 'MP_UNREACH_NLRI',
    flags: OPT_NON_TRANSITIVE,
    onMalformed: 'session-reset', // 7.11
    subcode: O,
    decode: decodeMpUnreach,
    encode: encodeMpUnreach,
  },
  [AttrType.ExtCommunities]: {
    name: 'EXTENDED_COMMUNITIES',
    flags: OPT_TRANSITIVE,
    onMalformed: 'treat-as-withdraw',
    subcode: O,
    decode: h.decodeExtCommunities,
    encode: h.encodeExtCommunities,
  }, // RFC 7606 7.14
  [AttrType.As4Path]: {
    name: 'AS4_PATH',
    flags: OPT_TRANSITIVE,
    onMalformed: 'attribute-discard', // RFC 6793 6
    subcode: O,
    decode: decodeAs4Path,
    encode: encodeAs4Path,
  },
  [AttrType.As4Aggregator]: {
    name: 'AS4_AGGREGATOR',
    flags: OPT_TRANSITIVE,
    onMalformed: 'attribute-discard', // 6793 6
    subcode: O,
    decode: h.decodeAs4Aggregator,
    encode: h.encodeAs4Aggregator,
  },
  [AttrType.LargeCommunities]: {
    name: 'LARGE_COMMUNITY',
    flags: OPT_TRANSITIVE,
    onMalformed: 'treat-as-withdraw',
    subcode: O,
    decode: h.decodeLargeCommunities,
    encode: h.encodeLargeCommunities,
  }, // RFC 8092 6
};

/** Type codes in encoding order: MP_REACH/MP_UNREACH first (RFC 7606 5.1), then ascending (RFC 4271 5). */
const ENCODE_ORDER: readonly number[] = [
  AttrType.MpReach,
  AttrType.MpUnreach,
  ...Object.keys(ATTRIBUTES)
    .map(Number)
    .filter((t) => t !== AttrType.MpReach && t !== AttrType.MpUnreach)
    .sort((a, b) => a - b),
];

export interface DecodedAttributes {
  readonly attrs: PathAttributes;
  readonly errors: BgpError[];
}

// Duplicate detection without a per-call allocation: a type code counts as seen when its
// slot holds the current generation.
const seen = new Uint32Array(256);
let generation = 0;

function err(subcode: UpdateSubcode, msg: string, data: Uint8Array, action: ErrorAction): BgpError {
  return BgpError.update(subcode, msg, data, action);
}

/**
 * Decodes the Path Attributes field buf[start, end) (syntax only, STYLE.md "Two stages").
 * Every problem becomes a BgpError value with its RFC 7606 action; nothing here throws on
 * peer input. The caller decides what the strongest action means for the UPDATE.
 * `wireView` (decode only, never a session): unrecognized types of any flags go to `unknown`
 * instead of being dropped (optional non-transitive, RFC 4271 5) or reset (well-known, 6.3).
 */
export function decodeAttributes(
  buf: Uint8Array,
  start: number,
  end: number,
  ctx: CodecContext,
  wireView = false,
): DecodedAttributes {
  const out: MutableAttributes = {};
  const errors: BgpError[] = [];
  let unknown: UnknownAttr[] | undefined;
  generation = (generation + 1) >>> 0;
  if (generation === 0) {
    seen.fill(0);
    generation = 1;
  }
  let i = start;
  while (i < end) {
    // RFC 4271 4.3: flags, type, then 1 or 2 length octets (Extended Length bit).
    const flags = buf[i]!;
    const hdr = flags & FLAG_EXTENDED ? 4 : 3;
    if (i + hdr > end) {
      // RFC 7606 4: the attribute cannot be framed; the NLRI can still be found, so
      // treat-as-withdraw (the caller escalates if MP NLRI may be lost).
      errors.push(
        err(
          UpdateSubcode.AttributeLengthError,
          'attribute header runs past the attributes',
          buf.subarray(i, end),
          'treat-as-withdraw',
        ),
      );
      break;
    }
    const type = buf[i + 1]!;
    const len = hdr === 4 ? (buf[i + 2]! << 8) | buf[i + 3]! : buf[i + 2]!;
    const s = i + hdr;
    const e = s + len;
    if (e > end) {
      errors.push(
        err(
          UpdateSubcode.AttributeLengthError,
          `attribute ${type} length ${len} runs past the attributes`,
          buf.subarray(i, end),
          'treat-as-withdraw',
        ),
      ); // RFC 7606 4
      break;
    }
    const data = buf.subarray(i, e); // RFC 4271 6.3: the erroneous attribute (type, length, value)
    i = e;
    if (seen[type] === generation) {
      // RFC 7606 3 (g): repeated MP_REACH/MP_UNREACH reset the session; others: keep the first.
      if (type === AttrType.MpReach || type === AttrType.MpUnreach) {
        errors.push(err(UpdateSubcode.MalformedAttributeList, `duplicate attribute ${type}`, data, 'session-reset'));
      } else {
        errors.push(
          err(UpdateSubcode.MalformedAttributeList, `duplicate attribute ${type} discarded`, data, 'attribute-discard'),
        );
      }
      continue;
    }
    seen[type] = generation;
    const spec = ATTRIBUTES[type];
    if (spec === undefined) {
      if (wireView) {
        // `vroute decode` (contract 1): every type the table does not name is shown as sent,
        // whatever its flags claim. Whether a session would accept it is the session's verdict
        // (below), not the decoder's.
        (unknown ??= []).push({ type, flags, value: buf.subarray(s, e) });
      } else if ((flags & FLAG_OPTIONAL) === 0) {
        // RFC 4271 6.3: an unrecognized well-known attribute.
        errors.push(
          err(
            UpdateSubcode.UnrecognizedWellKnownAttribute,
            `unrecognized well-known attribute ${type}`,
            data,
            'session-reset',
          ),
        );
      } else if (flags & FLAG_TRANSITIVE) {
        // RFC 4271 5: unrecognized optional transitive attributes are kept and passed on.
        (unknown ??= []).push({ type, flags, value: buf.subarray(s, e) });
      } // else: optional non-transitive, quietly ignored (RFC 4271 5).
      continue;
    }
    // RFC 7606 3 (c): Optional/Transitive bits in conflict with the type: treat-as-withdraw.
    // RFC 4271 4.3: Partial is only for optional transitive attributes. The value is still
    // decoded, so MP_REACH/MP_UNREACH NLRI can be withdrawn.
    if (
      (flags & (FLAG_OPTIONAL | FLAG_TRANSITIVE)) !== spec.flags ||
      ((flags & FLAG_PARTIAL) !== 0 && spec.flags !== OPT_TRANSITIVE)
    ) {
      errors.push(
        err(UpdateSubcode.AttributeFlagsError, `${spec.name} flags 0x${flags.toString(16)}`, data, 'treat-as-withdraw'),
      );
    }
    const r = spec.decode(buf, s, e, ctx, out);
    if (r === undefined) continue;
    errors.push(
      typeof r === 'string'
        ? err(spec.subcode, `${spec.name}: ${r}`, data, spec.onMalformed)
        : new BgpError(r.code, r.subcode, r.message, data, r.action),
    );
  }
  if (unknown !== undefined) out.unknown = unknown;
  return { attrs: out, errors };
}

/** The strongest action among errors, or undefined when there are none (RFC 7606 3). */
export function strongestAction(errors: readonly BgpError[]): ErrorAction | undefined {
  let a: ErrorAction | undefined;
  for (const e of errors) a = a === undefined ? e.action : strongerAction(a, e.action);
  return a;
}

function writeAttr(parts: Uint8Array[], flags: number, type: number, v: Uint8Array, keepExtended = false): void {
  // RFC 4271 4.3: Extended Length when the value needs it, or (an attribute passed on as it
  // came) when the sender used it: a 2-octet length is valid for any size.
  const ext = v.length > 255 || (keepExtended && (flags & FLAG_EXTENDED) !== 0);
  const hdr = ext
    ? Uint8Array.of(flags | FLAG_EXTENDED, type, v.length >>> 8, v.length & 0xff)
    : Uint8Array.of(flags & ~FLAG_EXTENDED, type, v.length);
  parts.push(hdr, v);
}

export interface EncodeOptions {
  /**
   * Passing attributes on to another peer: set Partial on unrecognized optional transitive
   * attributes (RFC 4271 5). Off by default so encode(decode(x)) reproduces x.
   */
  readonly propagate?: boolean;
}

const wide = (asn: number): boolean => asn > 0xffff;

/**
 * RFC 6793 4.2.2: to a 2-octet session, ASNs that do not fit go out as AS_TRANS with the
 * real path in AS4_PATH / AS4_AGGREGATOR. Applied only when needed, so a set already in
 * 2-octet form (AS_TRANS + AS4_*) encodes unchanged; never truncates an ASN silently.
 */
function forTwoOctet(a: PathAttributes): PathAttributes {
  const pathWide = a.asPath?.some((g) => g.asns.some(wide)) ?? false;
  const aggWide = a.aggregator !== undefined && wide(a.aggregator.asn);
  if (!pathWide && !aggWide) return a;
  const two = splitAs4(a.asPath ?? [], a.aggregator);
  const out: MutableAttributes = { ...a };
  if (a.asPath !== undefined) out.asPath = two.asPath;
  if (pathWide) out.as4Path = two.as4Path;
  if (aggWide) {
    out.aggregator = two.aggregator;
    out.as4Aggregator = two.as4Aggregator;
  }
  return out;
}

/** Encodes the Path Attributes field: MP_* first, then ascending type order. */
export function encodeAttributes(attrs: PathAttributes, ctx: CodecContext, opts: EncodeOptions = {}): Uint8Array {
  const a = ctx.fourOctetAs ? attrs : forTwoOctet(attrs);
  const parts: Uint8Array[] = [];
  const unknown = [...(a.unknown ?? [])].sort((x, y) => x.type - y.type);
  let u = 0;
  for (const type of ENCODE_ORDER) {
    if (type !== AttrType.MpReach && type !== AttrType.MpUnreach) {
      for (; u < unknown.length && unknown[u]!.type < type; u++) writeUnknown(parts, unknown[u]!, opts);
    }
    const spec = ATTRIBUTES[type]!;
    const v = spec.encode(a, ctx);
    if (v !== undefined) writeAttr(parts, spec.flags, type, v);
  }
  for (; u < unknown.length; u++) writeUnknown(parts, unknown[u]!, opts);
  return concatBytes(parts);
}

function writeUnknown(parts: Uint8Array[], x: UnknownAttr, opts: EncodeOptions): void {
  const partial = opts.propagate && (x.flags & FLAG_TRANSITIVE) !== 0 ? FLAG_PARTIAL : 0;
  writeAttr(parts, x.flags | partial, x.type, x.value, true);
}
