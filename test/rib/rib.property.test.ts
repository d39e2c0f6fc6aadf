// The incremental Rib against an independent model. After any sequence of announces,
// withdraws, session downs (with and without graceful restart), End-of-RIBs and IGP cost
// changes, every prefix's best path is one the model's own decision process picks, with the
// same reason, and emptying the RIB frees every id and set.
//
// The model does not call src/rib/decision.ts: it is the RFC text written out again, over
// plain records, in the RFC's order:
//   RFC 4271 9.1.2.1  routes with an unresolvable NEXT_HOP are excluded; the highest degree
//                     of preference (LOCAL_PREF; 100 where a route has none) comes first;
//   RFC 4271 9.1.2.2  (a) shortest AS_PATH (an AS_SET counts 1), (b) lowest ORIGIN,
//                     (c) lowest MED among routes from the same neighbour AS (missing MED is
//                     the lowest value), (d) eBGP over iBGP, (e) lowest interior cost,
//                     (f) lowest BGP Identifier, (g) lowest peer address;
//   RFC 4456 9        ORIGINATOR_ID stands in for the BGP Identifier in (f), and the shorter
//                     CLUSTER_LIST wins between (f) and (g).
// Import as the reflector does it (src/routing/rules receiveFilter), modelled from RFC 4271
// 9.1.2 (AS-path loops from eBGP), RFC 4456 8 (our ORIGINATOR_ID or CLUSTER_ID from iBGP) and
// RFC 4271 5.1.5 / RFC 7606 7.9, 7.10 (LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST from eBGP ignored).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IPV4_UNICAST } from '../../src/bgp/messages/types';
import { SegmentType, type AsPathSegment } from '../../src/rib/attrs';
import { Rib } from '../../src/rib/rib';
import { receiveFilter } from '../../src/routing/rules';
import { attrs, ebgp, ibgp, ip, LOCAL_AS, setup } from './helpers';
import { nh } from '../helpers/addr';
import { checkProperty, scenarioRuns } from '../helpers/property';

const ROUTER_ID = ip('10.0.0.100');
const CLUSTER_ID = ip('10.0.0.200');

// Peers chosen so every step can decide: two iBGP and two eBGP sessions, router IDs in a
// different order than addresses, and two peers sharing a router ID (so (f) ties and the
// CLUSTER_LIST step or (g) decides).
const PEERS = [
  ibgp('10.0.0.2', { routerId: ip('10.0.0.9'), rrClient: true }),
  ibgp('10.0.0.3', { routerId: ip('10.0.0.5') }),
  ebgp('10.0.0.4', 65001, { routerId: ip('10.0.0.5') }),
  ebgp('10.0.0.1', 65002, { routerId: ip('10.0.0.7') }),
];
const NEXT_HOPS = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'];
/** Interior costs the resolver answers: a number, undefined (unknown) or Infinity (unresolvable). */
const COSTS = [10, 20, undefined, Infinity] as const;
const ORIGINATORS = [undefined, ip('10.0.0.1'), ip('10.0.0.8'), ROUTER_ID];
const CLUSTERS = [undefined, [], [ip('10.9.9.9')], [ip('10.9.9.9'), ip('10.9.9.8')], [ip('10.9.9.7'), CLUSTER_ID]];

interface Announce {
  readonly k: 'ann';
  readonly peer: number;
  readonly pfx: number;
  readonly path: number;
  readonly lp?: number;
  readonly segs: readonly AsPathSegment[];
  readonly origin: number;
  readonly med?: number;
  readonly nh: number;
  readonly orig: number;
  readonly cl: number;
}
type Op =
  | Announce
  | { k: 'wd'; peer: number; pfx: number; path: number }
  | { k: 'down'; peer: number; gr: boolean }
  | { k: 'eor'; peer: number }
  | { k: 'igp'; nh: number; cost: number }
  | { k: 'check' };

const seg = (type: number, ...asns: number[]): AsPathSegment => ({ type, asns });
const S = SegmentType.AsSequence;
// Paths as the neighbour's neighbour sent them (eBGP peers prepend their own AS below).
const PATHS: AsPathSegment[][] = [
  [],
  [seg(S, 65001)],
  [seg(S, 65002)],
  [seg(S, 65001, 65003)],
  [seg(S, 65003, 65004)],
  [seg(SegmentType.AsSet, 65005, 65006, 65007)],
  [seg(S, 65001), seg(SegmentType.AsSet, 65008, 65009)],
  [seg(S, 65003, LOCAL_AS)], // a loop when it comes from eBGP
];

/** Mostly the common value, so that paths tie often and later steps get to decide. */
function mostly<T>(common: T, ...others: T[]): fc.Arbitrary<T> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(common) },
    { weight: 1, arbitrary: fc.constantFrom(common, ...others) },
  );
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        k: fc.constant('ann' as const),
        peer: fc.nat(3),
        pfx: fc.nat(3),
        path: fc.nat(1),
        lp: mostly<number | undefined>(undefined, 50, 100, 200),
        segs: mostly(PATHS[1]!, ...PATHS),
        origin: mostly(0, 1, 2),
        med: mostly<number | undefined>(undefined, 0, 5, 10),
        nh: mostly(0, 1, 2, 3),
        orig: fc.nat(ORIGINATORS.length - 1),
        cl: fc.nat(CLUSTERS.length - 1),
      },
      { noNullPrototype: true },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant('wd' as const), peer: fc.nat(3), pfx: fc.nat(3), path: fc.nat(1) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('down' as const), peer: fc.nat(3), gr: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('eor' as const), peer: fc.nat(3) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('igp' as const),
      nh: fc.nat(NEXT_HOPS.length - 1),
      cost: fc.nat(COSTS.length - 1),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ k: 'check' as const }) },
);

/** A path as the model holds it: plain values after import. */
interface ModelPath {
  readonly peer: number;
  readonly pathId: number;
  readonly localPref?: number;
  readonly asPath: readonly AsPathSegment[];
  readonly origin: number;
  readonly med?: number;
  readonly nextHop: string;
  readonly originatorId?: number;
  readonly clusterList?: readonly number[];
  stale: boolean;
}

const isIbgp = (peer: number): boolean => PEERS[peer]!.asn === LOCAL_AS;

/** RFC 4271 9.1.2 / RFC 4456 8 import: the stored path, or undefined when it must be dropped. */
function modelImport(o: Announce): ModelPath | undefined {
  const asPath = isIbgp(o.peer) ? o.segs : [seg(S, PEERS[o.peer]!.asn), ...o.segs];
  const originatorId = ORIGINATORS[o.orig];
  const clusterList = CLUSTERS[o.cl];
  const base = {
    peer: o.peer,
    pathId: o.path,
    asPath,
    origin: o.origin,
    med: o.med,
    nextHop: NEXT_HOPS[o.nh]!,
    stale: false,
  };
  if (isIbgp(o.peer)) {
    if (originatorId === ROUTER_ID || (clusterList?.includes(CLUSTER_ID) ?? false)) return undefined;
    return { ...base, localPref: o.lp, originatorId, clusterList };
  }
  if (asPath.some((s) => s.asns.includes(LOCAL_AS))) return undefined;
  return base;
}

/** RFC 4271 9.1.2.2 (a): the number of ASes, an AS_SET counting as one. */
function pathLength(p: ModelPath): number {
  return p.asPath.reduce((n, s) => n + (s.type === SegmentType.AsSet ? 1 : s.asns.length), 0);
}

/**
 * RFC 4271 9.1.2.2 (c): the AS the route came from. For a route whose AS_PATH is empty or
 * begins with an AS_SET (originated or aggregated inside our AS) it is the local AS.
 */
function neighbourAs(p: ModelPath): number {
  const first = p.asPath[0];
  return first !== undefined && first.type === SegmentType.AsSequence && first.asns.length > 0
    ? first.asns[0]!
    : LOCAL_AS;
}

/** Keeps the routes with the lowest `key` (undefined keys never compare: they stay). */
function keepLowest(set: ModelPath[], key: (p: ModelPath) => number | undefined): ModelPath[] {
  const known = set.map(key).filter((v): v is number => v !== undefined);
  if (known.length === 0) return set;
  const min = Math.min(...known);
  return set.filter((p) => {
    const v = key(p);
    return v === undefined || v === min;
  });
}

interface ModelDecision {
  readonly winners: ModelPath[];
  readonly reason: string;
}

/** The decision process as RFC 4271 9.1.2.1 and 9.1.2.2 with RFC 4456 9 state it. */
function modelDecide(
  paths: ModelPath[],
  cost: (nh: string) => number | undefined,
  alwaysCompareMed: boolean,
): ModelDecision | undefined {
  // 9.1.2.1: a route whose NEXT_HOP cannot be resolved is not a candidate at all.
  let set = paths.filter((p) => cost(p.nextHop) !== Infinity);
  if (set.length === 0) return undefined;
  if (set.length === 1) return { winners: set, reason: 'only-path' };
  const steps: [string, (s: ModelPath[]) => ModelPath[]][] = [
    // 9.1.2.1: highest degree of preference; LOCAL_PREF, 100 when the route has none.
    ['local-pref', (s) => keepLowest(s, (p) => -(p.localPref ?? 100))],
    ['as-path-length', (s) => keepLowest(s, pathLength)],
    ['origin', (s) => keepLowest(s, (p) => p.origin)],
    // (c): a route is removed when another route from the same neighbour AS has a lower MED.
    [
      'med',
      (s) =>
        s.filter(
          (p) => !s.some((q) => (alwaysCompareMed || neighbourAs(q) === neighbourAs(p)) && (q.med ?? 0) < (p.med ?? 0)),
        ),
    ],
    // (d): if any route was learned over eBGP, every iBGP-learned route goes.
    ['ebgp-over-ibgp', (s) => (s.some((p) => !isIbgp(p.peer)) ? s.filter((p) => !isIbgp(p.peer)) : s)],
    // (e): lowest interior cost; a route whose cost is unknown cannot be compared at this step.
    ['igp-cost', (s) => keepLowest(s, (p) => cost(p.nextHop))],
    // (f) with RFC 4456 9: ORIGINATOR_ID is the BGP Identifier of a reflected route.
    ['router-id', (s) => keepLowest(s, (p) => p.originatorId ?? PEERS[p.peer]!.routerId)],
    // RFC 4456 9, between (f) and (g): shorter CLUSTER_LIST (none is length 0).
    ['cluster-list', (s) => keepLowest(s, (p) => p.clusterList?.length ?? 0)],
    // (g): lowest peer address (all IPv4 here: compare as numbers).
    ['peer-address', (s) => keepLowest(s, (p) => ip(PEERS[p.peer]!.address))],
  ];
  for (const [reason, step] of steps) {
    set = step(set);
    if (set.length === 1) return { winners: set, reason };
  }
  return { winners: set, reason: 'equal' };
}

test('incremental decisions match an independent RFC 4271 9.1.2 / RFC 4456 9 model', (t) => {
  const reached = new Map<string, number>();
  checkProperty(
    t,
    fc.property(
      fc.array(opArb, { maxLength: 100, size: 'max' }),
      fc.integer({ min: 1, max: 5 }),
      fc.boolean(),
      fc.boolean(),
      (ops, batch, alwaysCompareMed, resolver) => {
        const { store, peers } = setup();
        // Without a resolver every cost is unknown (and the RIB takes its one-path shortcut).
        const costs = new Map<string, number | undefined>(NEXT_HOPS.map((nh, i) => [nh, COSTS[i % 3]]));
        const cost = (nh: string): number | undefined => (resolver ? costs.get(nh) : undefined);
        const rib = new Rib({
          family: IPV4_UNICAST,
          peers,
          attrs: store,
          alwaysCompareMed,
          ...(resolver ? { igpCost: cost } : {}),
          importFilter: receiveFilter({ asn: LOCAL_AS, routerId: ROUTER_ID, clusterId: CLUSTER_ID }, store),
        });
        const ps = PEERS.map((p) => peers.add(p));
        const model = new Map<string, ModelPath>(); // "peer/pfx/pathId"
        const addr = (p: number): number => 0x0a000000 + p * 256;
        const ofPeer = (peer: number): [string, ModelPath][] => [...model].filter(([k]) => k.startsWith(`${peer}/`));
        /** Drains the decisions, then compares every prefix with the model. */
        const verify = (): void => {
          while (rib.decide(batch).length > 0);
          // What the incremental decisions left, read before anything is re-decided.
          const ids = [0, 1, 2, 3].map((p) => rib.prefixes.find4(addr(p), 24));
          const bests = ids.map((id) => (id >= 0 ? rib.bestOf(id) : undefined));
          const locRibSize = rib.locRibSize;
          // The reason each best was chosen: re-run the decision over everything once, read the changes.
          const reasons = new Map<number, string | undefined>();
          rib.redecideAll();
          for (let ch = rib.decide(); ch.length > 0; ch = rib.decide())
            for (const c of ch) reasons.set(c.prefix, c.reason);
          let inLocRib = 0;
          for (let p = 0; p < 4; p++) {
            const id = ids[p]!;
            const want = modelDecide(
              [...model].filter(([k]) => k.split('/')[1] === String(p)).map(([, v]) => v),
              cost,
              alwaysCompareMed,
            );
            const best = bests[p];
            if (want === undefined) {
              assert.equal(best, undefined, `prefix ${p}: no feasible path, yet a best`);
              continue;
            }
            inLocRib++;
            assert.ok(best, `prefix ${p}: the model has a best path, the RIB none`);
            const got = `${PEERS.findIndex((c) => c.address === best.peer.address)}/${best.pathId}`;
            const allowed = want.winners.map((w) => `${w.peer}/${w.pathId}`);
            assert.ok(
              allowed.includes(got),
              `prefix ${p}: RIB chose ${got}, the model ${allowed.join(' or ')} (${want.reason})`,
            );
            // Several winners remain only for paths of one peer (ADD-PATH) equal in every step.
            if (want.winners.length > 1) assert.equal(new Set(want.winners.map((w) => w.peer)).size, 1);
            assert.equal(reasons.get(id), want.reason, `prefix ${p}: reason`);
            reached.set(want.reason, (reached.get(want.reason) ?? 0) + 1);
          }
          assert.equal(locRibSize, inLocRib);
        };
        for (const o of ops) {
          if (o.k === 'check') {
            verify();
            continue;
          }
          if (o.k === 'ann') {
            // eBGP peers put their own AS first (RFC 4271 5.1.2); modelImport does the same.
            const asPath = isIbgp(o.peer) ? o.segs : [seg(S, PEERS[o.peer]!.asn), ...o.segs];
            const sent = store.intern(
              attrs({
                origin: o.origin,
                asPath,
                nextHop: nh(NEXT_HOPS[o.nh]!),
                localPref: o.lp,
                med: o.med,
                originatorId: ORIGINATORS[o.orig],
                clusterList: CLUSTERS[o.cl],
              }),
            );
            assert.equal(rib.announce4(ps[o.peer]!.index, addr(o.pfx), 24, o.path, sent), undefined);
            const kept = modelImport(o);
            // A dropped announcement still replaces (withdraws) what the peer sent before.
            if (kept) model.set(`${o.peer}/${o.pfx}/${o.path}`, kept);
            else model.delete(`${o.peer}/${o.pfx}/${o.path}`);
          } else if (o.k === 'wd') {
            rib.withdraw4(ps[o.peer]!.index, addr(o.pfx), 24, o.path);
            model.delete(`${o.peer}/${o.pfx}/${o.path}`);
          } else if (o.k === 'down') {
            rib.peerDown(ps[o.peer]!.index, o.gr);
            for (const [k, v] of ofPeer(o.peer)) o.gr ? (v.stale = true) : model.delete(k);
          } else if (o.k === 'eor') {
            rib.endOfRib(ps[o.peer]!.index);
            for (const [k, v] of ofPeer(o.peer)) if (v.stale) model.delete(k);
          } else {
            costs.set(NEXT_HOPS[o.nh]!, COSTS[o.cost]);
            rib.redecideAll();
          }
          if (o.k !== 'igp' && o.peer === 0) while (rib.decide(batch).length > 0); // interleave partial decisions
        }
        verify();

        for (const p of ps) rib.peerDown(p.index);
        while (rib.decide(batch).length > 0);
        rib.decide();
        assert.equal(rib.prefixes.size, 0);
        assert.equal(store.size, 0);
        assert.equal(rib.paths.size, 0);
      },
    ),
    { runs: scenarioRuns(2000, 300) },
  );
  // Every step must have decided some prefix, or the comparison above proves little there.
  t.diagnostic(
    `decided by: ${[...reached]
      .sort()
      .map(([r, n]) => `${r} ${n}`)
      .join(', ')}`,
  );
  assert.deepEqual([...reached.keys()].sort(), [
    'as-path-length',
    'cluster-list',
    'ebgp-over-ibgp',
    'equal',
    'igp-cost',
    'local-pref',
    'med',
    'only-path',
    'origin',
    'peer-address',
    'router-id',
  ]);
});
