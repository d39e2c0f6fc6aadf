// What the agent wants per prefix, kept small (a million-route table pays for every object
// per route in GC): a unicast route is its next-hop array itself, shared by every route
// through the same next hops; anything else is a Kind. And what the kernel should hold: a
// Target, the form a batch encodes (one reused object: a route is encoded as soon as its
// target is known, so none is made per route).
import { rtnl, type InetPrefix, type NlNextHop } from '../../sys';
import type { FibNextHop, FibRoute } from './types';

/** A desired route that is not unicast: a blackhole, a device route, or a kind we refuse. */
export class Kind {
  constructor(
    readonly kind: string,
    readonly device?: string,
  ) {}
}
export const BLACKHOLE = new Kind('blackhole');
export const NO_HOPS: readonly FibNextHop[] = [];

/** A target the kernel should hold for a prefix (fields rewritten per prefix). */
export interface Target {
  dst: InetPrefix;
  /** The next-hop key's id (table.ts KeyTable). */
  key: number;
  type: number;
  hops: readonly NlNextHop[];
  /** RT_SCOPE_LINK for a device route, else universe. */
  scope: number;
  /** The nexthop object named instead of `hops` (nexthop-objects.ts), or 0: hops inline. */
  nhId: number;
}

export type DesiredEntry = readonly FibNextHop[] | Kind;

/** Device routes' Kinds, one per interface name: the dataplane sets them again at every resync. */
const deviceKinds = new Map<string, Kind>();

/** A route as kept: a unicast route with no next-hop array is kept as one with none (refused at its batch). */
export function desiredEntry(route: FibRoute): DesiredEntry {
  if (route.kind === 'unicast') return route.nextHops ?? NO_HOPS;
  if (route.kind === 'blackhole') return BLACKHOLE;
  if (route.kind === 'device' && typeof route.device === 'string') {
    let k = deviceKinds.get(route.device);
    if (!k) {
      if (deviceKinds.size >= 10_000) deviceKinds.clear(); // only bounds memory
      k = new Kind('device', route.device);
      deviceKinds.set(route.device, k);
    }
    return k;
  }
  return new Kind(String(route.kind), route.device);
}

/** The one-hop array of a device route per interface (a workload's route: out of it, scope link, no gateway). */
const deviceHops = new Map<number, readonly NlNextHop[]>();
export function deviceHopsOf(ifindex: number): readonly NlNextHop[] {
  let h = deviceHops.get(ifindex);
  if (!h) {
    if (deviceHops.size >= 10_000) deviceHops.clear();
    h = [{ ifindex }];
    deviceHops.set(ifindex, h);
  }
  return h;
}

export const { RT_SCOPE_LINK, RT_SCOPE_UNIVERSE } = rtnl;
