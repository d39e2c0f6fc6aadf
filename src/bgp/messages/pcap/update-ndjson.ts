// The fast path of `vroute decode` for UPDATEs: one pass over the wire octets that writes the
// contract-1 line straight into the output buffer, with no decoded objects and no strings.
// It is an optimisation of decodeUpdate(wire view) + messageToJson + JSON.stringify, not a
// second definition: it takes only messages where every check those make passes (framing,
// RFC 7606 lengths and values, flags, no duplicates, prefix families whose NLRI parse) and
// returns false on anything else, leaving the caller to print the line the general path
// makes (an error line, or a line without a malformed attribute). Output for the messages it
// takes is byte for byte the general path's (test/bgp/messages/pcap/update-ndjson.test.ts).
import { ATTRIBUTES } from '../attributes/table';
import {
  AttrType,
  FLAG_EXTENDED,
  FLAG_OPTIONAL,
  FLAG_PARTIAL,
  FLAG_TRANSITIVE,
  OPT_TRANSITIVE,
} from '../attributes/types';
import { countNlri } from '../nlri';
import {
  HEADER_LENGTH,
  IPV4_UNICAST,
  MAX_EXTENDED_MESSAGE_LENGTH,
  MAX_MESSAGE_LENGTH,
  type CodecContext,
} from '../types';
import type { NdjsonOut } from './ndjson-out';
import {
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COMMA,
  QUOTE,
  communityList,
  ipv4Prefixes,
  prefixes,
  quotedIpv4List,
  segments,
  u16,
  u32,
} from './update-ndjson-values';
import { valueOk } from './update-ndjson-checks';

const ascii = (s: string): Uint8Array => Buffer.from(s, 'latin1');

/** Octets of output per octet of UPDATE at most (an empty unknown attribute: 3 -> 35). */
export const UPDATE_EXPANSION = 16;

// Attribute types this writer prints, with the Optional/Transitive bits the table expects.
// A type the table knows but this writer does not sends the message to the general path.
const HANDLED = new Set<number>([
  AttrType.Origin,
  AttrType.AsPath,
  AttrType.NextHop,
  AttrType.Med,
  AttrType.LocalPref,
  AttrType.AtomicAggregate,
  AttrType.Aggregator,
  AttrType.Communities,
  AttrType.OriginatorId,
  AttrType.ClusterList,
  AttrType.MpReach,
  AttrType.MpUnreach,
  AttrType.ExtCommunities,
  AttrType.As4Path,
  AttrType.As4Aggregator,
  AttrType.LargeCommunities,
]);
const UNKNOWN = -1; // no table entry: printed under "unknown" (contract 1)
const BAIL = -2; // in the table, not printed here
const EXPECT = new Int16Array(256).fill(UNKNOWN);
for (const [t, spec] of Object.entries(ATTRIBUTES)) EXPECT[Number(t)] = HANDLED.has(Number(t)) ? spec.flags : BAIL;

// Per-message scratch: where each attribute's value lies, duplicates by generation.
const vs = new Int32Array(256);
const ve = new Int32Array(256);
const seen = new Uint32Array(256);
let generation = 0;
let unknownAt = new Int32Array(64); // header offsets of unknown attributes, wire order

const K_TYPE = ascii('"type":"UPDATE","length":');
const K_WITHDRAWN = ascii(',"withdrawn":[');
const K_NLRI = ascii(',"nlri":[');
const K_ATTRIBUTES = ascii(',"attributes":{');
const K_ORIGIN = [ascii('"origin":"IGP"'), ascii('"origin":"EGP"'), ascii('"origin":"INCOMPLETE"')];
const K_AS_PATH = ascii('"asPath":[');
const K_AS4_PATH = ascii('"as4Path":[');
const K_AS4_AGGREGATOR = ascii('"as4Aggregator":{"asn":');
const K_AGGREGATOR = ascii('"aggregator":{"asn":');
const K_ADDRESS = ascii(',"address":"');
const K_NEXT_HOP = ascii('"nextHop":"');
const K_MED = ascii('"med":');
const K_LOCAL_PREF = ascii('"localPref":');
const K_ATOMIC = ascii('"atomicAggregate":true');
const K_COMMUNITIES = ascii('"communities":[');
const K_ORIGINATOR_ID = ascii('"originatorId":"');
const K_CLUSTER_LIST = ascii('"clusterList":[');
const K_EXT = ascii('"extCommunities":[');
const K_LARGE = ascii('"largeCommunities":[');
const K_MP_REACH = ascii('"mpReach":{"afi":');
const K_MP_UNREACH = ascii('"mpUnreach":{"afi":');
const K_SAFI = ascii(',"safi":');
const K_NEXT_HOPS = ascii(',"nextHops":[');
const K_MP_NLRI = ascii('],"nlri":[');
const K_MP_WITHDRAWN = ascii(',"withdrawn":[');
const K_UNKNOWN = ascii('"unknown":[');
const K_UNKNOWN_TYPE = ascii('{"type":');
const K_FLAGS = ascii(',"flags":');
const K_HEX = ascii(',"hex":"');

/** True when the message being written carries the (handled) type `t`. */
function has(t: number): boolean {
  return seen[t] === generation && EXPECT[t]! >= 0;
}

let keys = 0; // keys written so far in the current "attributes" object
function key(out: NdjsonOut, k: Uint8Array): void {
  if (keys++ > 0) out.byte(COMMA);
  out.bytes(k);
}

/**
 * Writes the line of one UPDATE `frame` (header included) after `head` (`{"src":..,"dst":..,`)
 * and returns true, or returns false having written nothing when the message is not one this
 * path takes. The caller reserved head.length + frame.length * UPDATE_EXPANSION + 256 octets.
 */
export function writeUpdateLine(out: NdjsonOut, head: Uint8Array, frame: Uint8Array, ctx: CodecContext): boolean {
  const end = frame.length;
  const max = ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
  if (end < HEADER_LENGTH + 4 || end > max || u16(frame, 16) !== end) return false;
  let i = HEADER_LENGTH;
  const wl = u16(frame, i);
  const wS = i + 2;
  const wE = wS + wl;
  if (wE + 2 > end) return false;
  const addPath4 = ctx.addPath.has(IPV4_UNICAST);
  const wCount = countNlri(frame, wS, wE, 32, addPath4);
  if (wCount < 0) return false;
  const al = u16(frame, wE);
  const aS = wE + 2;
  const aE = aS + al;
  if (aE > end) return false;
  const nCount = countNlri(frame, aE, end, 32, addPath4);
  if (nCount < 0) return false;

  // Attributes: frame, check, and note where each value lies (RFC 4271 4.3).
  generation = (generation + 1) >>> 0;
  if (generation === 0) {
    seen.fill(0);
    generation = 1;
  }
  let unknowns = 0;
  for (i = aS; i < aE; ) {
    const flags = frame[i]!;
    const hdr = flags & FLAG_EXTENDED ? 4 : 3;
    if (i + hdr > aE) return false;
    const type = frame[i + 1]!;
    const s = i + hdr;
    const e = s + (hdr === 4 ? u16(frame, i + 2) : frame[i + 2]!);
    if (e > aE || seen[type] === generation) return false;
    seen[type] = generation;
    const want = EXPECT[type]!;
    if (want === UNKNOWN) {
      // Contract 1: every type it does not name is shown, whatever its flags claim.
      if (unknowns === unknownAt.length) {
        const grown = new Int32Array(unknowns * 2);
        grown.set(unknownAt);
        unknownAt = grown;
      }
      unknownAt[unknowns++] = i;
    } else {
      if (want === BAIL) return false;
      // RFC 7606 3 (c), RFC 4271 4.3: flags as the table expects them, Partial only on optional transitive.
      if (
        (flags & (FLAG_OPTIONAL | FLAG_TRANSITIVE)) !== want ||
        ((flags & FLAG_PARTIAL) !== 0 && want !== OPT_TRANSITIVE)
      ) {
        return false;
      }
      if (!valueOk(type, frame, s, e, ctx)) return false;
      vs[type] = s;
      ve[type] = e;
    }
    i = e;
  }

  // Everything checked: write the line, keys in contract order.
  out.bytes(head);
  out.bytes(K_TYPE);
  out.uint(end);
  if (wCount > 0) {
    out.bytes(K_WITHDRAWN);
    ipv4Prefixes(out, frame, wS, wE, addPath4);
    out.byte(CLOSE_ARRAY);
  }
  if (nCount > 0) {
    out.bytes(K_NLRI);
    ipv4Prefixes(out, frame, aE, end, addPath4);
    out.byte(CLOSE_ARRAY);
  }
  if (al > 0) {
    out.bytes(K_ATTRIBUTES);
    keys = 0;
    if (has(AttrType.Origin)) key(out, K_ORIGIN[frame[vs[AttrType.Origin]!]!]!);
    if (has(AttrType.AsPath)) {
      key(out, K_AS_PATH);
      segments(out, frame, vs[AttrType.AsPath]!, ve[AttrType.AsPath]!, ctx.fourOctetAs ? 4 : 2);
      out.byte(CLOSE_ARRAY);
    }
    if (has(AttrType.As4Path)) {
      key(out, K_AS4_PATH);
      segments(out, frame, vs[AttrType.As4Path]!, ve[AttrType.As4Path]!, 4);
      out.byte(CLOSE_ARRAY);
    }
    if (has(AttrType.As4Aggregator)) {
      const s = vs[AttrType.As4Aggregator]!;
      key(out, K_AS4_AGGREGATOR);
      out.uint(u32(frame, s));
      out.bytes(K_ADDRESS);
      out.ipv4At(frame, s + 4);
      out.byte(QUOTE);
      out.byte(CLOSE_OBJECT);
    }
    if (has(AttrType.NextHop)) {
      key(out, K_NEXT_HOP);
      out.ipv4At(frame, vs[AttrType.NextHop]!);
      out.byte(QUOTE);
    }
    if (has(AttrType.Med)) {
      key(out, K_MED);
      out.uint(u32(frame, vs[AttrType.Med]!));
    }
    if (has(AttrType.LocalPref)) {
      key(out, K_LOCAL_PREF);
      out.uint(u32(frame, vs[AttrType.LocalPref]!));
    }
    if (has(AttrType.AtomicAggregate)) key(out, K_ATOMIC);
    if (has(AttrType.Aggregator)) {
      const s = vs[AttrType.Aggregator]!;
      key(out, K_AGGREGATOR);
      out.uint(ctx.fourOctetAs ? u32(frame, s) : u16(frame, s));
      out.bytes(K_ADDRESS);
      out.ipv4At(frame, s + (ctx.fourOctetAs ? 4 : 2));
      out.byte(QUOTE);
      out.byte(CLOSE_OBJECT);
    }
    if (has(AttrType.Communities)) {
      key(out, K_COMMUNITIES);
      communityList(out, frame, vs[AttrType.Communities]!, ve[AttrType.Communities]!, 4);
      out.byte(CLOSE_ARRAY);
    }
    if (has(AttrType.OriginatorId)) {
      key(out, K_ORIGINATOR_ID);
      out.ipv4At(frame, vs[AttrType.OriginatorId]!);
      out.byte(QUOTE);
    }
    if (has(AttrType.ClusterList)) {
      key(out, K_CLUSTER_LIST);
      quotedIpv4List(out, frame, vs[AttrType.ClusterList]!, ve[AttrType.ClusterList]!);
      out.byte(CLOSE_ARRAY);
    }
    if (has(AttrType.ExtCommunities)) {
      key(out, K_EXT);
      communityList(out, frame, vs[AttrType.ExtCommunities]!, ve[AttrType.ExtCommunities]!, 8);
      out.byte(CLOSE_ARRAY);
    }
    if (has(AttrType.LargeCommunities)) {
      key(out, K_LARGE);
      communityList(out, frame, vs[AttrType.LargeCommunities]!, ve[AttrType.LargeCommunities]!, 12);
      out.byte(CLOSE_ARRAY);
    }
    if (has(AttrType.MpReach)) {
      const s = vs[AttrType.MpReach]!;
      const afi = u16(frame, s);
      const safi = frame[s + 2]!;
      const nh = frame[s + 3]!;
      key(out, K_MP_REACH);
      out.uint(afi);
      out.bytes(K_SAFI);
      out.uint(safi);
      out.bytes(K_NEXT_HOPS);
      // One or two addresses (RFC 2545 3: global, then link-local), as mp.ts mpNextHops.
      out.byte(QUOTE);
      if (nh === 4) out.ipv4At(frame, s + 4);
      else out.ipv6At(frame, s + 4);
      out.byte(QUOTE);
      if (nh === 32) {
        out.byte(COMMA);
        out.byte(QUOTE);
        out.ipv6At(frame, s + 20);
        out.byte(QUOTE);
      }
      out.bytes(K_MP_NLRI);
      prefixes(out, afi, frame, s + 5 + nh, ve[AttrType.MpReach]!, ctx.addPath.has((afi << 8) | safi));
      out.byte(CLOSE_ARRAY);
      out.byte(CLOSE_OBJECT);
    }
    if (has(AttrType.MpUnreach)) {
      const s = vs[AttrType.MpUnreach]!;
      const afi = u16(frame, s);
      const safi = frame[s + 2]!;
      key(out, K_MP_UNREACH);
      out.uint(afi);
      out.bytes(K_SAFI);
      out.uint(safi);
      out.bytes(K_MP_WITHDRAWN);
      prefixes(out, afi, frame, s + 3, ve[AttrType.MpUnreach]!, ctx.addPath.has((afi << 8) | safi));
      out.byte(CLOSE_ARRAY);
      out.byte(CLOSE_OBJECT);
    }
    if (unknowns > 0) {
      key(out, K_UNKNOWN);
      for (let k = 0; k < unknowns; k++) {
        const at = unknownAt[k]!;
        const flags = frame[at]!;
        const hdr = flags & FLAG_EXTENDED ? 4 : 3;
        const len = hdr === 4 ? u16(frame, at + 2) : frame[at + 2]!;
        if (k > 0) out.byte(COMMA);
        out.bytes(K_UNKNOWN_TYPE);
        out.uint(frame[at + 1]!);
        out.bytes(K_FLAGS);
        out.uint(flags);
        out.bytes(K_HEX);
        out.hex(frame, at + hdr, at + hdr + len);
        out.byte(QUOTE);
        out.byte(CLOSE_OBJECT);
      }
      out.byte(CLOSE_ARRAY);
    }
    out.byte(CLOSE_OBJECT);
  }
  out.byte(CLOSE_OBJECT);
  out.byte(0x0a);
  return true;
}
