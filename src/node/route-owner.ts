// The one owner of the kernel route table's desired state (issue 12: "the routes go through the
// same rtnetlink route table as the FIB sink, so BGP and local routes never fight"). Three
// kinds of route want a prefix, and per prefix the first of these wins:
// 1. a local workload's device route (the dataplane: a /32 or /128 out of its interface,
//    scope link), because the workload is here whatever a peer says (a stale advertisement of
//    a moved workload must not pull its traffic away);
// 2. the blackhole of a block affine to this node (local-routes.ts), so unused addresses of
//    our block end here instead of looping back to a peer;
// 3. BGP's learned best path(s) (FibFeed).
// The first two are a handful of prefixes, kept here; BGP's are a full table, kept once, by
// FibFeed (per Rib prefix id), which this asks for a prefix's route when what overrode it
// goes. The sink sees one desired route per prefix, so a change is an in-place replace and no
// writer ever deletes another's route.
//
// The initial sync (stale routes of ours go) waits for both writers: BGP's End-of-RIB (or its
// timeout) and the dataplane's first programming, so a restart never drops a workload's route.
import type { RouteTable } from '../dataplane';
import type { FibNextHop, FibSink } from './fib';
import { prefixWords, V6, wordsText } from './fib/prefix-text';

/** Where BGP's route for a prefix is read (FibFeed: the learned best paths). */
export interface BgpRoutes {
  /** BGP's next hops for the prefix (address words and length as in FibSink.setWords), if any. */
  bgpRoute(v6: boolean, words: ArrayLike<number>, len: number): readonly FibNextHop[] | undefined;
}

/** What overrides BGP for one prefix (at least one of device and blackhole). */
interface Override {
  v6: boolean;
  words: Uint32Array;
  len: number;
  blackhole: boolean;
  /** The interface of the local device route. */
  device: string | undefined;
  /** The dataplane's own text for the prefix (its failures are reported in its words). */
  deviceText: string | undefined;
}

/** What wins for an override's prefix: the device route's interface, else whether a blackhole (false: BGP). */
type Winner = string | boolean;
const winner = (o: Override): Winner => o.device ?? o.blackhole;
const TWO32 = 2 ** 32;

export class RouteOwner {
  private bgp: BgpRoutes | undefined;
  /** Device routes and blackholes by canonical prefix text. */
  private readonly overrides = new Map<string, Override>();
  /** The IPv4 ones as numbers (length * 2^32 + address): checked per BGP route without text. */
  private readonly keys4 = new Set<number>();
  /** The IPv6 ones per prefix length: text is made for a BGP route only at a length in use. */
  private readonly lens6 = new Uint32Array(129);
  private readonly scratch = new Uint8Array(4);
  /** Device routes set or changed since the dataplane's last apply. */
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

  /** Where BGP's routes are read from when an override goes (FibFeed gives itself). */
  bgpFrom(bgp: BgpRoutes): void {
    this.bgp = bgp;
  }

  /**
   * BGP's route for a prefix changed (`nextHops` undefined: BGP has none now). Under a device
   * route or blackhole nothing is sent: BGP's side keeps it, and it is read back when the
   * override goes. `words` may be reused by the caller afterwards (the sink copies them).
   */
  bgpChanged(v6: boolean, words: ArrayLike<number>, len: number, nextHops: readonly FibNextHop[] | undefined): void {
    if (this.overrides.size > 0 && this.overridesBgp(v6, words, len)) return;
    if (nextHops) this.sink.setWords(v6, words, len, nextHops);
    else this.sink.deleteWords(v6, words, len);
  }

  /** BGP's initial sync is over (End-of-RIB from every first peer, or the timeout). */
  bgpSyncDone(): void {
    this.bgpSynced = true;
    this.maybeSyncDone();
  }

  /** The blackhole of a block affine to this node (canonical text, as the Rib gave it). */
  setBlackhole(prefix: string): void {
    const f = this.find(prefix, true);
    if (f === undefined) {
      this.sink.set({ prefix, kind: 'blackhole', nextHops: [] }); // the sink counts the bad prefix
      return;
    }
    const [key, o] = f;
    const before = winner(o);
    o.blackhole = true;
    this.changed(key, o, before);
  }

  deleteBlackhole(prefix: string): void {
    const f = this.find(prefix, false);
    if (!f?.[1].blackhole) return;
    const [key, o] = f;
    const before = winner(o);
    o.blackhole = false;
    this.changed(key, o, before);
  }

  /** The face the dataplane writes through (its `routes` option). */
  readonly routeTable: RouteTable = {
    setDeviceRoute: (prefix, ifname) => {
      const f = this.find(prefix, true);
      if (f === undefined) return;
      const [key, o] = f;
      o.deviceText = prefix;
      if (o.device === ifname) return;
      this.localChanged = true;
      const before = winner(o);
      o.device = ifname;
      this.changed(key, o, before);
    },
    delete: (prefix) => {
      const f = this.find(prefix, false);
      if (f?.[1].device === undefined) return;
      const [key, o] = f;
      const before = winner(o);
      // The workload is gone: the blackhole or BGP's view of the prefix (if any) is the truth again.
      o.device = undefined;
      o.deviceText = undefined;
      this.changed(key, o, before);
    },
    apply: async (resync) => {
      // A new device route's interface was usually made a moment ago: the sink's view of the
      // links must include it before the route goes out.
      if (this.localChanged) this.sink.resync('links');
      if (resync) this.sink.resync('table');
      this.localChanged = false;
      await this.sink.flushed();
      const failed = new Map<string, string>();
      for (const [p, o] of this.overrides) {
        if (o.device === undefined) continue;
        const why = this.sink.failure(p);
        if (why !== undefined) failed.set(o.deviceText ?? p, why);
      }
      return failed;
    },
  };

  /** The dataplane programmed the kernel once (or gave up waiting): its routes are all set. */
  localSyncDone(): void {
    this.localSynced = true;
    this.maybeSyncDone();
  }

  /** Prefixes whose kernel route is the local one although BGP has a route too (tests). */
  overridden(): string[] {
    const out: string[] = [];
    for (const [p, o] of this.overrides)
      if (o.device !== undefined && this.bgp?.bgpRoute(o.v6, o.words, o.len)) out.push(p);
    return out.sort();
  }

  /** A prefix's override was edited: the sink gets its route if what wins changed. */
  private changed(key: string, o: Override, before: Winner): void {
    const after = winner(o);
    if (after === false) this.forget(key, o);
    if (after === before) return;
    if (o.device !== undefined) this.sink.set({ prefix: key, kind: 'device', nextHops: [], device: o.device });
    else if (o.blackhole) this.sink.set({ prefix: key, kind: 'blackhole', nextHops: [] });
    else {
      const hops = this.bgp?.bgpRoute(o.v6, o.words, o.len);
      if (hops) this.sink.setWords(o.v6, o.words, o.len, hops);
      else this.sink.deleteWords(o.v6, o.words, o.len);
    }
  }

  /** The override of a prefix given as text (`make`: made if new); undefined when it is not a prefix. */
  private find(prefix: string, make: boolean): [string, Override] | undefined {
    const words = new Uint32Array(4);
    const r = prefixWords(prefix, this.scratch, words);
    if (r instanceof RangeError) return undefined;
    const v6 = r >= V6;
    const len = r & 0xff;
    const key = wordsText(v6, words, len);
    let o = this.overrides.get(key);
    if (o === undefined && make) {
      o = { v6, words, len, blackhole: false, device: undefined, deviceText: undefined };
      this.overrides.set(key, o);
      if (v6) this.lens6[len] = this.lens6[len]! + 1;
      else this.keys4.add(len * TWO32 + words[0]!);
    }
    return o && [key, o];
  }

  private forget(key: string, o: Override): void {
    this.overrides.delete(key);
    if (o.v6) this.lens6[o.len] = this.lens6[o.len]! - 1;
    else this.keys4.delete(o.len * TWO32 + o.words[0]!);
  }

  private overridesBgp(v6: boolean, words: ArrayLike<number>, len: number): boolean {
    if (!v6) return this.keys4.has(len * TWO32 + words[0]!);
    return this.lens6[len]! > 0 && this.overrides.has(wordsText(true, words, len));
  }

  private maybeSyncDone(): void {
    if (this.syncSent || !this.bgpSynced || !this.localSynced) return;
    this.syncSent = true;
    this.sink.syncDone();
  }
}
