// Loc-RIB best paths -> FIB routes. The engine hands over every batch of Loc-RIB changes
// (EngineOptions.onLocRibChanges); each becomes one kernel route per prefix: ECMP over the
// next hops of every equal-cost best path (RFC 4271 9.1.2.2 up to the router-ID step, the
// Rib's multipath set), nothing for our own routes (originated here: the workloads are
// local), and a blackhole for each block affine to this node, which wins over anything
// learned for the same prefix (unused addresses of our block end here instead of looping).
import type { Family } from '../bgp/messages';
import { nextHopText, type LocRibChange, type Rib, type Route } from '../rib';
import { parseInetPrefix } from '../sys';
import type { FibNextHop, FibSink } from './fib';

/** Distinct next-hop sets remembered at most (a fabric has a handful; this only bounds memory). */
const MAX_HOP_SETS = 10_000;
const TWO32 = 2 ** 32;

export class FibFeed {
  /**
   * What BGP wants per prefix (learned best paths only), per family (0 IPv4, 1 IPv6) and the
   * Rib's prefix id: the shared next-hop array (see hopSets), no string or object per prefix.
   * An id is safe to index by: a prefix that loses its best path gets a change saying so
   * (which clears its entry here) before the Rib can give its id to another prefix.
   */
  private readonly learned: [(FibNextHop[] | undefined)[], (FibNextHop[] | undefined)[]] = [[], []];
  private learnedN = 0;
  /** The Rib of each family, once seen (a blackhole going finds the learned route under it). */
  private readonly ribs: [Rib | undefined, Rib | undefined] = [undefined, undefined];
  /** Blackholes of our blocks, by canonical text (a few: one per block). */
  private readonly blackholes = new Set<string>();
  /** The IPv4 ones as numbers (length * 2^32 + address): checked per route without text. */
  private readonly blackholes4 = new Set<number>();
  private blackholes6 = 0;
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
    private readonly fib: FibSink,
    private readonly own: ReadonlySet<string>,
  ) {}

  /** One batch of Loc-RIB changes of a family (prefix ids are read while still valid). */
  apply(_family: Family, rib: Rib, changes: readonly LocRibChange[]): void {
    const p = rib.prefixes;
    const v6 = p.addrWords === 4;
    const f = v6 ? 1 : 0;
    this.ribs[f] = rib;
    const learned = this.learned[f];
    const fib = this.fib;
    const fast = fib.setWords !== undefined && fib.deleteWords !== undefined;
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
      if (this.blackholes.size > 0 && this.isBlackhole(rib, id, v6)) continue; // the blackhole wins
      if (fast) {
        // The prefix as the Rib keeps it, straight to the sink: no text made or parsed.
        for (let i = 0; i < p.addrWords; i++) w[i] = p.word(id, i);
        if (hops) fib.setWords!(v6, w, p.len(id), hops);
        else fib.deleteWords!(v6, w, p.len(id));
      } else {
        const prefix = p.format(id);
        if (hops) fib.set({ prefix, kind: 'unicast', nextHops: hops });
        else fib.delete(prefix);
      }
    }
  }

  setBlackhole(prefix: string): void {
    if (this.blackholes.has(prefix)) return;
    this.blackholes.add(prefix);
    this.blackholeKey(prefix, 1);
    this.fib.set({ prefix, kind: 'blackhole', nextHops: [] });
  }

  deleteBlackhole(prefix: string): void {
    if (!this.blackholes.delete(prefix)) return;
    this.blackholeKey(prefix, -1);
    const learned = this.learnedOf(prefix);
    if (learned) this.fib.set({ prefix, kind: 'unicast', nextHops: learned });
    else this.fib.delete(prefix);
  }

  /** Routes learned from peers (not the blackholes), for the status. */
  get learnedCount(): number {
    return this.learnedN;
  }

  private isBlackhole(rib: Rib, id: number, v6: boolean): boolean {
    const p = rib.prefixes;
    if (!v6) return this.blackholes4.size > 0 && this.blackholes4.has(p.len(id) * TWO32 + p.word(id, 0));
    return this.blackholes6 > 0 && this.blackholes.has(p.format(id));
  }

  /** Adds (1) or removes (-1) a blackhole's numeric form. */
  private blackholeKey(prefix: string, d: 1 | -1): void {
    const b = parseInetPrefix(prefix);
    if (b instanceof RangeError) return; // the sink reports it
    if (b.bytes.length === 16) {
      this.blackholes6 += d;
      return;
    }
    const k = b.len * TWO32 + (((b.bytes[0]! << 24) | (b.bytes[1]! << 16) | (b.bytes[2]! << 8) | b.bytes[3]!) >>> 0);
    if (d > 0) this.blackholes4.add(k);
    else this.blackholes4.delete(k);
  }

  /** The learned next hops of a prefix given as text, if any. */
  private learnedOf(prefix: string): FibNextHop[] | undefined {
    const f = prefix.includes(':') ? 1 : 0;
    const rib = this.ribs[f];
    const id = rib ? rib.findText(prefix) : -1;
    return id >= 0 ? this.learned[f][id] : undefined;
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
