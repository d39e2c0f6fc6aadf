// Loc-RIB best paths -> FIB routes. The engine hands over every batch of Loc-RIB changes
// (EngineOptions.onLocRibChanges); each becomes one kernel route per prefix: ECMP over the
// next hops of every equal-cost best path (RFC 4271 9.1.2.2 up to the router-ID step, the
// Rib's multipath set), nothing for our own routes (originated here: the workloads are
// local), and a blackhole for each block affine to this node, which wins over anything
// learned for the same prefix (unused addresses of our block end here instead of looping).
import type { Family } from '../bgp/messages';
import { nextHopText, type LocRibChange, type Rib, type Route } from '../rib';
import type { FibNextHop, FibSink } from './fib';

/** Distinct next-hop sets remembered at most (a fabric has a handful; this only bounds memory). */
const MAX_HOP_SETS = 10_000;

export class FibFeed {
  /**
   * What BGP wants per prefix (learned best paths only): the next-hop array (see hopSets),
   * no route object per prefix (a million of them would be kept alive for nothing).
   */
  private readonly learned = new Map<string, FibNextHop[]>();
  /**
   * Blackholes of our blocks. What the sink was given per prefix is the blackhole if there
   * is one, else the learned route: no map of its own (a million-route table pays for every
   * map lookup per route).
   */
  private readonly blackholes = new Set<string>();
  /**
   * One immutable next-hop array per set of gateways, shared by every route through it: the
   * sink resolves each array once (not once per route), and the key is one string.
   */
  private readonly hopSets = new Map<string, FibNextHop[]>();
  private lastHop: Uint8Array | undefined;
  private lastHopText = '';

  /** `own`: our addresses; a next hop that is one of them is never installed (it would loop). */
  constructor(
    private readonly fib: FibSink,
    private readonly own: ReadonlySet<string>,
  ) {}

  /** One batch of Loc-RIB changes of a family (prefix ids are formatted while still valid). */
  apply(_family: Family, rib: Rib, changes: readonly LocRibChange[]): void {
    for (const ch of changes) {
      const prefix = rib.prefixes.format(ch.prefix);
      const hops = ch.best ? this.hopsOf(ch.best, ch.multipath) : undefined;
      const old = this.learned.get(prefix);
      if (hops) this.learned.set(prefix, hops);
      else if (old) this.learned.delete(prefix);
      else continue;
      if (this.blackholes.size > 0 && this.blackholes.has(prefix)) continue; // the blackhole wins
      // The next hops' own array stands for them (one per set of gateways: see hopSets), so
      // the same next hops again send nothing.
      if (!hops) this.fib.delete(prefix);
      else if (old !== hops) this.fib.set({ prefix, kind: 'unicast', nextHops: hops });
    }
  }

  setBlackhole(prefix: string): void {
    if (this.blackholes.has(prefix)) return;
    this.blackholes.add(prefix);
    this.fib.set({ prefix, kind: 'blackhole', nextHops: [] });
  }

  deleteBlackhole(prefix: string): void {
    if (!this.blackholes.delete(prefix)) return;
    const learned = this.learned.get(prefix);
    if (learned) this.fib.set({ prefix, kind: 'unicast', nextHops: learned });
    else this.fib.delete(prefix);
  }

  /** Routes learned from peers (not the blackholes), for the status. */
  get learnedCount(): number {
    return this.learned.size;
  }

  /** The next hops of the best path(s), shared per set of gateways; undefined: nothing to install. */
  private hopsOf(best: Route, multipath: readonly Route[] | undefined): FibNextHop[] | undefined {
    if (best.peer.local === true) return undefined;
    let key: string;
    if (!multipath || multipath.length <= 1) {
      // The common case, one best path: its next hop's text is the key (no array built).
      const g = best.attrs.nextHop.length === 0 ? '' : this.gatewayText(best.attrs.nextHop);
      if (g === '' || this.own.has(g)) return undefined;
      key = g;
    } else {
      const gateways: string[] = [];
      for (const r of multipath) {
        if (r.peer.local === true) continue;
        const g = r.attrs.nextHop.length === 0 ? '' : this.gatewayText(r.attrs.nextHop);
        if (g === '' || this.own.has(g) || gateways.includes(g)) continue;
        gateways.push(g);
      }
      if (gateways.length === 0) return undefined;
      // A stable order: the same set of paths is the same kernel route (no needless replace).
      key = gateways.sort().join(',');
    }
    let nextHops = this.hopSets.get(key);
    if (!nextHops) {
      if (this.hopSets.size >= MAX_HOP_SETS) this.hopSets.clear();
      nextHops = key.split(',').map((gateway) => ({ gateway }));
      this.hopSets.set(key, nextHops);
    }
    return nextHops;
  }

  /** A next hop's text, remembered for the last octets seen (routes of one UPDATE share them). */
  private gatewayText(nh: Uint8Array): string {
    if (nh !== this.lastHop) {
      this.lastHop = nh;
      this.lastHopText = nextHopText(nh);
    }
    return this.lastHopText;
  }
}
