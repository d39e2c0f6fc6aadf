// Next hops of the FIB sink: a route's gateways resolved against the connected networks
// (connected.ts, from link and address dumps), cached per next-hop array, and the keys by
// which a route's next hops are compared with what the kernel holds.
import {
  formatInetAddr,
  rtnl,
  type NlAddr,
  type NlLink,
  type NlMessage,
  type NlNextHop,
  type NlRoute,
  type SysError,
} from '../../sys';
import { ConnectedNetworks, type ResolvedHop } from './connected';
import type { FibLogger, FibNextHop } from './types';

export const BLACKHOLE_KEY = 'blackhole';

/** Next hops resolved for one `nextHops` array (see NextHops.resolve). */
export interface ResolvedHops {
  /** NextHops generation it was resolved in. */
  readonly gen: number;
  readonly family: number;
  readonly key: string;
  readonly hops: readonly NlNextHop[];
  /** Some next hop is not (yet) on a connected network. */
  readonly unresolved: boolean;
  /** Why the route cannot be installed at all (bad input). */
  readonly invalid?: string;
}

/** Names a prefix by its slot, for a log line (text is made only then). */
export interface PrefixNamer {
  text(id: number): string;
}

/** Runs one dump (RTM_GETLINK or RTM_GETADDR) and hands each reply message over. */
export type Dumper = (
  type: typeof rtnl.RTM_GETLINK | typeof rtnl.RTM_GETADDR,
  onMessage: (b: Buffer, m: NlMessage) => void,
) => Promise<SysError | undefined>;

/** The key of a route's next hops as the kernel holds them: order-free, interface included. */
export function hopsKey(hops: readonly { text: string; ifindex: number }[]): string {
  return hops
    .map((h) => `${h.text}%${h.ifindex}`)
    .sort()
    .join(',');
}

/** The same key for a route as a dump returns it. */
export function kernelKey(r: NlRoute): string {
  if (r.type === rtnl.RTN_BLACKHOLE) return BLACKHOLE_KEY;
  if (r.type !== rtnl.RTN_UNICAST) return `type${r.type}`;
  if (r.nextHops.length === 1) {
    // A table read at start is up to a million routes, nearly all through the same few next
    // hops: the last one-hop key is reused while gateway and interface are the same.
    const h = r.nextHops[0]!;
    const ifindex = h.ifindex ?? 0;
    if (ifindex === last.ifindex && sameBytes(h.gateway, last.gateway)) return last.key;
    last.gateway = h.gateway ? Uint8Array.from(h.gateway) : undefined;
    last.ifindex = ifindex;
    last.key = hopsKey([{ text: h.gateway ? formatInetAddr(h.gateway) : 'dev', ifindex }]);
    return last.key;
  }
  return hopsKey(
    r.nextHops.map((h) => ({ text: h.gateway ? formatInetAddr(h.gateway) : 'dev', ifindex: h.ifindex ?? 0 })),
  );
}

const last: { gateway: Uint8Array | undefined; ifindex: number; key: string } = {
  gateway: undefined,
  ifindex: -1,
  key: '',
};

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class NextHops {
  private readonly connected = new ConnectedNetworks();
  /** Bumped when link or address answers are refreshed: cached resolutions are then stale. */
  private gen = 0;
  private cache = new WeakMap<readonly FibNextHop[], ResolvedHops>();
  private readonly logged = new Set<string>();
  private lastArray: readonly FibNextHop[] | undefined;
  private lastResolved: ResolvedHops | undefined;

  constructor(private readonly log: FibLogger) {}

  /** The interface index of a link by name (a device route's interface), from the last dump. */
  ifindexOf(name: string): number | undefined {
    return this.connected.ifindexOf(name);
  }

  /** Dumps links and addresses; resolves to whether any cached next-hop answer changed. */
  async refresh(dump: Dumper): Promise<boolean | SysError> {
    const links: NlLink[] = [];
    const addrs: NlAddr[] = [];
    let e = await dump(rtnl.RTM_GETLINK, (b, m) => {
      const l = m.type === rtnl.RTM_NEWLINK ? rtnl.decodeLink(b, m) : undefined;
      if (l) links.push(l);
    });
    if (e) return e;
    e = await dump(rtnl.RTM_GETADDR, (b, m) => {
      const a = m.type === rtnl.RTM_NEWADDR ? rtnl.decodeAddr(b, m) : undefined;
      if (a) addrs.push(a);
    });
    if (e) return e;
    const changed = this.connected.update(links, addrs);
    // Held routes are re-checked after any change, so no cached answer may outlive one.
    this.gen++;
    return changed;
  }

  /**
   * A route's next hops resolved against the connected networks. Cached per next-hop array
   * (the agent shares one array among the routes with the same gateways and keeps it
   * immutable) until links or addresses change, so a table through one next hop resolves
   * it once.
   */
  resolve(nextHops: readonly FibNextHop[] | undefined, where: PrefixNamer, id: number): ResolvedHops {
    // The last array asked for first: a table through one next hop skips even the WeakMap.
    if (nextHops === this.lastArray && this.lastResolved && this.lastResolved.gen === this.gen)
      return this.lastResolved;
    let h = nextHops ? this.cache.get(nextHops) : undefined;
    if (!h || h.gen !== this.gen) {
      h = this.compute(nextHops, where, id);
      if (Array.isArray(nextHops)) this.cache.set(nextHops, h);
    }
    this.lastArray = nextHops;
    this.lastResolved = h;
    return h;
  }

  private compute(nextHops: readonly FibNextHop[] | undefined, where: PrefixNamer, id: number): ResolvedHops {
    const hops: ResolvedHop[] = [];
    const seen = new Set<string>();
    let unresolved = false;
    const invalid = (reason: string): ResolvedHops => ({
      gen: this.gen,
      family: 0,
      key: '',
      hops: [],
      unresolved,
      invalid: reason,
    });
    for (const nh of nextHops ?? []) {
      const r = this.connected.resolve(nh.gateway, nh.ifindex);
      if ('kind' in r) {
        if (r.kind === 'invalid') return invalid(r.reason);
        unresolved = true;
        if (!this.logged.has(r.reason)) {
          // Once per next hop, not per route: a peer's whole table may share it.
          if (this.logged.size < 10_000) this.logged.add(r.reason);
          this.log.info(
            { prefix: where.text(id), reason: r.reason },
            'fib: next hop not resolvable; its routes are held until it is',
          );
        }
        continue;
      }
      if (hops.length > 0 && r.family !== hops[0]!.family)
        return invalid('next hops of both address families in one route');
      const k = `${r.text}%${r.ifindex}`;
      if (!seen.has(k)) {
        seen.add(k);
        hops.push(r);
      }
    }
    if (hops.length === 0 && !unresolved) return invalid('a unicast route needs at least one next hop');
    return {
      gen: this.gen,
      family: hops[0]?.family ?? 0,
      key: hopsKey(hops),
      unresolved,
      hops: hops.map((x) => ({ gateway: x.gateway, ifindex: x.ifindex })),
    };
  }
}
