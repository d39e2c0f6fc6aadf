// Loc-RIB best paths -> FIB routes. The engine hands over every batch of Loc-RIB changes
// (EngineOptions.onLocRibChanges); each becomes one kernel route per prefix: ECMP over the
// next hops of every equal-cost best path (RFC 4271 9.1.2.2 up to the router-ID step, the
// Rib's multipath set), nothing for our own routes (originated here: the workloads are
// local), and a blackhole for each block affine to this node, which wins over anything
// learned for the same prefix (unused addresses of our block end here instead of looping).
import type { Family } from '../bgp/messages';
import { nextHopText, type LocRibChange, type Rib, type Route } from '../rib';
import type { FibNextHop, FibRoute, FibSink } from './fib';

/** Distinct next-hop sets remembered at most (a fabric has a handful; this only bounds memory). */
const MAX_HOP_SETS = 10_000;

export class FibFeed {
  /** What BGP wants per prefix (learned best paths only). */
  private readonly learned = new Map<string, FibRoute>();
  private readonly blackholes = new Set<string>();
  /** What was last given to the sink per prefix, to skip no-op replaces. */
  private readonly given = new Map<string, string | FibNextHop[]>();
  /**
   * One immutable next-hop array per set of gateways, shared by every route through it: the
   * sink resolves each array once (not once per route), and the key is one string.
   */
  private readonly hopSets = new Map<string, FibNextHop[]>();

  /** `own`: our addresses; a next hop that is one of them is never installed (it would loop). */
  constructor(private readonly fib: FibSink, private readonly own: ReadonlySet<string>) {}

  /** One batch of Loc-RIB changes of a family (prefix ids are formatted while still valid). */
  apply(_family: Family, rib: Rib, changes: readonly LocRibChange[]): void {
    for (const ch of changes) {
      const prefix = rib.prefixes.format(ch.prefix);
      const route = ch.best ? this.routeOf(prefix, ch.best, ch.multipath) : undefined;
      if (route) this.learned.set(prefix, route);
      else this.learned.delete(prefix);
      this.reconcile(prefix);
    }
  }

  setBlackhole(prefix: string): void {
    this.blackholes.add(prefix);
    this.reconcile(prefix);
  }

  deleteBlackhole(prefix: string): void {
    if (this.blackholes.delete(prefix)) this.reconcile(prefix);
  }

  /** Routes learned from peers (not the blackholes), for the status. */
  get learnedCount(): number {
    return this.learned.size;
  }

  private routeOf(prefix: string, best: Route, multipath: readonly Route[] | undefined): FibRoute | undefined {
    if (best.peer.local === true) return undefined;
    const gateways: string[] = [];
    for (const r of multipath && multipath.length > 0 ? multipath : [best]) {
      if (r.peer.local === true) continue;
      const g = r.attrs.nextHop.length === 0 ? '' : nextHopText(r.attrs.nextHop);
      if (g === '' || this.own.has(g) || gateways.includes(g)) continue;
      gateways.push(g);
    }
    if (gateways.length === 0) return undefined;
    // A stable order: the same set of paths is the same kernel route (no needless replace).
    if (gateways.length > 1) gateways.sort();
    const key = gateways.length === 1 ? gateways[0]! : gateways.join(',');
    let nextHops = this.hopSets.get(key);
    if (!nextHops) {
      if (this.hopSets.size >= MAX_HOP_SETS) this.hopSets.clear();
      nextHops = gateways.map((gateway) => ({ gateway }));
      this.hopSets.set(key, nextHops);
    }
    return { prefix, kind: 'unicast', nextHops };
  }

  private reconcile(prefix: string): void {
    const want: FibRoute | undefined = this.blackholes.has(prefix)
      ? { prefix, kind: 'blackhole', nextHops: [] }
      : this.learned.get(prefix);
    // The next hops' own array stands for them (one per set of gateways: see hopSets).
    const key = want ? (want.kind === 'blackhole' ? 'blackhole' : want.nextHops) : undefined;
    if (key === this.given.get(prefix)) return;
    if (want) {
      this.given.set(prefix, key!);
      this.fib.set(want);
    } else {
      this.given.delete(prefix);
      this.fib.delete(prefix);
    }
  }
}
