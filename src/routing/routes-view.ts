// The Loc-RIB as the HTTP API's /routes shows it (DESIGN.md contract 3): one JSON object per
// path, attributes in the operator's notation (dotted IDs, AS paths with {sets}, high:low
// communities), best and stale flags. The full-table view is a lazy walk by prefix id: the
// API reads it in chunks between event-loop turns (src/observability json-stream.ts), so a
// 1M-route table is never one array or one string. Routes that change during the walk show
// as they are when it reaches them (a prefix withdrawn and re-added meanwhile may be missed
// or seen twice), as a `show route` of a live router would.
import { parseFamilyName, type Family } from '../bgp/messages';
import { formatIpv4 } from '../net';
import { nextHopText, parsePrefix, type PeerTable, type Rib, type Route } from '../rib';

const ORIGIN_NAMES = ['IGP', 'EGP', 'INCOMPLETE'];

function ribOf(ribs: ReadonlyMap<Family, Rib>, family: string): Rib {
  const f = parseFamilyName(family);
  const rib = f === undefined ? undefined : ribs.get(f);
  if (!rib) throw new RangeError(`unknown family ${JSON.stringify(family)} (expected ipv4-unicast or ipv6-unicast)`);
  return rib;
}

/**
 * Best paths of a family, or every path of one prefix when `prefix` is given. Throws
 * RangeError at once (not at the first read) for an unknown family or a malformed prefix.
 */
export function locRibRoutes(
  ribs: ReadonlyMap<Family, Rib>,
  family: string,
  prefix?: string,
): Iterable<Record<string, unknown>> {
  const rib = ribOf(ribs, family);
  if (prefix !== undefined) {
    if (parsePrefix(prefix, rib.family) === undefined) {
      throw new RangeError(
        `prefix ${JSON.stringify(prefix)} is not ${family === 'ipv6-unicast' ? 'an IPv6 prefix like 2001:db8::/32' : 'an IPv4 prefix like 10.0.0.0/24'}`,
      );
    }
    const out: Array<Record<string, unknown>> = [];
    const id = rib.findText(prefix);
    if (id < 0) return out;
    const best = rib.bestOf(id);
    for (const r of rib.routesOf(id))
      out.push(routeJson(rib.prefixes.format(id), r, r === best || r.slot === best?.slot));
    return out;
  }
  return walkBest(rib);
}

function* walkBest(rib: Rib): Generator<Record<string, unknown>> {
  // The bound is read on every step: the table may grow while the walk waits between chunks.
  for (let p = 0; p < rib.prefixIdLimit; p++) {
    const best = rib.bestOf(p);
    if (best) yield routeJson(rib.prefixes.format(p), best, true);
  }
}

/** Paths received and not kept, with the reason: at most `limit` (the record is for eyes). */
export function rejectedRoutes(
  ribs: ReadonlyMap<Family, Rib>,
  peers: PeerTable,
  family: string,
  limit = 1000,
): Array<Record<string, unknown>> {
  const rib = ribOf(ribs, family);
  const out: Array<Record<string, unknown>> = [];
  rib.forEachRejected((peer, prefix, pathId, reason) => {
    if (out.length >= limit) return;
    const o: Record<string, unknown> = { prefix: rib.prefixes.format(prefix), from: peers.get(peer).address, reason };
    if (pathId) o.pathId = pathId;
    out.push(o);
  });
  return out;
}

export function routeJson(prefix: string, r: Route, best: boolean): Record<string, unknown> {
  const a = r.attrs;
  const o: Record<string, unknown> = {
    prefix,
    nextHop: nextHopText(a.nextHop),
    asPath: a.asPath.map((s) => (s.type === 1 ? `{${s.asns.join(',')}}` : s.asns.join(' '))).join(' '),
    origin: ORIGIN_NAMES[a.origin] ?? String(a.origin),
    from: r.peer.address,
    best,
  };
  if (r.pathId) o.pathId = r.pathId;
  if (r.stale) o.stale = true; // RFC 4724 / RFC 7313: kept from a lost session or a refresh
  if (a.localPref !== undefined) o.localPref = a.localPref;
  if (a.med !== undefined) o.med = a.med;
  if (a.communities?.length) o.communities = a.communities.map((c) => `${c >>> 16}:${c & 0xffff}`);
  if (a.originatorId !== undefined) o.originatorId = formatIpv4(a.originatorId);
  if (a.clusterList?.length) o.clusterList = a.clusterList.map(formatIpv4);
  return o;
}
