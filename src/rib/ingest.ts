// From a decoded UPDATE (src/bgp/messages) into the RIBs: the glue a session calls once per
// UPDATE, after decodeUpdate() and validateUpdate(). NLRI are walked as integers straight
// from the message bytes (no prefix objects); the path attributes become one interned
// AttrSet per UPDATE. RFC 7606 treat-as-withdraw turns every NLRI of the message into a
// withdrawal; End-of-RIB (RFC 4724 2) ends the peer's stale paths of that family.
import {
  AttrType,
  FLAG_OPTIONAL,
  FLAG_PARTIAL,
  FLAG_TRANSITIVE,
  family as familyOf,
  forEachIpv4,
  forEachIpv6,
  mergeAs4,
  type BgpError,
  type ErrorAction,
  type Family,
  type NlriBlock,
  type PathAttributes,
  type UpdateMessage,
} from '../bgp/messages';
import { ipv4Octets, type AttrSet, type AttrStore, type OpaqueAttr, type RouteAttrs } from './attrs';
import type { Rib } from './rib';

export interface IngestOptions {
  /** Both OPENs carried the 4-octet AS capability: no AS4_PATH merge (RFC 6793 4.1). */
  readonly fourOctetAs: boolean;
  /** validateUpdate()'s attributes (discarded ones removed); default: the decoder's. */
  readonly attributes?: PathAttributes;
  /** The strongest RFC 7606 action of decoder + validation; default: the decoder's. */
  readonly action?: ErrorAction;
  /** Why the NLRI are refused when the action is treat-as-withdraw (kept by Rib.reject). */
  readonly rejectReason?: string;
}

export interface IngestResult {
  readonly announced: number;
  readonly withdrawn: number;
  /** RFC 4486 Cease (max-prefix) to send; the rest of the UPDATE was not applied. */
  readonly error?: BgpError;
  /** The family whose End-of-RIB this was (its stale paths are gone). */
  readonly endOfRib?: Family;
}

const OPT_TRANS = FLAG_OPTIONAL | FLAG_TRANSITIVE;

/**
 * The RIB's view of decoded attributes: the codec's values as they are (uint32 IDs, raw
 * octets), no text on the way. AS_PATH/AGGREGATOR are the RFC 6793 4.2.3 merge; extended and
 * large communities travel as opaque optional transitive attributes (their wire values);
 * unknown optional transitive ones are kept with Partial set and unknown non-transitive ones
 * dropped (RFC 4271 5: what we pass on we did not understand).
 */
export function toRouteAttrs(
  a: PathAttributes,
  fourOctetAs: boolean,
  nextHop: Uint8Array,
  linkLocal?: Uint8Array,
): RouteAttrs {
  const merged = mergeAs4(a, fourOctetAs);
  const other: OpaqueAttr[] = [];
  if (a.extCommunities && a.extCommunities.length > 0) {
    other.push({ type: AttrType.ExtCommunities, flags: OPT_TRANS, value: a.extCommunities });
  }
  if (a.largeCommunities && a.largeCommunities.length > 0) {
    const v = new Uint8Array(a.largeCommunities.length * 12);
    const dv = new DataView(v.buffer);
    a.largeCommunities.forEach((c, i) => {
      c.forEach((x, j) => {
        dv.setUint32(i * 12 + j * 4, x >>> 0);
      });
    });
    other.push({ type: AttrType.LargeCommunities, flags: OPT_TRANS, value: v });
  }
  for (const u of a.unknown ?? []) {
    if ((u.flags & OPT_TRANS) === OPT_TRANS)
      other.push({ type: u.type, flags: (u.flags | FLAG_PARTIAL) & 0xf0, value: u.value.slice() });
  }
  const out: { -readonly [K in keyof RouteAttrs]: RouteAttrs[K] } = {
    origin: a.origin ?? 2,
    asPath: merged.asPath ?? [],
    nextHop,
  };
  if (linkLocal !== undefined) out.nextHopLinkLocal = linkLocal;
  if (a.med !== undefined) out.med = a.med;
  if (a.localPref !== undefined) out.localPref = a.localPref;
  if (a.atomicAggregate) out.atomicAggregate = true;
  if (merged.aggregator !== undefined) out.aggregator = merged.aggregator;
  if (a.communities !== undefined && a.communities.length > 0) out.communities = a.communities;
  if (a.originatorId !== undefined) out.originatorId = a.originatorId;
  if (a.clusterList !== undefined && a.clusterList.length > 0) out.clusterList = a.clusterList;
  if (other.length > 0) out.other = other;
  return out;
}

/**
 * The MP_REACH next hop field split into addresses (RFC 2545 3: 16 octets global, or 32 =
 * global + link-local; 4 for IPv4); empty when there is none. Views into `nh`.
 */
export function mpNextHopOctets(nh: Uint8Array): Uint8Array[] {
  if (nh.length === 0) return [];
  if (nh.length === 32) return [nh.subarray(0, 16), nh.subarray(16, 32)];
  return [nh];
}

/** Words of a 16-octet IPv6 address (big-endian), written into `w`. */
function v6Words(a: Uint8Array, w: number[]): number[] {
  for (let i = 0; i < 4; i++)
    w[i] = ((a[i * 4]! << 24) | (a[i * 4 + 1]! << 16) | (a[i * 4 + 2]! << 8) | a[i * 4 + 3]!) >>> 0;
  return w;
}

function walk(
  rib: Rib,
  block: NlriBlock,
  fn4: (addr: number, len: number, id: number) => void,
  fn6: (w: number[], len: number, id: number) => void,
): void {
  if (block.count <= 0) return;
  if (rib.prefixes.addrWords === 1) forEachIpv4(block.bytes, 0, block.bytes.length, block.addPath, fn4);
  else {
    const w = [0, 0, 0, 0];
    forEachIpv6(block.bytes, 0, block.bytes.length, block.addPath, (a, len, id) => fn6(v6Words(a, w), len, id));
  }
}

/**
 * Applies one UPDATE from `peer` to the RIBs of the families we run (`ribs`); NLRI of other
 * families are ignored (RFC 4760 6: not negotiated). Call Rib.decide() afterwards.
 */
export function ingestUpdate(
  ribs: ReadonlyMap<Family, Rib>,
  store: AttrStore,
  peer: number,
  u: UpdateMessage,
  opts: IngestOptions,
): IngestResult {
  if (u.endOfRib !== undefined) {
    const rib = ribs.get(u.endOfRib);
    rib?.endOfRib(peer);
    return { announced: 0, withdrawn: 0, endOfRib: u.endOfRib };
  }
  const a = opts.attributes ?? u.attributes;
  const action = opts.action ?? u.action;
  const asWithdraw = action === 'treat-as-withdraw' || action === 'afi-safi-disable'; // RFC 7606 2
  let announced = 0;
  let withdrawn = 0;
  let error: BgpError | undefined;

  const withdrawAll = (rib: Rib, block: NlriBlock): void =>
    walk(
      rib,
      block,
      (addr, len, id) => {
        rib.withdraw4(peer, addr, len, id);
        withdrawn++;
      },
      (w, len, id) => {
        rib.withdraw(peer, w, len, id);
        withdrawn++;
      },
    );
  // NLRI the peer announced and we may not use: withdrawn all the same (RFC 7606 2), and
  // remembered as received-not-accepted so that the operator can see them and why.
  const why = opts.rejectReason ?? 'treat-as-withdraw (RFC 7606)';
  const rejectAll = (rib: Rib, block: NlriBlock, reason: string): void =>
    walk(
      rib,
      block,
      (addr, len, id) => {
        rib.reject4(peer, addr, len, id, reason);
        withdrawn++;
      },
      (w, len, id) => {
        rib.reject(peer, w, len, id, reason);
        withdrawn++;
      },
    );
  // The UPDATE's set is held for the whole walk: when a policy stores a rewritten set instead,
  // the received one would otherwise be forgotten after each prefix and interned (and the
  // policy's per-set cache missed) again for the next.
  const announceAll = (rib: Rib, block: NlriBlock, set: AttrSet): void => {
    store.ref(set);
    try {
      announceWalk(rib, block, set);
    } finally {
      store.unref(set);
    }
  };
  const announceWalk = (rib: Rib, block: NlriBlock, set: AttrSet): void =>
    walk(
      rib,
      block,
      (addr, len, id) => {
        if (error) return;
        error = rib.announce4(peer, addr, len, id, set);
        if (!error) announced++;
      },
      (w, len, id) => {
        if (error) return;
        error = rib.announce(peer, w, len, id, set);
        if (!error) announced++;
      },
    );

  const v4 = ribs.get(familyOf(u.withdrawn.afi, u.withdrawn.safi));
  if (v4) withdrawAll(v4, u.withdrawn);
  if (a.mpUnreach) {
    const rib = ribs.get(familyOf(a.mpUnreach.afi, a.mpUnreach.safi));
    if (rib) withdrawAll(rib, a.mpUnreach.withdrawn);
  }
  if (v4 && u.nlri.count > 0) {
    if (asWithdraw || a.nextHop === undefined) rejectAll(v4, u.nlri, asWithdraw ? why : 'no NEXT_HOP');
    else announceAll(v4, u.nlri, store.intern(toRouteAttrs(a, opts.fourOctetAs, ipv4Octets(a.nextHop))));
  }
  const mp = a.mpReach;
  if (mp && !error) {
    const rib = ribs.get(familyOf(mp.afi, mp.safi));
    const hops = mpNextHopOctets(mp.nextHop);
    if (rib && (asWithdraw || hops.length === 0))
      rejectAll(rib, mp.nlri, asWithdraw ? why : 'no MP_REACH_NLRI next hop');
    else if (rib)
      announceAll(rib, mp.nlri, store.intern(toRouteAttrs(a, opts.fourOctetAs, hops[0]!.slice(), hops[1]?.slice())));
  }
  return error ? { announced, withdrawn, error } : { announced, withdrawn };
}
