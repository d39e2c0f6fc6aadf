// Loc-RIB best paths -> FIB routes. The engine hands over every batch of Loc-RIB changes
// (EngineOptions.onLocRibChanges); each becomes one kernel route per prefix: ECMP over the
// next hops of every equal-cost best path (RFC 4271 9.1.2.2 up to the router-ID step, the
// Rib's multipath set), nothing for our own routes (originated here: the workloads are
// local). They go to the node's RouteOwner, which lets a local device route or one of our
// blocks' blackholes win over them per prefix, and reads them back from here (bgpRoute) when
// that goes: this feed holds BGP's table, once.
import type { Family } from '../bgp/messages';
import { nextHopText, type LocRibChange, type Rib, type Route } from '../rib';
import type { FibNextHop } from './fib';
import type { BgpRoutes, RouteOwner } from './route-owner';

/** Distinct next-hop sets remembered at most (a fabric has a handful; this only bounds memory). */
const MAX_HOP_SETS = 10_000;

export class FibFeed implements BgpRoutes {
  /**
   * What BGP wants per prefix (learned best paths only), per family (0 IPv4, 1 IPv6) and the
   * Rib's prefix id: the shared next-hop array (see hopSets), no string or object per prefix.
   * An id is safe to index by: a prefix that loses its best path gets a change saying so
   * (which clears its entry here) before the Rib can give its id to another prefix.
   */
  private readonly learned: [(FibNextHop[] | undefined)[], (FibNextHop[] | undefined)[]] = [[], []];
  private learnedN = 0;
  /** The Rib of each family, once seen (bgpRoute finds a prefix's id there). */
  private readonly ribs: [Rib | undefined, Rib | undefined] = [undefined, undefined];
  /**
   * One immutable next-hop array per set of gateways, shared by every route through it: the
   * sink resolves each array once (not once per route), and the key is one string.
   */
  private readonly hopSets = new Map<string, FibNextHop[]>();
  private lastHop: Uint8Array | undefined;
  private lastHopText = '';
  private readonly words = new Uint32Array(4);

  /** `own`: our addresses; a next hop that is one of them is never installed (it would loop). */
  constructor(
    private readonly owner: RouteOwner,
    private readonly own: ReadonlySet<string>,
  ) {
    owner.bgpFrom(this);
  }

  /** One batch of Loc-RIB changes of a family (prefix ids are read while still valid). */
  apply(_family: Family, rib: Rib, changes: readonly LocRibChange[]): void {
    const p = rib.prefixes;
    const v6 = p.addrWords === 4;
    const f = v6 ? 1 : 0;
    this.ribs[f] = rib;
    const learned = this.learned[f];
    const w = this.words;
    for (const ch of changes) {
      const id = ch.prefix;
      const hops = ch.best ? this.hopsOf(ch.best, ch.multipath) : undefined;
      const old = learned[id];
      if (hops) {
        if (!old) this.learnedN++;
        learned[id] = hops;
      } else if (old) {
        learned[id] = undefined;
        this.learnedN--;
      } else continue;
      // The next hops' own array stands for them (one per set of gateways: see hopSets), so
      // the same next hops again send nothing.
      if (old === hops) continue;
      // The prefix as the Rib keeps it, straight on: no text made or parsed.
      for (let i = 0; i < p.addrWords; i++) w[i] = p.word(id, i);
      this.owner.bgpChanged(v6, w, p.len(id), hops);
    }
  }

  /** BGP's next hops for a prefix, as last handed over (RouteOwner reads them back). */
  bgpRoute(v6: boolean, words: ArrayLike<number>, len: number): readonly FibNextHop[] | undefined {
    const f = v6 ? 1 : 0;
    const id = this.ribs[f]?.prefixes.find(words, len) ?? -1;
    return id >= 0 ? this.learned[f][id] : undefined;
  }

  /** Routes learned from peers (not the blackholes), for the status. */
  get learnedCount(): number {
    return this.learnedN;
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
