// An operator's soft reset of one session (POST /refresh, `vroute refresh`): `in` asks the
// peer for its routes again with a ROUTE-REFRESH (RFC 2918; the peer frames the answer with
// BoRR/EoRR under RFC 7313 and stale paths are dropped at the EoRR), `out` sends it ours
// again. The session stays up either way: this is what route refresh exists for.
import { familyAfi, familySafi, parseFamilyName } from '../bgp/messages';
import type { Speaker } from '../bgp/fsm';
import { ApiRequestError, type RefreshRequest } from '../observability';
import type { RoutingEngine } from './engine';

export function softReset(speaker: Speaker, engine: RoutingEngine, r: RefreshRequest): Record<string, unknown> {
  const f = parseFamilyName(r.family);
  if (f === undefined)
    throw new ApiRequestError(
      400,
      `unknown family ${JSON.stringify(r.family)} (expected ipv4-unicast or ipv6-unicast)`,
    );
  const peer = speaker.peer(r.peer);
  if (!peer) throw new ApiRequestError(404, `no session with ${r.peer} (see /status for the peers)`);
  const n = peer.negotiated;
  if (peer.state !== 'Established' || !n)
    throw new ApiRequestError(409, `the session with ${r.peer} is ${peer.state}, not Established`);
  if (!n.families.includes(f)) throw new ApiRequestError(409, `the session with ${r.peer} does not carry ${r.family}`);
  if (r.direction === 'in') {
    // RFC 2918 4: only a peer that announced the capability may be sent a ROUTE-REFRESH.
    if (!n.routeRefresh)
      throw new ApiRequestError(
        409,
        `${r.peer} did not announce route refresh (RFC 2918): only a session reset would bring its routes again`,
      );
    peer.sendRouteRefresh(familyAfi(f), familySafi(f));
    return {
      peer: r.peer,
      family: r.family,
      direction: 'in',
      sent: n.enhancedRouteRefresh ? 'ROUTE-REFRESH (enhanced, RFC 7313)' : 'ROUTE-REFRESH',
    };
  }
  if (!engine.resend(r.peer, f))
    throw new ApiRequestError(409, `the session with ${r.peer} is not ready to be sent ${r.family}`);
  return {
    peer: r.peer,
    family: r.family,
    direction: 'out',
    sent: n.enhancedRouteRefresh ? 'BoRR, routes, EoRR' : 'routes',
  };
}
