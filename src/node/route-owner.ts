// One owner per prefix for the kernel route table (issue 12: "the routes go through the same
// rtnetlink route table as the FIB sink, so BGP and local routes never fight"). Two writers
// share one FibSink: BGP (FibFeed: learned best paths and our blocks' blackholes) and the
// dataplane (a /32 or /128 device route per local workload address, scope link). Per prefix
// the local workload route wins, because the workload is here whatever a peer says (a stale
// advertisement of a moved workload must not pull its traffic away); when the workload goes,
// what BGP wants for that prefix is put back. The sink sees one desired route per prefix, so
// a change is an in-place replace and no writer ever deletes the other's route.
//
// The initial sync (stale routes of ours go) waits for both writers: BGP's End-of-RIB (or its
// timeout) and the dataplane's first programming, so a restart never drops a workload's route.
import type { RouteTable } from '../dataplane';
import { formatInetAddr, parseInetPrefix } from '../sys';
import type { FibRoute, FibSink, FibStats } from './fib';

export class RouteOwner {
  /** What BGP wants, by canonical prefix. */
  private readonly bgp = new Map<string, FibRoute>();
  /** Local device routes: canonical prefix -> interface name. */
  private readonly local = new Map<string, string>();
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
      const p = canonical(route.prefix);
      if (p === undefined) {
        this.sink.set(route);
        return;
      } // the sink counts the bad prefix
      this.bgp.set(p, route);
      if (!this.local.has(p)) this.sink.set(route);
    },
    delete: (prefix) => {
      const p = canonical(prefix);
      if (p === undefined) {
        this.sink.delete(prefix);
        return;
      }
      this.bgp.delete(p);
      if (!this.local.has(p)) this.sink.delete(p);
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
      this.localChanged = true;
      this.sink.set({ prefix: p, kind: 'device', nextHops: [], device: ifname });
    },
    delete: (prefix) => {
      const p = canonical(prefix);
      if (p === undefined || !this.local.delete(p)) return;
      this.localText.delete(p);
      // The workload is gone: BGP's view of the prefix (if any) is the truth again.
      const b = this.bgp.get(p);
      if (b) this.sink.set(b);
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
    return [...this.local.keys()].filter((p) => this.bgp.has(p)).sort();
  }

  private maybeSyncDone(): void {
    if (this.syncSent || !this.bgpSynced || !this.localSynced) return;
    this.syncSent = true;
    this.sink.syncDone();
  }
}

function canonical(prefix: string): string | undefined {
  const p = parseInetPrefix(prefix);
  return p instanceof RangeError ? undefined : `${formatInetAddr(p.bytes)}/${p.len}`;
}
