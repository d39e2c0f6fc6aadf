// The kernel FIB sink: desired routes (set/delete) against what the kernel table holds of our
// protocol, applied as batched rtnetlink requests (STYLE.md "Sync, don't stream blindly").
//
// State, in one slot table per family keyed by dense prefix ids (table.ts), no string per
// prefix: per slot the desired route, the installed next-hop key (from the dump at open, every
// batch's answers since, and periodic re-reads), and flags: queued (dirty: the slot's tag in
// the DirtyQueue, coalesced per prefix), held (no resolvable next hop), failed (its text in
// `failed`), kept until sync (ours found at open and not set since: left alone until
// syncDone()). One worker loop does everything that touches the socket (batches, dumps,
// nexthop objects made and deleted), in turn, so `installed` always matches the kernel after
// each step. Unicast routes go through nexthop objects (nexthop-objects.ts) where the kernel
// has them.
import { setImmediate as yieldLoop } from 'node:timers/promises';
import { formatInetAddr, type NlRoute, type RtnlSocket, type SysError } from '../../sys';
import { RouteBatch, type BatchOutcome } from './batch';
import { kernelOptions } from './config';
import { NextHops, kernelKey } from './hops';
import { NexthopObjects } from './nexthop-objects';
import { collectObjects } from './nexthop-gc';
import { openSockets } from './sockets';
import { Failures } from './failures';
import { linkDumper, readTable } from './table-read';
import { DIRTY, DirtyQueue, FAILED, FamilyTable, HELD, KEEP, KeyTable, tagOf } from './table';
import { V6, prefixWords } from './prefix-text';
import { desiredEntry, type DesiredEntry } from './desired';
import { Targets } from './target';
import { batchOutcome } from './outcome';
import { TableScan, countSlots, eachFlagged, installedKeys, keepAll } from './scan';
import type { FibLogger, FibNextHop, FibRoute, FibSink, FibStats, KernelFibOptions } from './types';

export class KernelFib implements FibSink {
  /** IPv4 and IPv6 slots (a tag's low bit picks one). */
  private readonly tables: [FamilyTable, FamilyTable] = [new FamilyTable(false), new FamilyTable(true)];
  private readonly keys = new KeyTable();
  private readonly dirty = new DirtyQueue();
  /** Slots flagged KEEP (found at open, not set since); undefined once the initial sync is done. */
  private keeping: number | undefined;
  /** Ours at another metric (an older configuration): deleted at syncDone. */
  private strays: NlRoute[] = [];
  /** Failure texts, the last error and its log (failures.ts). */
  private readonly failures: Failures;
  private readonly hops: NextHops;
  /** What the kernel should hold per prefix (target.ts). */
  private readonly targets: Targets;
  private readonly batch: RouteBatch;
  /** Where a text prefix is parsed to (read at once, never kept). */
  private readonly v4scratch = new Uint8Array(4);
  private readonly words = new Uint32Array(4);
  /** A batch's answers applied to our state (see batch.ts). */
  private readonly outcome: BatchOutcome;
  private readonly scanner: TableScan;
  /** Nexthop objects of ours (made in start(); off when the kernel refuses them). */
  private objects: NexthopObjects | undefined;
  private running: Promise<void> | undefined;
  private waiters: (() => void)[] = [];
  private relinkWanted = false;
  private scanWanted = false;
  private pruneWanted = false;
  /** Stale nexthop objects of ours to look for (after syncDone and scans; nexthop-gc.ts). */
  private gcWanted = false;
  private closed = false;
  private readonly timers: NodeJS.Timeout[] = [];

  private constructor(
    private readonly sock: RtnlSocket,
    private readonly notify: RtnlSocket | undefined,
    private readonly table: number,
    private readonly protocol: number,
    private readonly metric: number,
    private readonly log: FibLogger,
  ) {
    this.hops = new NextHops(log);
    const failures = (this.failures = new Failures(log));
    this.targets = new Targets(this.hops, this.keys, () => this.objects, failures.fail.bind(failures));
    this.batch = new RouteBatch(sock, table, protocol, metric);
    this.scanner = new TableScan(this.tables, this.keys, (t, id) => this.mark(t, id));
    this.outcome = batchOutcome({
      tables: this.tables,
      failed: failures.failed,
      table,
      metric,
      touch: (t, id) => this.touch(t, id),
      fail: failures.fail.bind(failures),
      noteError: failures.note.bind(failures),
      rescan: () => {
        this.scanWanted = true;
      },
    });
  }

  static async open(opts: KernelFibOptions): Promise<KernelFib | Error> {
    const o = kernelOptions(opts);
    if (o instanceof RangeError) return o;
    const { table, protocol, metric, scanSeconds } = o;
    const socks = openSockets(opts.log);
    if (socks instanceof Error) return socks;
    const fib = new KernelFib(socks.sock, socks.notify, table, protocol, metric, opts.log);
    const e = await fib.start();
    if (e) {
      fib.sock.close();
      fib.notify?.close();
      return new Error(`fib: cannot read table ${table}: ${e.message}`);
    }
    fib.timers.push(setInterval(() => fib.tick(), 1000).unref());
    if (scanSeconds > 0)
      fib.timers.push(
        setInterval(() => {
          fib.scanWanted = true;
          fib.kick();
        }, scanSeconds * 1000).unref(),
      );
    return fib;
  }

  private async start(): Promise<Error | undefined> {
    const c = await this.hops.refresh(linkDumper(this.sock));
    if (c instanceof Error) return c;
    this.objects = await NexthopObjects.open(this.sock, this.protocol, this.keys, this.log);
    const e = await this.scan();
    if (e) return e;
    // What the scan found is all kept for now: nothing to look at yet.
    const found = keepAll(this.tables, () => {
      while (this.dirty.shift() >= 0);
    });
    this.keeping = found;
    this.log.info(
      { table: this.table, protocol: this.protocol, metric: this.metric, found, strays: this.strays.length },
      'fib: kernel table read; routes of ours found are kept until End-of-RIB',
    );
    return undefined;
  }

  // ---- the FibSink interface ----

  set(route: FibRoute): void {
    const r = this.parse(route.prefix);
    if (r === undefined) return;
    this.want(this.tables[r >= V6 ? 1 : 0], r & 0xff, desiredEntry(route), this.words);
  }

  delete(prefix: string): void {
    const r = this.parse(prefix);
    if (r !== undefined) this.unwant(this.tables[r >= V6 ? 1 : 0], r & 0xff, this.words);
  }

  /** set() of a unicast route with the prefix as the RIB keeps it: no text made or parsed. */
  setWords(v6: boolean, words: ArrayLike<number>, len: number, nextHops: readonly FibNextHop[]): void {
    this.want(this.tables[v6 ? 1 : 0], len, nextHops, words);
  }

  deleteWords(v6: boolean, words: ArrayLike<number>, len: number): void {
    this.unwant(this.tables[v6 ? 1 : 0], len, words);
  }

  syncDone(): void {
    if (this.keeping !== undefined) {
      if (this.keeping > 0 || this.strays.length > 0) {
        this.log.info(
          { stale: this.keeping, strays: this.strays.length },
          'fib: End-of-RIB: deleting stale routes of ours',
        );
      }
      if (this.keeping > 0) eachFlagged(this.tables, KEEP, true, (t, id) => this.mark(t, id));
      this.keeping = undefined;
    }
    this.gcWanted = true;
    this.pruneWanted = this.strays.length > 0;
    this.kick();
  }

  stats(): FibStats {
    // Held: routes with no resolvable next hop, so not in the kernel (a multipath route in
    // with part of its next hops counts as installed).
    const { installed, held } = countSlots(this.tables, this.targets.held > 0);
    const s: FibStats = { installed, pending: this.dirty.size + held, failed: this.failures.size };
    const lastError = this.failures.lastError;
    return lastError === undefined ? s : { ...s, lastError };
  }

  failure(prefix: string): string | undefined {
    return this.failures.of(prefix, this.tables);
  }

  resync(what: 'links' | 'table'): void {
    if (what === 'links') this.relinkWanted = true;
    else this.scanWanted = true;
    this.kick();
  }

  flushed(): Promise<void> {
    if (!this.running && this.dirty.size === 0) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    await this.running;
    this.sock.close();
    this.notify?.close();
    for (const w of this.waiters.splice(0)) w();
  }

  // ---- internals ----

  /** A text prefix into this.words: its length (+V6), or undefined (counted as failed) when it is not one. */
  private parse(prefix: string): number | undefined {
    const r = prefixWords(prefix, this.v4scratch, this.words);
    if (typeof r === 'number') return r;
    this.failures.badPrefix(String(prefix), r.message);
    return undefined;
  }

  private want(t: FamilyTable, len: number, entry: DesiredEntry, words: ArrayLike<number>): void {
    const id = t.slot(words, len);
    t.setDesired(id, entry);
    this.unkeep(t, id);
    this.touch(t, id);
  }

  private unwant(t: FamilyTable, len: number, words: ArrayLike<number>): void {
    const id = t.find(words, len);
    if (id < 0) return; // nothing wanted, nothing of ours there: nothing to do
    t.setDesired(id, undefined);
    this.unkeep(t, id);
    this.touch(t, id);
  }

  private unkeep(t: FamilyTable, id: number): void {
    if (this.keeping === undefined || (t.flags[id]! & KEEP) === 0) return;
    t.flags[id] &= ~KEEP;
    this.keeping--;
  }

  private touch(t: FamilyTable, id: number): void {
    this.mark(t, id);
    this.kick();
  }

  /** Queues a slot once (its DIRTY flag says it is in the queue). */
  private mark(t: FamilyTable, id: number): void {
    if ((t.flags[id]! & DIRTY) !== 0) return;
    t.flags[id] |= DIRTY;
    this.dirty.push(tagOf(t, id));
  }

  /** Starts the worker loop if it is not running. */
  private kick(): void {
    if (this.running || this.closed) return;
    // Started on the next turn, so a burst of set() calls in one turn makes one batch.
    this.running = yieldLoop()
      .then(() => this.work())
      .finally(() => {
        this.running = undefined;
        if (this.dirty.size > 0 && !this.closed) this.kick();
        else for (const w of this.waiters.splice(0)) w();
      });
  }

  /** Once a second: any link/address notification queued means next hops must be re-checked. */
  private tick(): void {
    if (!this.notify || this.closed) return;
    const n = this.notify.poll();
    if (n instanceof Error || n > 0) {
      this.relinkWanted = true;
      this.kick();
    }
  }

  private async work(): Promise<void> {
    while (!this.closed) {
      if (this.relinkWanted) {
        this.relinkWanted = false;
        await this.relink();
      } else if (this.scanWanted) {
        this.scanWanted = false;
        const e = await this.scan();
        if (e) this.log.warn({ err: e.message }, 'fib: re-reading the kernel table failed');
      } else if (this.pruneWanted) {
        this.pruneWanted = false;
        this.pruneStrays();
      } else if (this.objects?.hasPending) {
        await this.objects.create(); // objects routes wait for, before the next batch
      } else if (this.dirty.size > 0) {
        // A send that failed as a whole (ENOMEM, ...) is retried after a pause, not in a spin.
        if (!this.runBatch()) await new Promise((r) => setTimeout(r, 1000));
      } else if (this.gcWanted && this.keeping === undefined && this.objects) {
        this.gcWanted = false;
        await collectObjects(this.objects, this.sock, installedKeys(this.tables), this.log);
      } else {
        this.batch.careful = false; // drained: whatever was lost has been looked at again
        return;
      }
      // Between batches the event loop runs: sessions keep reading while a table goes in.
      await yieldLoop();
    }
  }

  /** Re-reads links and addresses; re-checks held and failed routes, or all when answers changed. */
  private async relink(): Promise<void> {
    const changed = await this.hops.refresh(linkDumper(this.sock));
    if (changed instanceof Error) {
      this.log.warn({ err: changed.message }, 'fib: reading links and addresses failed');
      return;
    }
    eachFlagged(this.tables, HELD, false, (t, id) => this.mark(t, id));
    eachFlagged(this.tables, FAILED, false, (t, id) => {
      if (t.hasDesired(id)) this.mark(t, id);
    });
    // The kernel removes nexthop objects (and their routes) whose link went down, also when
    // it came back up before we looked (nexthop.c nexthop_flush_dev).
    if (changed) this.objects?.retry();
    const lost = !changed && (await this.objects?.refresh()) === true;
    if (changed || lost) {
      // A next hop moved, came or went: the kernel may have dropped routes with a link
      // (IPv4 flushes them on NETDEV_DOWN), so read the table and re-check every route.
      const e = await this.scan();
      if (e) this.log.warn({ err: e.message }, 'fib: re-reading the kernel table failed');
      for (const t of this.tables) for (let id = 0; id < t.capacity; id++) if (t.hasDesired(id)) this.mark(t, id);
    }
  }

  /**
   * Reads our routes from the kernel table (both families) into the slots' installed keys;
   * prefixes whose kernel state differs from what we believed are re-checked (scan.ts).
   */
  private async scan(): Promise<SysError | undefined> {
    // Objects first: a route's key says which object it goes through.
    const o = await this.objects?.refresh();
    if (o instanceof Error) this.log.warn({ err: o.message }, 'fib: re-reading nexthop objects failed');
    const keyOf = this.objects ? this.objects.keyOf.bind(this.objects) : kernelKey;
    const strays = await readTable(this.sock, this.table, this.protocol, this.metric, this.scanner, keyOf);
    if (strays instanceof Error) return strays;
    this.scanner.finish();
    this.strays = strays;
    this.gcWanted = true;
    if (this.keeping === undefined && strays.length > 0) this.pruneWanted = true;
    return undefined;
  }

  /** Dirty prefixes, as many as a batch takes, sent as one batch. False when the send failed as a whole. */
  private runBatch(): boolean {
    const batch = this.batch;
    const targets = this.targets;
    batch.begin();
    while (!batch.full) {
      const tag = this.dirty.shift();
      if (tag < 0) break;
      const t = this.tables[tag & 1]!;
      const id = tag >>> 1;
      t.flags[id] &= ~DIRTY;
      const want = targets.of(t, id);
      if (want === 'keep') continue;
      if (want === 'wait') {
        this.mark(t, id); // back in the queue; its object is made before the next batch
        break;
      }
      const cur = t.installed[id]!;
      if (want === null || want === 'invalid') {
        if (want === null) this.unfail(t, id);
        // An installed route whose desired form is held or invalid is outdated: it goes.
        if (cur >= 0) batch.delete(tag, t.kernelDst(id));
        else t.release(id);
        continue;
      }
      if (cur === want.key) {
        this.unfail(t, id); // already right: nothing is sent
        continue;
      }
      batch.set(tag, want.dst, want.type, want.hops, want.key, cur >= 0, want.scope, want.nhId);
    }
    return batch.send(this.outcome);
  }

  /** Strays (ours at another metric) deleted, one batch per turn of the worker like every other change. */
  private pruneStrays(): void {
    this.batch.begin();
    while (!this.batch.full && this.strays.length > 0) {
      const r = this.strays.pop()!;
      this.batch.deleteStray(`${formatInetAddr(r.dst)}/${r.dstLen}`, r);
    }
    this.pruneWanted = this.strays.length > 0;
    this.batch.send(this.outcome);
  }

  private unfail(t: FamilyTable, id: number): void {
    this.failures.unfail(t, id);
  }
}
