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

/**
 * Desired entries as small ids, so that a slot holds an int32 (FamilyTable) instead of a
 * pointer in a JS array: at a million routes that array is 8 bytes a slot (10 MiB with V8's
 * 1.5x growth slack), and every growth leaves the old copy in the large-object space until
 * the next full GC. Entries are shared (one next-hop array per set of gateways, one Kind per
 * interface), so there are few; each is counted by the slots naming it and forgotten when none
 * do, so a writer that makes a new array per route costs a map entry per route, never more.
 */
export class EntryTable {
  private readonly ids = new Map<DesiredEntry, number>();
  private readonly entries: (DesiredEntry | undefined)[] = [];
  private readonly refs: number[] = [];
  private readonly free: number[] = [];
  /** The last entry taken (routes of one UPDATE share theirs): no map lookup for the next. */
  private last: DesiredEntry | undefined;
  private lastId = -1;

  /** Distinct entries named by some slot. */
  get size(): number {
    return this.ids.size;
  }

  /** The id of `e`, with one more reference on it. */
  take(e: DesiredEntry): number {
    let id = e === this.last ? this.lastId : this.ids.get(e);
    if (id === undefined) {
      id = this.free.pop() ?? this.entries.length;
      this.entries[id] = e;
      this.refs[id] = 0;
      this.ids.set(e, id);
    }
    this.last = e;
    this.lastId = id;
    this.refs[id]!++;
    return id;
  }

  /** Drops one reference; the entry is forgotten when none remain. */
  give(id: number): void {
    if (--this.refs[id]! > 0) return;
    const e = this.entries[id]!;
    this.ids.delete(e);
    this.entries[id] = undefined;
    this.free.push(id);
    if (this.last === e) {
      this.last = undefined;
      this.lastId = -1;
    }
  }

  entry(id: number): DesiredEntry {
    return this.entries[id]!;
  }
}

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
