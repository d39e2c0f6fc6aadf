// Attribute rewriting on export, per RFC 4456 (reflection) and RFC 4271 5.1 (eBGP).
// Every result is a new interned set; inputs are never mutated. Cached per (group, input
// set, source peer) because ORIGINATOR_ID depends on the source peer's identifier.
import type { CodecContext, Family } from '../bgp/messages';
import {
  parseNextHop,
  SegmentType,
  type AsPathSegment,
  type AttrSet,
  type AttrStore,
  type PeerInfo,
  type PrefixId,
  type PrefixIndex,
  type RouteAttrs,
} from '../rib';
import { type LocalIdentity, mayAdvertise, type PeerRole, plainAttrs, roleOf } from './rules';

/** What an update group exports to: the parts of the export signature that shape attributes. */
export interface ExportTarget {
  readonly role: PeerRole;
  /** The target peers' AS (eBGP). */
  readonly asn: number;
  /** Our address on the group's sessions: the NEXT_HOP for eBGP (next hop self). */
  readonly localAddress?: string;
  readonly localAddressV6?: string;
}

/** RFC 1997 well-known communities. */
export const NO_EXPORT = 0xffffff01;
export const NO_ADVERTISE = 0xffffff02;
export const NO_EXPORT_SUBCONFED = 0xffffff03;

/**
 * RFC 1997: NO_ADVERTISE stops a route towards every peer; NO_EXPORT and
 * NO_EXPORT_SUBCONFED towards external peers (we run no confederation, so both mean "stay in
 * the AS").
 */
export function wellKnownBlocks(communities: readonly number[] | undefined, to: PeerRole): boolean {
  if (!communities) return false;
  for (const c of communities) {
    if (c === NO_ADVERTISE) return true;
    if (to === 'ebgp' && (c === NO_EXPORT || c === NO_EXPORT_SUBCONFED)) return true;
  }
  return false;
}

/** RFC 4271 5.1.2: prepend our AS, in the leading AS_SEQUENCE when it has room (255). */
export function prependAs(asn: number, path: readonly AsPathSegment[]): AsPathSegment[] {
  // RFC 5065 5.3: confederation segments are removed towards a peer outside the confederation.
  const rest = path.filter((s) => s.type !== SegmentType.ConfedSequence && s.type !== SegmentType.ConfedSet);
  const first = rest[0];
  if (first && first.type === SegmentType.AsSequence && first.asns.length < 255) {
    return [{ type: SegmentType.AsSequence, asns: [asn, ...first.asns] }, ...rest.slice(1)];
  }
  return [{ type: SegmentType.AsSequence, asns: [asn] }, ...rest];
}

/**
 * The attributes to send for a route learned from `from` (undefined: originated locally)
 * to a peer of `to`, or undefined when the rules forbid sending it.
 */
export function exportAttrs(
  local: LocalIdentity,
  from: PeerInfo | undefined,
  to: ExportTarget,
  a: RouteAttrs,
): RouteAttrs | undefined {
  const fromRole = from && from.local !== true ? roleOf(from) : 'local';
  const reflector = local.clusterId !== undefined;
  if (!mayAdvertise(fromRole, to.role, reflector)) return undefined;
  if (to.role === 'ebgp' && fromRole !== 'local' && local.ownRoutesOnlyToEbgp === true) return undefined;
  if (wellKnownBlocks(a.communities, to.role)) return undefined;
  const plain = plainAttrs(a);
  if (to.role === 'ebgp') {
    const self = a.nextHop.length === 16 ? to.localAddressV6 : to.localAddress;
    return {
      ...plain,
      asPath: prependAs(local.asn, a.asPath),
      // RFC 4271 5.1.3: next hop self towards external peers (ToR switches).
      nextHop: (self === undefined ? undefined : parseNextHop(self)) ?? a.nextHop,
      nextHopLinkLocal: undefined,
      // RFC 4271 5.1.4: a MED learned from another AS is not passed on to a third.
      med: fromRole === 'ebgp' ? undefined : a.med,
      // RFC 4271 5.1.5: LOCAL_PREF is not sent to external peers; RFC 4456 8:
      // ORIGINATOR_ID and CLUSTER_LIST are non-transitive and stay inside the AS.
      localPref: undefined,
      originatorId: undefined,
      clusterList: undefined,
    };
  }
  // iBGP: RFC 4271 5.1.5: LOCAL_PREF must be present; 5.1.3: next hop unchanged.
  const localPref = a.localPref ?? 100;
  if (fromRole === 'local' || fromRole === 'ebgp') return { ...plain, localPref };
  // Reflection, RFC 4456 8: ORIGINATOR_ID set to the originating peer's BGP identifier when
  // absent; our CLUSTER_ID prepended to CLUSTER_LIST (created when absent).
  const cluster = local.clusterId ?? local.routerId;
  return {
    ...plain,
    localPref,
    originatorId: a.originatorId ?? (from as PeerInfo).routerId,
    clusterList: [cluster, ...(a.clusterList ?? [])],
  };
}

const ROLE_NUM: Record<PeerRole, number> = { ebgp: 0, 'ibgp-client': 1, 'ibgp-nonclient': 2 };

/** exportAttrs with interning and a per-input-set cache (one Exporter per update group). */
export class Exporter {
  private readonly cache = new WeakMap<AttrSet, Map<number, AttrSet | null>>();

  constructor(
    private readonly store: AttrStore,
    readonly local: LocalIdentity,
    readonly target: ExportTarget,
  ) {}

  /** The interned set to send, or undefined when the route is not exported to this group. */
  export(from: PeerInfo | undefined, a: AttrSet): AttrSet | undefined {
    // The result depends on the source's role and router ID only (not its index, reused).
    const key = from === undefined || from.local === true ? -1 : from.routerId * 4 + ROLE_NUM[roleOf(from)];
    let m = this.cache.get(a);
    if (!m) {
      m = new Map();
      this.cache.set(a, m);
    }
    const hit = m.get(key);
    if (hit === null) return undefined;
    if (hit && this.store.isLive(hit)) return hit;
    const out = exportAttrs(this.local, from, this.target, a);
    const set = out ? this.store.intern(out) : undefined;
    m.set(key, set ?? null);
    return set;
  }
}

/** ADD-PATH send mode (RFC 7911): best path only, every path, or the best N. */
export type AddPathSend = 'none' | 'all' | number;

/** Everything that makes two peers' UPDATE streams identical. */
export interface ExportSignature {
  readonly family: Family;
  readonly target: ExportTarget;
  readonly addPath: AddPathSend;
  /** The send direction's codec context (4-octet AS, extended messages, ADD-PATH tx). */
  readonly ctx: CodecContext;
  /** Export policy (e.g. a Policy from src/rib/policy), part of the signature by name. */
  readonly exportPolicy?: ExportPolicy;
}

export interface ExportPolicy {
  readonly name: string;
  apply(ix: PrefixIndex, prefix: PrefixId, attrs: AttrSet): AttrSet | undefined;
}

export function signatureKey(s: ExportSignature): string {
  const t = s.target;
  return [
    s.family,
    t.role,
    t.asn,
    t.localAddress ?? '',
    t.localAddressV6 ?? '',
    s.addPath,
    s.ctx.fourOctetAs ? 4 : 2,
    s.ctx.extendedMessage ? 'x' : '',
    [...s.ctx.addPath].sort().join(','),
    s.exportPolicy?.name ?? '',
  ].join('|');
}
