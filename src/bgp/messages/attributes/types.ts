// Path attribute values as the decoder produces them (RFC 4271 4.3, 5) and the encoder takes:
// the wire's own values, not a text form. IPv4 addresses and BGP identifiers (NEXT_HOP,
// AGGREGATOR's address, ORIGINATOR_ID, CLUSTER_LIST) are uint32 numbers like AS numbers, MED,
// LOCAL_PREF and communities; EXTENDED_COMMUNITIES, MP next hops and unknown attributes stay
// raw octets; NLRI inside MP_REACH/MP_UNREACH stay raw (see ../nlri.ts). Text (contract 1 of
// DESIGN.md) is made only for `vroute decode`, by json.ts.
import type { NlriBlock } from '../nlri';

/** Attribute type codes (IANA "BGP Path Attributes"). */
export const enum AttrType {
  Origin = 1, // RFC 4271 5.1.1
  AsPath = 2, // RFC 4271 5.1.2
  NextHop = 3, // RFC 4271 5.1.3
  Med = 4, // RFC 4271 5.1.4
  LocalPref = 5, // RFC 4271 5.1.5
  AtomicAggregate = 6, // RFC 4271 5.1.6
  Aggregator = 7, // RFC 4271 5.1.7
  Communities = 8, // RFC 1997
  OriginatorId = 9, // RFC 4456 8
  ClusterList = 10, // RFC 4456 8
  MpReach = 14, // RFC 4760 3
  MpUnreach = 15, // RFC 4760 4
  ExtCommunities = 16, // RFC 4360
  As4Path = 17, // RFC 6793
  As4Aggregator = 18, // RFC 6793
  LargeCommunities = 32, // RFC 8092
}

/** Attribute flag bits, RFC 4271 4.3. */
export const FLAG_OPTIONAL = 0x80;
export const FLAG_TRANSITIVE = 0x40;
export const FLAG_PARTIAL = 0x20;
export const FLAG_EXTENDED = 0x10;
export const WELL_KNOWN = FLAG_TRANSITIVE; // well-known attributes are transitive (RFC 4271 5)
export const OPT_TRANSITIVE = FLAG_OPTIONAL | FLAG_TRANSITIVE;
export const OPT_NON_TRANSITIVE = FLAG_OPTIONAL;

/** ORIGIN values, RFC 4271 4.3 (a). */
export const ORIGIN_NAMES = ['IGP', 'EGP', 'INCOMPLETE'] as const;

/** AS_PATH segment types: RFC 4271 4.3 (b) and RFC 5065 3 (confederations). */
export const enum SegmentType {
  AsSet = 1,
  AsSequence = 2,
  ConfedSequence = 3,
  ConfedSet = 4,
}
export const SEGMENT_NAMES: Readonly<Record<number, string>> = {
  1: 'AS_SET',
  2: 'AS_SEQUENCE',
  3: 'AS_CONFED_SEQUENCE',
  4: 'AS_CONFED_SET',
};

export interface AsSegment {
  readonly type: number;
  readonly asns: readonly number[];
}

export interface Aggregator {
  readonly asn: number;
  /** The aggregating speaker's IPv4 address as uint32 (RFC 4271 5.1.7). */
  readonly address: number;
}

export interface MpReach {
  readonly afi: number;
  readonly safi: number;
  /** The Network Address of Next Hop field as sent (RFC 4760 3); see mpNextHops(). */
  readonly nextHop: Uint8Array;
  readonly nlri: NlriBlock;
}

export interface MpUnreach {
  readonly afi: number;
  readonly safi: number;
  readonly withdrawn: NlriBlock;
}

/** An attribute we do not interpret, kept as sent (flags: the whole octet as received). */
export interface UnknownAttr {
  readonly type: number;
  readonly flags: number;
  readonly value: Uint8Array;
}

export interface PathAttributes {
  readonly origin?: number;
  readonly asPath?: readonly AsSegment[];
  /** IPv4 NEXT_HOP as uint32 (RFC 4271 5.1.3). */
  readonly nextHop?: number;
  readonly med?: number;
  readonly localPref?: number;
  readonly atomicAggregate?: boolean;
  readonly aggregator?: Aggregator;
  readonly communities?: readonly number[];
  /** RFC 4456 8: BGP identifiers as uint32, CLUSTER_LIST nearest first. */
  readonly originatorId?: number;
  readonly clusterList?: readonly number[];
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
  /** The EXTENDED_COMMUNITIES value as sent: 8 octets per community, wire order (RFC 4360 2). */
  readonly extCommunities?: Uint8Array;
  readonly as4Path?: readonly AsSegment[];
  readonly as4Aggregator?: Aggregator;
  readonly largeCommunities?: readonly (readonly [number, number, number])[];
  readonly unknown?: readonly UnknownAttr[];
}

export type MutableAttributes = { -readonly [K in keyof PathAttributes]: PathAttributes[K] };
