/**
 * src/bgp/messages/attributes: UPDATE path attributes (RFC 4271 4.3, 5).
 *
 * DOC: one table (table.ts, BIRD's bgp_attr_table[] idea) holds a record per type code: name,
 * expected Optional/Transitive flags, the RFC 7606 action when the value is malformed, and
 * decode / encode hooks (basic.ts for fixed shapes, as-path.ts for AS_PATH / AS4_PATH,
 * mp.ts for MP_REACH_NLRI / MP_UNREACH_NLRI). decodeAttributes runs the generic checks once
 * (framing and overruns: RFC 7606 4; duplicates: 3 (g); flags: 3 (c); unknown types:
 * RFC 4271 5 and 6.3) and then the hook, returning values plus BgpError values, never
 * throwing. encodeAttributes writes MP_* first (RFC 7606 5.1), then ascending type codes.
 * Decoded values are the wire's (types.ts): uint32 for addresses, IDs and numbers, raw octets
 * for EXTENDED_COMMUNITIES, MP next hops and unknown attributes; sessions and the RIB use them
 * as they are. json.ts alone makes text: it prints contract 1 of DESIGN.md; for it, `vroute
 * decode` decodes in wire view
 * (every type the table does not name kept in `unknown` whatever its flags), which no
 * session uses.
 *
 * RFCs: 4271, 1997 (communities), 4360 (extended), 8092 (large), 4456 (ORIGINATOR_ID,
 * CLUSTER_LIST), 4760 + 2545 + 8950 (multiprotocol, IPv6 next hops), 6793 (AS4_*),
 * 5065 (confederation segments), 7606 (error handling), 7911 (ADD-PATH NLRI).
 */
export * from './types';
export { ATTRIBUTES, decodeAttributes, encodeAttributes, strongestAction } from './table';
export type { AttrSpec, DecodedAttributes, EncodeOptions } from './table';
export { mpNextHops } from './mp';
export { attributesToJson, extCommunityStrings } from './json';
export { asPathLength } from './as-path';
