// What the agent wants per prefix, kept small (a million-route table pays for every object
// per route in GC): a unicast route is its next-hop array itself, shared by every route
// through the same next hops; anything else is a Kind. And what the kernel should hold: a
// Target, the form a batch encodes.
import { rtnl, type InetPrefix, type NlNextHop } from '../../sys';
import { hopsKey } from './hops';
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

/** A target the kernel should hold for a prefix. */
export interface Target {
  readonly dst: InetPrefix;
  readonly key: string;
  readonly type: number;
  readonly hops: readonly NlNextHop[];
  /** RT_SCOPE_LINK for a device route, else universe. */
  readonly scope?: number;
}

export type DesiredEntry = readonly FibNextHop[] | Kind;

/** A route as kept: a unicast route with no next-hop array is kept as one with none (refused at its batch). */
export function desiredEntry(route: FibRoute): DesiredEntry {
  if (route.kind === 'unicast') return route.nextHops ?? NO_HOPS;
  return route.kind === 'blackhole' ? BLACKHOLE : new Kind(String(route.kind), route.device);
}

/** A local workload's route: out of interface `ifindex`, scope link, no gateway. */
export function deviceRoute(dst: InetPrefix, ifindex: number): Target {
  return {
    dst,
    key: hopsKey([{ text: 'dev', ifindex }]),
    type: rtnl.RTN_UNICAST,
    hops: [{ ifindex }],
    scope: rtnl.RT_SCOPE_LINK,
  };
}
