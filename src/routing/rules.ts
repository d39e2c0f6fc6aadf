// RFC 4456 route reflection rules and loop prevention, pure functions over the RIB's types.
// Who may hear what (section 6), what is dropped on receipt (section 8, and RFC 4271 9.1.2's
// AS-path loop check), and which received attributes an eBGP peer may not set.
import {
  SegmentType,
  type AttrSet,
  type AttrStore,
  type PeerInfo,
  type PrefixId,
  type PrefixIndex,
  type RouteAttrs,
} from '../rib';

export type PeerRole = 'ebgp' | 'ibgp-client' | 'ibgp-nonclient';

/** Who we are on every session. Without clusterId we are a plain (non-reflecting) speaker. */
export interface LocalIdentity {
  readonly asn: number;
  /** Our BGP identifier as uint32. */
  readonly routerId: number;
  /** RFC 4456 7: the CLUSTER_ID, uint32; defaults to routerId where reflection is on. */
  readonly clusterId?: number;
  /** A stub such as a node agent: towards eBGP peers only the routes it originates (no transit). */
  readonly ownRoutesOnlyToEbgp?: boolean;
}

export function roleOf(peer: PeerInfo): PeerRole {
  if (!peer.ibgp) return 'ebgp';
  return peer.rrClient ? 'ibgp-client' : 'ibgp-nonclient';
}

/**
 * May a route learned from a peer of role `from` ('local': originated by us) be advertised
 * to a peer of role `to`? RFC 4271 9.2: iBGP-learned routes are not sent to iBGP peers;
 * RFC 4456 6 relaxes that on a reflector:
 *   a) from a non-client: reflect to clients only;
 *   b) from a client: reflect to all clients and non-clients;
 *   c) from an eBGP peer: to all clients and non-clients.
 * (Never back to the peer it came from: the update group excludes the source peer.)
 */
export function mayAdvertise(from: PeerRole | 'local', to: PeerRole, reflector: boolean): boolean {
  if (to === 'ebgp' || from === 'local' || from === 'ebgp') return true;
  if (!reflector) return false; // RFC 4271 9.2: no iBGP -> iBGP without reflection
  if (from === 'ibgp-client') return true; // RFC 4456 6 b)
  return to === 'ibgp-client'; // RFC 4456 6 a)
}

/** RFC 4456 8: a route carrying our cluster ID, or our router ID as originator, looped. */
export function isReflectionLoop(local: LocalIdentity, a: RouteAttrs): boolean {
  if (a.originatorId !== undefined && a.originatorId === local.routerId) return true;
  const cluster = local.clusterId ?? local.routerId;
  return a.clusterList !== undefined && a.clusterList.includes(cluster);
}

/** RFC 4271 9.1.2: a route whose AS_PATH holds our own AS is a loop (any segment type). */
export function hasAsLoop(asn: number, a: RouteAttrs): boolean {
  for (const seg of a.asPath) {
    if (seg.type === SegmentType.ConfedSequence || seg.type === SegmentType.ConfedSet) continue;
    if (seg.asns.includes(asn)) return true;
  }
  return false;
}

/** Strips the interned-set fields, leaving plain attributes to rewrite. */
export function plainAttrs(a: RouteAttrs): RouteAttrs {
  const { id: _i, key: _k, asPathLength: _l, neighborAs: _n, ...plain } = a as AttrSet;
  return plain;
}

/**
 * The receive-side rules as a Rib import filter:
 * - from iBGP: drop RFC 4456 8 loops (our cluster ID in CLUSTER_LIST, our ORIGINATOR_ID);
 * - from eBGP: drop AS-path loops; ignore LOCAL_PREF (RFC 4271 5.1.5) and discard
 *   ORIGINATOR_ID / CLUSTER_LIST (RFC 7606 7.9, 7.10: not expected from external peers).
 * Rewritten sets are interned and cached per input set.
 */
export function receiveFilter(
  local: LocalIdentity,
  store: AttrStore,
): (peer: PeerInfo, ix: PrefixIndex, id: PrefixId, attrs: AttrSet) => AttrSet | undefined {
  const cleaned = new WeakMap<AttrSet, AttrSet>();
  return (peer, _ix, _id, attrs) => {
    if (peer.ibgp) return isReflectionLoop(local, attrs) ? undefined : attrs;
    if (hasAsLoop(local.asn, attrs)) return undefined;
    if (attrs.localPref === undefined && attrs.originatorId === undefined && attrs.clusterList === undefined)
      return attrs;
    const hit = cleaned.get(attrs);
    if (hit && store.isLive(hit)) return hit;
    const out = store.intern({
      ...plainAttrs(attrs),
      localPref: undefined,
      originatorId: undefined,
      clusterList: undefined,
    });
    cleaned.set(attrs, out);
    return out;
  };
}
