// Decode/encode hooks for the fixed-shape attributes. Each decode hook gets the value octets
// buf[s, e) (framing, flags and duplicates were checked by the table) and returns undefined
// or a reason it is malformed; the table turns the reason into the RFC 7606 action.
import type { CodecContext } from '../types';
import type { BgpError } from '../errors';
import type { Aggregator, MutableAttributes, PathAttributes } from './types';
import { put16, put32, u16, u32, u32Bytes } from './bytes';

/** A reason string (the table applies the record's action) or a BgpError with its own action. */
export type DecodeHook = (
  b: Uint8Array,
  s: number,
  e: number,
  ctx: CodecContext,
  out: MutableAttributes,
) => string | BgpError | undefined;
export type EncodeHook = (a: PathAttributes, ctx: CodecContext) => Uint8Array | undefined;

// RFC 4271 5.1.1, RFC 7606 7.1: length 1, value 0..2.
export const decodeOrigin: DecodeHook = (b, s, e, _c, out) => {
  if (e - s !== 1) return `ORIGIN length ${e - s}`;
  if (b[s]! > 2) return `ORIGIN value ${b[s]}`;
  out.origin = b[s]!;
  return undefined;
};
export const encodeOrigin: EncodeHook = (a) => (a.origin === undefined ? undefined : Uint8Array.of(a.origin));

// RFC 4271 5.1.3, RFC 7606 7.3: exactly 4 octets.
export const decodeNextHop: DecodeHook = (b, s, e, _c, out) => {
  if (e - s !== 4) return `NEXT_HOP length ${e - s}`;
  out.nextHop = u32(b, s);
  return undefined;
};
export const encodeNextHop: EncodeHook = (a) => (a.nextHop === undefined ? undefined : u32Bytes(a.nextHop));

// RFC 7606 7.4 (MED), 7.5 (LOCAL_PREF): exactly 4 octets.
export const decodeMed: DecodeHook = (b, s, e, _c, out) => {
  if (e - s !== 4) return `MULTI_EXIT_DISC length ${e - s}`;
  out.med = u32(b, s);
  return undefined;
};
export const encodeMed: EncodeHook = (a) => (a.med === undefined ? undefined : u32Bytes(a.med));
export const decodeLocalPref: DecodeHook = (b, s, e, _c, out) => {
  if (e - s !== 4) return `LOCAL_PREF length ${e - s}`;
  out.localPref = u32(b, s);
  return undefined;
};
export const encodeLocalPref: EncodeHook = (a) => (a.localPref === undefined ? undefined : u32Bytes(a.localPref));

// RFC 7606 7.6: ATOMIC_AGGREGATE is empty.
export const decodeAtomic: DecodeHook = (_b, s, e, _c, out) => {
  if (e !== s) return `ATOMIC_AGGREGATE length ${e - s}`;
  out.atomicAggregate = true;
  return undefined;
};
export const encodeAtomic: EncodeHook = (a) => (a.atomicAggregate ? new Uint8Array(0) : undefined);

function aggregatorAt(b: Uint8Array, s: number, e: number, four: boolean): Aggregator | string {
  const want = four ? 8 : 6;
  if (e - s !== want) return `aggregator length ${e - s}, expected ${want}`;
  return four ? { asn: u32(b, s), address: u32(b, s + 4) } : { asn: u16(b, s), address: u32(b, s + 2) };
}
function aggregatorBytes(g: Aggregator, four: boolean): Uint8Array {
  const out = new Uint8Array(four ? 8 : 6);
  if (four) put32(out, 0, g.asn);
  else put16(out, 0, g.asn);
  put32(out, four ? 4 : 2, g.address);
  return out;
}

// RFC 4271 5.1.7 / RFC 6793 4: AS is 2 or 4 octets per session; RFC 7606 7.7: length 6 or 8.
export const decodeAggregator: DecodeHook = (b, s, e, ctx, out) => {
  const g = aggregatorAt(b, s, e, ctx.fourOctetAs);
  if (typeof g === 'string') return g;
  out.aggregator = g;
  return undefined;
};
export const encodeAggregator: EncodeHook = (a, ctx) =>
  a.aggregator === undefined ? undefined : aggregatorBytes(a.aggregator, ctx.fourOctetAs);

// RFC 6793 4.2.1: AS4_AGGREGATOR always has a 4-octet AS (length 8).
export const decodeAs4Aggregator: DecodeHook = (b, s, e, _c, out) => {
  const g = aggregatorAt(b, s, e, true);
  if (typeof g === 'string') return g;
  out.as4Aggregator = g;
  return undefined;
};
export const encodeAs4Aggregator: EncodeHook = (a) =>
  a.as4Aggregator === undefined ? undefined : aggregatorBytes(a.as4Aggregator, true);

function u32List(b: Uint8Array, s: number, e: number): number[] {
  const r: number[] = [];
  for (let i = s; i < e; i += 4) r.push(u32(b, i));
  return r;
}
function u32ListBytes(vs: readonly number[]): Uint8Array {
  const out = new Uint8Array(vs.length * 4);
  for (let i = 0; i < vs.length; i++) put32(out, i * 4, vs[i]);
  return out;
}

// RFC 1997, RFC 7606 7.8: a non-zero multiple of 4.
export const decodeCommunities: DecodeHook = (b, s, e, _c, out) => {
  if (e === s || (e - s) % 4 !== 0) return `COMMUNITIES length ${e - s}`;
  out.communities = u32List(b, s, e);
  return undefined;
};
export const encodeCommunities: EncodeHook = (a) =>
  a.communities === undefined ? undefined : u32ListBytes(a.communities);

// RFC 4456 8, RFC 7606 7.9: ORIGINATOR_ID is 4 octets.
export const decodeOriginatorId: DecodeHook = (b, s, e, _c, out) => {
  if (e - s !== 4) return `ORIGINATOR_ID length ${e - s}`;
  out.originatorId = u32(b, s);
  return undefined;
};
export const encodeOriginatorId: EncodeHook = (a) =>
  a.originatorId === undefined ? undefined : u32Bytes(a.originatorId);

// RFC 4456 8, RFC 7606 7.10: CLUSTER_LIST is a non-zero multiple of 4.
export const decodeClusterList: DecodeHook = (b, s, e, _c, out) => {
  if (e === s || (e - s) % 4 !== 0) return `CLUSTER_LIST length ${e - s}`;
  out.clusterList = u32List(b, s, e);
  return undefined;
};
export const encodeClusterList: EncodeHook = (a) =>
  a.clusterList === undefined ? undefined : u32ListBytes(a.clusterList);

// RFC 4360, RFC 7606 7.14: a non-zero multiple of 8.
export const decodeExtCommunities: DecodeHook = (b, s, e, _c, out) => {
  if (e === s || (e - s) % 8 !== 0) return `EXTENDED_COMMUNITIES length ${e - s}`;
  out.extCommunities = b.slice(s, e); // a copy: the frame's buffer is reused
  return undefined;
};
export const encodeExtCommunities: EncodeHook = (a) => {
  if (a.extCommunities === undefined) return undefined;
  if (a.extCommunities.length % 8 !== 0)
    throw new RangeError(`extended communities: ${a.extCommunities.length} octets`);
  return a.extCommunities;
};

// RFC 8092 3, 6: a non-zero multiple of 12 (treat-as-withdraw otherwise).
export const decodeLargeCommunities: DecodeHook = (b, s, e, _c, out) => {
  if (e === s || (e - s) % 12 !== 0) return `LARGE_COMMUNITY length ${e - s}`;
  const r: (readonly [number, number, number])[] = [];
  for (let i = s; i < e; i += 12) r.push([u32(b, i), u32(b, i + 4), u32(b, i + 8)] as const);
  out.largeCommunities = r;
  return undefined;
};
export const encodeLargeCommunities: EncodeHook = (a) =>
  a.largeCommunities === undefined ? undefined : u32ListBytes(a.largeCommunities.flat());
