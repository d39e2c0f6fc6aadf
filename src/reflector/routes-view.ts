// The Loc-RIB as the HTTP API's /routes shows it (DESIGN.md contract 3): one JSON object per
// path, attributes in the operator's notation (dotted IDs, AS paths with {sets}, high:low
// communities), best and stale flags.
import { ipv4ToString, parseFamilyName, type Family } from '../bgp/messages';
import type { Rib, Route } from '../rib';

const ORIGIN_NAMES = ['IGP', 'EGP', 'INCOMPLETE'];

/** Best paths of a family, or every path of one prefix when `prefix` is given. */
export function locRibRoutes(ribs: ReadonlyMap<Family, Rib>, family: string, prefix?: string): Array<Record<string, unknown>> {
  const f = parseFamilyName(family);
  const rib = f === undefined ? undefined : ribs.get(f);
  if (!rib) throw new RangeError(`unknown family ${JSON.stringify(family)} (expected ipv4-unicast or ipv6-unicast)`);
  const out: Array<Record<string, unknown>> = [];
  if (prefix !== undefined) {
    const id = rib.findText(prefix);
    if (id < 0) return out;
    const best = rib.bestOf(id);
    for (const r of rib.routesOf(id)) out.push(routeJson(rib.prefixes.format(id), r, r === best || r.slot === best?.slot));
    return out;
  }
  rib.forEachBest((id, best) => out.push(routeJson(rib.prefixes.format(id), best, true)));
  return out;
}

export function routeJson(prefix: string, r: Route, best: boolean): Record<string, unknown> {
  const a = r.attrs;
  const o: Record<string, unknown> = {
    prefix,
    nextHop: a.nextHop,
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
  if (a.originatorId !== undefined) o.originatorId = ipv4ToString(a.originatorId);
  if (a.clusterList?.length) o.clusterList = a.clusterList.map(ipv4ToString);
  return o;
}
