// The kernel FIB sink: desired routes (set/delete) against what the kernel table holds of our
// protocol, applied as batched rtnetlink requests (STYLE.md "Sync, don't stream blindly").
//
// State, in one slot table per family keyed by dense prefix ids (table.ts), no string per
// prefix: per slot the desired route, the installed next-hop key (from the dump at open, every
// batch's answers since, and periodic re-reads), and flags: queued (dirty: the slot's tag in
// the DirtyQueue, coalesced per prefix), held (no resolvable next hop), failed (its text in
// `failed`), kept until sync (ours found at open and not set since: left alone until
// syncDone()). One worker loop does everything that touches the socket (batches, dumps), in
// turn, so `installed` always matches the kernel after each step.
import { setImmediate as yieldLoop } from 'node:timers/promises';
import { RtnlSocket, formatInetAddr, rtnl, type NlRoute, type SysError } from '../../sys';
import { LogRateLimiter } from '../../observability';
import { RouteBatch, type BatchOutcome } from './batch';
import { kernelOptions } from './config';
import { NextHops } from './hops';
import { linkDumper, readTable } from './table-read';
import { DIRTY, DirtyQueue, FAILED, FamilyTable, HELD, KEEP, KeyTable, tagOf } from './table';
import { V6, prefixWords } from './prefix-text';
import { desiredEntry, type DesiredEntry } from './desired';
import { Targets } from './target';
import { batchOutcome } from './outcome';
import { TableScan, countSlots, eachFlagged, keepAll } from './scan';
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
  /** Why a slot's last change failed, by tag (its FAILED flag says it is here). */
  private readonly failed = new Map<number, string>();
  /** Texts set() or delete() could not take as a prefix, and why. */
  private readonly badText = new Map<string, string>();
  private readonly hops: NextHops;
  /** What the kernel should hold per prefix (target.ts). */
  private readonly targets: Targets;
  private readonly limiter = new LogRateLimiter(5, 10_000);
  private readonly batch: RouteBatch;
  /** Where a text prefix is parsed to (read at once, never kept). */
  private readonly v4scratch = new Uint8Array(4);
  private readonly words = new Uint32Array(4);
  /** A batch's answers applied to our state (see batch.ts). */
  private readonly outcome: BatchOutcome;
  private readonly scanner: TableScan;
  private lastError: string | undefined;
  private running: Promise<void> | undefined;
  private waiters: (() => void)[] = [];
  private relinkWanted = false;
  private scanWanted = false;
  private pruneWanted = false;
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
    this.targets = new Targets(this.hops, this.keys, (t, id, why) => this.fail(t, id, why));
    this.batch = new RouteBatch(sock, table, protocol, metric);
    this.scanner = new TableScan(this.tables, this.keys, (t, id) => this.mark(t, id));
    this.outcome = batchOutcome({
      tables: this.tables,
      failed: this.failed,
      table,
      metric,
      touch: (t, id) => this.touch(t, id),
      fail: (t, id, why) => this.fail(t, id, why),
      noteError: (prefix, why) => this.noteError(prefix, why),
      rescan: () => {
        this.scanWanted = true;
      },
    });
  }

  static async open(opts: KernelFibOptions): Promise<KernelFib | Error> {
    const o = kernelOptions(opts);
    if (o instanceof RangeError) return o;
    const { table, protocol, metric, scanSeconds } = o;
    const sock = RtnlSocket.open();
    if (sock instanceof Error) return new Error(`fib: cannot open the rtnetlink socket: ${sock.message}`);
    // Link and address changes arrive on their own socket, polled (see rtnetlink.ts on why).
    const notify = RtnlSocket.open({
      groups: rtnl.RTMGRP_LINK | rtnl.RTMGRP_IPV4_IFADDR | rtnl.RTMGRP_IPV6_IFADDR,
      rcvbuf: 256 * 1024,
    });
    if (notify instanceof Error)
      opts.log.warn(
        { err: notify.message },
        'fib: no link/address notifications; next hops re-checked at each scan only',
      );
    const fib = new KernelFib(sock, notify instanceof Error ? undefined : notify, table, protocol, metric, opts.log);
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
    const c = await this.refreshConnected();
    if (c instanceof Error) return c;
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
    this.pruneWanted = this.strays.length > 0;
    this.kick();
  }

  stats(): FibStats {
    // Held: routes with no resolvable next hop, so not in the kernel (a multipath route in
    // with part of its next hops counts as installed).
    const { installed, held } = countSlots(this.tables, this.targets.held > 0);
    const s: FibStats = { installed, pending: this.dirty.size + held, failed: this.failed.size + this.badText.size };
    return this.lastError === undefined ? s : { ...s, lastError: this.lastError };
  }

  failure(prefix: string): string | undefined {
    if (this.failed.size === 0 && this.badText.size === 0) return undefined;
    const r = prefixWords(prefix, this.v4scratch, this.words);
    if (typeof r !== 'number') return this.badText.get(prefix);
    const t = this.tables[r >= V6 ? 1 : 0];
    const id = t.find(this.words, r & 0xff);
    return id < 0 ? undefined : this.failed.get(tagOf(t, id));
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
    this.badText.set(String(prefix), r.message);
    this.noteError(String(prefix), r.message);
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
      } else if (this.dirty.size > 0) {
        // A send that failed as a whole (ENOMEM, ...) is retried after a pause, not in a spin.
        if (!this.runBatch()) await new Promise((r) => setTimeout(r, 1000));
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
    const changed = await this.refreshConnected();
    if (changed instanceof Error) {
      this.log.warn({ err: changed.message }, 'fib: reading links and addresses failed');
      return;
    }
    eachFlagged(this.tables, HELD, false, (t, id) => this.mark(t, id));
    eachFlagged(this.tables, FAILED, false, (t, id) => {
      if (t.hasDesired(id)) this.mark(t, id);
    });
    if (changed) {
      // A next hop moved, came or went: the kernel may have dropped routes with a link
      // (IPv4 flushes them on NETDEV_DOWN), so read the table and re-check every route.
      const e = await this.scan();
      if (e) this.log.warn({ err: e.message }, 'fib: re-reading the kernel table failed');
      for (const t of this.tables) for (let id = 0; id < t.capacity; id++) if (t.hasDesired(id)) this.mark(t, id);
    }
  }

  /** Dumps links and addresses; resolves to whether any cached next-hop answer changed. */
  private refreshConnected(): Promise<boolean | SysError> {
    return this.hops.refresh(linkDumper(this.sock));
  }

  /**
   * Reads our routes from the kernel table (both families) into the slots' installed keys;
   * prefixes whose kernel state differs from what we believed are re-checked (scan.ts).
   */
  private async scan(): Promise<SysError | undefined> {
    const strays = await readTable(this.sock, this.table, this.protocol, this.metric, this.scanner);
    if (strays instanceof Error) return strays;
    this.scanner.finish();
    this.strays = strays;
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
      batch.set(tag, want.dst, want.type, want.hops, want.key, cur >= 0, want.scope);
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
    if ((t.flags[id]! & FAILED) === 0) return;
    t.flags[id] &= ~FAILED;
    this.failed.delete(tagOf(t, id));
  }

  private fail(t: FamilyTable, id: number, why: string): void {
    t.flags[id] |= FAILED;
    this.failed.set(tagOf(t, id), why);
    this.noteError(t.text(id), why);
  }

  private noteError(prefix: string, why: string): void {
    this.lastError = `${prefix}: ${why}`;
    const d = this.limiter.allow('fib');
    if (d.ok) this.log.warn({ prefix, err: why, suppressed: d.suppressed || undefined }, 'fib: route not installed');
  }
}
