// One owner per prefix for the kernel route table (issue 12: "the routes go through the same
// rtnetlink route table as the FIB sink, so BGP and local routes never fight"). Two writers
// share one FibSink: BGP (FibFeed: learned best paths and our blocks' blackholes) and the
// dataplane (a /32 or /128 device route per local workload address, scope link). Per prefix
// the local workload route wins, because the workload is here whatever a peer says (a stale
// advertisement of a moved workload must not pull its traffic away); when the workload goes,
// what BGP wants for that prefix is put back. The sink sees one desired route per prefix, so
// a change is an in-place replace and no writer ever deletes the other's route.
// BGP's side is kept per prefix id (a PrefixIndex, as the FIB keeps its own) and passed on as
// address words (setWords), since BGP writes a full table through here.
//
// The initial sync (stale routes of ours go) waits for both writers: BGP's End-of-RIB (or its
// timeout) and the dataplane's first programming, so a restart never drops a workload's route.
import { IPV4_UNICAST, IPV6_UNICAST } from '../bgp/messages';
import type { RouteTable } from '../dataplane';
import { PrefixIndex } from '../rib';
import { formatInetAddr, parseInetPrefix } from '../sys';
import type { FibNextHop, FibRoute, FibSink, FibStats } from './fib';

/** What BGP wants for a prefix: a route given as text, or the next hops of one given as words. */
type BgpWant = FibRoute | readonly FibNextHop[];
const TWO32 = 2 ** 32;

/**
 * BGP's routes of one family by prefix, as the FIB keeps its own (a PrefixIndex slot per
 * prefix, no string): BGP writes a full table through here, a million prefixes.
 */
class BgpRoutes {
  private readonly idx: PrefixIndex;
  private want: (BgpWant | undefined)[] = [];

  constructor(v6: boolean) {
    this.idx = new PrefixIndex(v6 ? IPV6_UNICAST : IPV4_UNICAST, 1024);
  }

  put(words: ArrayLike<number>, len: number, w: BgpWant): void {
    const id = this.idx.intern(words, len);
    if (this.want[id] === undefined) this.idx.ref(id);
    this.want[id] = w;
  }

  drop(words: ArrayLike<number>, len: number): void {
    const id = this.idx.find(words, len);
    if (id < 0 || this.want[id] === undefined) return;
    this.want[id] = undefined;
    this.idx.unref(id);
  }

  get(words: ArrayLike<number>, len: number): BgpWant | undefined {
    const id = this.idx.find(words, len);
    return id < 0 ? undefined : this.want[id];
  }
}

export class RouteOwner {
  /** What BGP wants, per family (0 IPv4, 1 IPv6). */
  private readonly bgp: [BgpRoutes, BgpRoutes] = [new BgpRoutes(false), new BgpRoutes(true)];
  /** Local device routes: canonical prefix -> interface name. */
  private readonly local = new Map<string, string>();
  /** The local IPv4 prefixes as numbers (length * 2^32 + address), checked per BGP route without text. */
  private readonly local4 = new Set<number>();
  private readonly words = new Uint32Array(4);
  /** The dataplane's prefix text for each canonical prefix (failures are reported in its words). */
  private readonly localText = new Map<string, string>();
  /** Local routes set or changed since the dataplane's last apply. */
  private localChanged = false;
  private bgpSynced = false;
  private localSynced: boolean;
  private syncSent = false;

  /** `withLocal`: a dataplane will write here (the initial sync waits for `localSyncDone`). */
  constructor(
    private readonly sink: FibSink,
    withLocal: boolean,
  ) {
    this.localSynced = !withLocal;
  }

  /** The face BGP writes through: a FibSink whose routes yield to local ones. */
  readonly bgpSink: FibSink = {
    set: (route) => {
      const p = this.parse(route.prefix);
      if (p === undefined) {
        this.sink.set(route); // the sink counts the bad prefix
        return;
      }
      this.bgp[p.f]!.put(this.words, p.len, route);
      if (!this.local.has(p.text)) this.sink.set(route);
    },
    delete: (prefix) => {
      const p = this.parse(prefix);
      if (p === undefined) {
        this.sink.delete(prefix);
        return;
      }
      this.bgp[p.f]!.drop(this.words, p.len);
      if (!this.local.has(p.text)) this.sink.delete(p.text);
    },
    setWords: (v6, words, len, nextHops) => {
      this.bgp[v6 ? 1 : 0].put(words, len, nextHops);
      if (this.isLocal(v6, words, len)) return;
      if (this.sink.setWords) this.sink.setWords(v6, words, len, nextHops);
      else this.sink.set({ prefix: prefixText(v6, words, len), kind: 'unicast', nextHops: [...nextHops] });
    },
    deleteWords: (v6, words, len) => {
      this.bgp[v6 ? 1 : 0].drop(words, len);
      if (this.isLocal(v6, words, len)) return;
      if (this.sink.deleteWords) this.sink.deleteWords(v6, words, len);
      else this.sink.delete(prefixText(v6, words, len));
    },
    syncDone: () => {
      this.bgpSynced = true;
      this.maybeSyncDone();
    },
    stats: (): FibStats => this.sink.stats(),
    failure: (prefix) => this.sink.failure(prefix),
    resync: (what) => this.sink.resync(what),
    flushed: () => this.sink.flushed(),
    close: () => this.sink.close(),
  };

  /** The face the dataplane writes through (its `routes` option). */
  readonly routeTable: RouteTable = {
    setDeviceRoute: (prefix, ifname) => {
      const p = canonical(prefix);
      if (p === undefined) return;
      this.localText.set(p, prefix);
      if (this.local.get(p) === ifname) return;
      this.local.set(p, ifname);
      this.localKey(p, true);
      this.localChanged = true;
      this.sink.set({ prefix: p, kind: 'device', nextHops: [], device: ifname });
    },
    delete: (prefix) => {
      const p = canonical(prefix);
      if (p === undefined || !this.local.delete(p)) return;
      this.localText.delete(p);
      this.localKey(p, false);
      // The workload is gone: BGP's view of the prefix (if any) is the truth again.
      const b = this.bgpOf(p);
      if (Array.isArray(b)) this.sink.set({ prefix: p, kind: 'unicast', nextHops: b as FibNextHop[] });
      else if (b) this.sink.set(b as FibRoute);
      else this.sink.delete(p);
    },
    apply: async (resync) => {
      // A new device route's interface was usually made a moment ago: the sink's view of the
      // links must include it before the route goes out.
      if (this.localChanged) this.sink.resync('links');
      if (resync) this.sink.resync('table');
      this.localChanged = false;
      await this.sink.flushed();
      const failed = new Map<string, string>();
      for (const p of this.local.keys()) {
        const why = this.sink.failure(p);
        if (why !== undefined) failed.set(this.localText.get(p) ?? p, why);
      }
      return failed;
    },
  };

  /** The dataplane programmed the kernel once (or gave up waiting): its routes are all set. */
  localSyncDone(): void {
    this.localSynced = true;
    this.maybeSyncDone();
  }

  /** Prefixes whose kernel route is the local one although BGP has a route too (status, tests). */
  overridden(): string[] {
    return [...this.local.keys()].filter((p) => this.bgpOf(p) !== undefined).sort();
  }

  /** A prefix's text parsed into this.words: family, length and canonical text; undefined when not a prefix. */
  private parse(prefix: string): { f: 0 | 1; len: number; text: string } | undefined {
    const p = parseInetPrefix(prefix);
    if (p instanceof RangeError) return undefined;
    const b = p.bytes;
    for (let i = 0; i < b.length >> 2; i++)
      this.words[i] = ((b[i * 4]! << 24) | (b[i * 4 + 1]! << 16) | (b[i * 4 + 2]! << 8) | b[i * 4 + 3]!) >>> 0;
    return { f: b.length === 16 ? 1 : 0, len: p.len, text: `${formatInetAddr(b)}/${p.len}` };
  }

  private bgpOf(canonicalText: string): BgpWant | undefined {
    const p = this.parse(canonicalText);
    return p && this.bgp[p.f]!.get(this.words, p.len);
  }

  private isLocal(v6: boolean, words: ArrayLike<number>, len: number): boolean {
    if (this.local.size === 0) return false;
    if (!v6) return this.local4.has(len * TWO32 + words[0]!);
    return this.local.has(prefixText(true, words, len));
  }

  private localKey(canonicalText: string, add: boolean): void {
    const p = this.parse(canonicalText);
    if (!p || p.f === 1) return;
    const k = p.len * TWO32 + this.words[0]!;
    if (add) this.local4.add(k);
    else this.local4.delete(k);
  }

  private maybeSyncDone(): void {
    if (this.syncSent || !this.bgpSynced || !this.localSynced) return;
    this.syncSent = true;
    this.sink.syncDone();
  }
}

/** A prefix given as words, as text (only where a sink without setWords needs it). */
function prefixText(v6: boolean, words: ArrayLike<number>, len: number): string {
  const b = new Uint8Array(v6 ? 16 : 4);
  for (let i = 0; i < b.length; i++) b[i] = (words[i >> 2]! >>> (24 - 8 * (i & 3))) & 255;
  return `${formatInetAddr(b)}/${len}`;
}

function canonical(prefix: string): string | undefined {
  const p = parseInetPrefix(prefix);
  return p instanceof RangeError ? undefined : `${formatInetAddr(p.bytes)}/${p.len}`;
}
