// Path attributes as contract 1 of DESIGN.md prints them (`vroute decode`): keys only when
// the attribute is present, addresses in canonical text, AS_PATH as on the wire. The decoded
// values are the wire's numbers and octets; this is the only place they become text.
import { blockStrings } from '../nlri';
import { formatIpv4 } from '../../../net';
import { mpNextHops } from './mp';
import { ORIGIN_NAMES, SEGMENT_NAMES, type AsSegment, type Aggregator, type PathAttributes } from './types';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

function pathJson(segs: readonly AsSegment[]): unknown[] {
  return segs.map((s) => ({ type: SEGMENT_NAMES[s.type] ?? String(s.type), asns: [...s.asns] }));
}

/** RFC 4360 2: each 8-octet community as 16 lower-case hex digits, in wire order. */
export function extCommunityStrings(v: Uint8Array): string[] {
  const h = hex(v);
  const out: string[] = [];
  for (let i = 0; i + 16 <= h.length; i += 16) out.push(h.slice(i, i + 16));
  return out;
}

function aggJson(g: Aggregator): unknown {
  return { asn: g.asn, address: formatIpv4(g.address) };
}

/** Contract order: origin, asPath, as4Path, as4Aggregator, nextHop, ... mpUnreach, unknown. */
export function attributesToJson(a: PathAttributes): Record<string, unknown> {
  const j: Record<string, unknown> = {};
  if (a.origin !== undefined) j.origin = ORIGIN_NAMES[a.origin] ?? String(a.origin);
  if (a.asPath !== undefined) j.asPath = pathJson(a.asPath);
  if (a.as4Path !== undefined) j.as4Path = pathJson(a.as4Path);
  if (a.as4Aggregator !== undefined) j.as4Aggregator = aggJson(a.as4Aggregator);
  if (a.nextHop !== undefined) j.nextHop = formatIpv4(a.nextHop);
  if (a.med !== undefined) j.med = a.med;
  if (a.localPref !== undefined) j.localPref = a.localPref;
  if (a.atomicAggregate) j.atomicAggregate = true;
  if (a.aggregator !== undefined) j.aggregator = aggJson(a.aggregator);
  // RFC 1997: high:low 16-bit halves, in wire order.
  if (a.communities !== undefined) j.communities = a.communities.map((c) => `${c >>> 16}:${c & 0xffff}`);
  if (a.originatorId !== undefined) j.originatorId = formatIpv4(a.originatorId);
  if (a.clusterList !== undefined) j.clusterList = a.clusterList.map(formatIpv4);
  if (a.extCommunities !== undefined) j.extCommunities = extCommunityStrings(a.extCommunities);
  if (a.largeCommunities !== undefined) j.largeCommunities = a.largeCommunities.map((c) => c.join(':'));
  if (a.mpReach !== undefined) {
    const m = a.mpReach;
    const o: Record<string, unknown> = {
      afi: m.afi,
      safi: m.safi,
      nextHops: mpNextHops(m),
      nlri: blockStrings(m.nlri),
    };
    if (m.nlri.count < 0) o.nlriHex = hex(m.nlri.bytes); // a family we do not parse
    j.mpReach = o;
  }
  if (a.mpUnreach !== undefined) {
    const m = a.mpUnreach;
    const o: Record<string, unknown> = { afi: m.afi, safi: m.safi, withdrawn: blockStrings(m.withdrawn) };
    if (m.withdrawn.count < 0) o.withdrawnHex = hex(m.withdrawn.bytes);
    j.mpUnreach = o;
  }
  if (a.unknown !== undefined) j.unknown = a.unknown.map((u) => ({ type: u.type, flags: u.flags, hex: hex(u.value) }));
  return j;
}
