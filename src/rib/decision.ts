// The BGP decision process, phase 2 (RFC 4271 9.1.2): among the feasible paths to one
// prefix, pick the best. It reads like RFC 4271 9.1.2.2: one small function per step, each
// comparing two paths and returning the winner or undefined (a tie at that step). A step
// removes from the candidate set every path some other path beats at that step, which is
// the RFC's elimination wording and keeps MED (compared only within a neighbour AS) right.
import type { AttrSet } from './attrs';
import type { PeerInfo } from './peer';

export interface Candidate {
  readonly attrs: AttrSet;
  readonly peer: PeerInfo;
  /** IGP cost to the next hop (9.1.2.2 (e)) when the resolver knows it. */
  readonly igpCost?: number;
}

export interface DecisionOptions {
  /** Compare MED between paths from different neighbour ASes too. */
  readonly alwaysCompareMed?: boolean;
  /** Collect every path equal to the best through the IGP-cost step (ECMP). */
  readonly multipath?: boolean;
}

export type BestReason =
  | 'only-path'
  | 'local-pref'
  | 'as-path-length'
  | 'origin'
  | 'med'
  | 'ebgp-over-ibgp'
  | 'igp-cost'
  | 'router-id'
  | 'cluster-list'
  | 'peer-address'
  | 'equal';

export interface Decision<C extends Candidate> {
  readonly best: C;
  /** The step that left `best` alone (GoBGP's BestPathReason). */
  readonly reason: BestReason;
  /** With `multipath`: best plus the paths equal to it through the IGP-cost step. */
  readonly multipath?: readonly C[];
}

type Step = (a: Candidate, b: Candidate, o: DecisionOptions) => Candidate | undefined;

function lower<C>(a: C, b: C, x: number, y: number): C | undefined {
  return x < y ? a : y < x ? b : undefined;
}

/** RFC 4271 9.1.1: LOCAL_PREF, or for eBGP-learned routes the local policy's; default 100. */
export function localPrefOf(c: Candidate): number {
  return c.attrs.localPref ?? 100;
}

/** 9.1.2.1 / 9.1.2.2: highest degree of preference (LOCAL_PREF) wins. */
export const byLocalPref: Step = (a, b) => lower(a, b, -localPrefOf(a), -localPrefOf(b));

/** 9.1.2.2 (a): fewest ASes in AS_PATH (AS_SET counts 1, confederation segments 0). */
export const byAsPathLength: Step = (a, b) => lower(a, b, a.attrs.asPathLength, b.attrs.asPathLength);

/** 9.1.2.2 (b): lowest ORIGIN (IGP < EGP < INCOMPLETE). */
export const byOrigin: Step = (a, b) => lower(a, b, a.attrs.origin, b.attrs.origin);

/** 9.1.2.2 (c): lowest MED, only between paths from the same neighbour AS; missing MED is 0. */
export const byMed: Step = (a, b, o) => {
  if (!o.alwaysCompareMed && a.attrs.neighborAs !== b.attrs.neighborAs) return undefined;
  return lower(a, b, a.attrs.med ?? 0, b.attrs.med ?? 0);
};

/** 9.1.2.2 (d): a path learned over eBGP beats one learned over iBGP. */
export const byEbgp: Step = (a, b) => lower(a, b, a.peer.ibgp ? 1 : 0, b.peer.ibgp ? 1 : 0);

/** 9.1.2.2 (e): lowest interior cost to the NEXT_HOP, when known for both. */
export const byIgpCost: Step = (a, b) =>
  a.igpCost === undefined || b.igpCost === undefined ? undefined : lower(a, b, a.igpCost, b.igpCost);

/** 9.1.2.2 (f) with RFC 4456 9: lowest BGP identifier, ORIGINATOR_ID standing in for it. */
export const byRouterId: Step = (a, b) =>
  lower(a, b, a.attrs.originatorId ?? a.peer.routerId, b.attrs.originatorId ?? b.peer.routerId);

/** RFC 4456 9: inserted between (f) and (g): the shorter CLUSTER_LIST wins. */
export const byClusterList: Step = (a, b) =>
  lower(a, b, a.attrs.clusterList?.length ?? 0, b.attrs.clusterList?.length ?? 0);

/** 9.1.2.2 (g): lowest peer address. */
export const byPeerAddress: Step = (a, b) =>
  a.peer.addressKey < b.peer.addressKey ? a : b.peer.addressKey < a.peer.addressKey ? b : undefined;

const STEPS: readonly [BestReason, Step][] = [
  ['local-pref', byLocalPref],
  ['as-path-length', byAsPathLength],
  ['origin', byOrigin],
  ['med', byMed],
  ['ebgp-over-ibgp', byEbgp],
  ['igp-cost', byIgpCost],
  ['router-id', byRouterId],
  ['cluster-list', byClusterList],
  ['peer-address', byPeerAddress],
];
/** Index of the first step after the IGP-cost step: multipath stops here. */
const MULTIPATH_END = 6;

/** Keeps the candidates no other candidate beats at `step`. */
function eliminate<C extends Candidate>(set: C[], step: Step, o: DecisionOptions): C[] {
  if (set.length === 2) {
    const w = step(set[0], set[1], o);
    return w === undefined ? set : [w as C];
  }
  return set.filter((p) => !set.some((q) => q !== p && step(p, q, o) === q));
}

/** Runs 9.1.2.2 over the candidates (which must be non-empty and already feasible). */
export function decide<C extends Candidate>(candidates: readonly C[], o: DecisionOptions = {}): Decision<C> {
  if (candidates.length === 1) {
    return { best: candidates[0], reason: 'only-path', multipath: o.multipath ? [candidates[0]] : undefined };
  }
  let set = candidates.slice();
  let multipath: C[] | undefined;
  for (let i = 0; i < STEPS.length; i++) {
    if (i === MULTIPATH_END && o.multipath) multipath = set.slice();
    const [reason, step] = STEPS[i];
    const before = set.length;
    set = eliminate(set, step, o);
    if (set.length === 1) {
      const best = set[0];
      if (o.multipath) multipath = multipath ?? [best];
      // A step that eliminated nothing cannot be the reason; this one did (before > 1).
      return { best, reason: before > 1 ? reason : 'only-path', multipath };
    }
  }
  // Identical on every step (same peer twice, e.g. ADD-PATH receive): keep the first.
  return { best: set[0], reason: 'equal', multipath: o.multipath ? (multipath ?? set) : undefined };
}
