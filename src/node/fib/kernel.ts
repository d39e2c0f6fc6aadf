// The kernel FIB sink: desired routes (set/delete) against what the kernel table holds of our
// protocol, applied as batched rtnetlink requests (STYLE.md "Sync, don't stream blindly").
//
// State, all keyed by canonical prefix text:
// - desired: what the agent wants (the last set() per prefix);
// - installed: what we know the kernel holds of ours (the next-hop key per prefix), from the
//   dump at open, every batch's answers since (batch.ts), and periodic re-reads (table-read.ts);
// - dirty: prefixes changed since the last batch (dirty.ts), coalesced per prefix; a batch's
//   answers update installed, failed and dirty (outcome.ts);
// - keepUntilSync: ours found at open and not set since: left alone until syncDone().
// One worker loop does everything that touches the socket (batches, dumps), in turn, so
// `installed` always matches the kernel after each step.
import { setImmediate as yieldLoop } from 'node:timers/promises';
import { RtnlSocket, formatInetAddr, rtnl, type InetPrefix, type NlRoute, type SysError } from '../../sys';
import { LogRateLimiter } from '../../observability';
import { RouteBatch, type BatchOutcome } from './batch';
import { kernelOptions } from './config';
import { NextHops } from './hops';
import { linkDumper, readTable } from './table-read';
import { DirtyQueue } from './dirty';
import { canonicalPrefix, kernelDst } from './prefix-text';
import { desiredEntry, type DesiredEntry } from './desired';
import { Targets } from './target';
import { batchOutcome } from './outcome';
import type { FibLogger, FibRoute, FibSink, FibStats, KernelFibOptions } from './types';

export class KernelFib implements FibSink {
  /** Per prefix: what the agent wants (desired.ts: a next-hop array or a Kind). */
  private readonly desired = new Map<string, DesiredEntry>();
  private installed = new Map<string, string>();
  private readonly dirty = new DirtyQueue();
  private keepUntilSync: Set<string> | undefined;
  /** Ours at another metric (an older configuration): deleted at syncDone. */
  private strays: NlRoute[] = [];
  private readonly failed = new Map<string, string>();
  private readonly held = new Set<string>();
  private readonly hops: NextHops;
  /** What the kernel should hold per prefix (target.ts). */
  private readonly targets: Targets;
  private readonly limiter = new LogRateLimiter(5, 10_000);
  private readonly batch: RouteBatch;
  /** Where an IPv4 destination is parsed to for encoding (read at once, never kept). */
  private readonly v4dst = new Uint8Array(4);
  /** A batch's answers applied to our state (see batch.ts). */
  private readonly outcome: BatchOutcome;
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
    this.targets = new Targets(this.desired, this.held, this.hops, this.v4dst, (p, why) => this.fail(p, why));
    this.batch = new RouteBatch(sock, table, protocol, metric);
    this.outcome = batchOutcome({
      installed: () => this.installed,
      failed: this.failed,
      dirty: this.dirty,
      table,
      metric,
      fail: (prefix, why) => this.fail(prefix, why),
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
    this.keepUntilSync = new Set(this.installed.keys());
    this.dirty.clear(); // what the scan found is all kept for now: nothing to look at yet
    this.log.info(
      {
        table: this.table,
        protocol: this.protocol,
        metric: this.metric,
        found: this.installed.size,
        strays: this.strays.length,
      },
      'fib: kernel table read; routes of ours found are kept until End-of-RIB',
    );
    return undefined;
  }

  // ---- the FibSink interface ----

  set(route: FibRoute): void {
    const key = this.canonical(route.prefix);
    if (key === undefined) return;
    this.desired.set(key, desiredEntry(route));
    this.keepUntilSync?.delete(key);
    this.touch(key);
  }

  delete(prefix: string): void {
    const key = this.canonical(prefix);
    if (key === undefined) return;
    this.desired.delete(key);
    this.keepUntilSync?.delete(key);
    this.touch(key);
  }

  syncDone(): void {
    if (this.keepUntilSync) {
      for (const p of this.keepUntilSync) this.dirty.add(p);
      if (this.keepUntilSync.size > 0 || this.strays.length > 0) {
        this.log.info(
          { stale: this.keepUntilSync.size, strays: this.strays.length },
          'fib: End-of-RIB: deleting stale routes of ours',
        );
      }
      this.keepUntilSync = undefined;
    }
    this.pruneWanted = this.strays.length > 0;
    this.kick();
  }

  stats(): FibStats {
    // Held: routes with no resolvable next hop, so not in the kernel (a multipath route in
    // with part of its next hops counts as installed).
    let held = 0;
    for (const p of this.held) if (!this.installed.has(p)) held++;
    const s: FibStats = { installed: this.installed.size, pending: this.dirty.size + held, failed: this.failed.size };
    return this.lastError === undefined ? s : { ...s, lastError: this.lastError };
  }

  failure(prefix: string): string | undefined {
    if (this.failed.size === 0) return undefined;
    const c = canonicalPrefix(prefix, this.v4dst);
    return this.failed.get(typeof c === 'string' ? c : prefix);
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

  /** Canonical prefix text, or undefined (counted as failed) when it is not a prefix. */
  private canonical(prefix: string): string | undefined {
    const c = canonicalPrefix(prefix, this.v4dst);
    if (typeof c === 'string') return c;
    this.fail(String(prefix), c.message);
    return undefined;
  }

  private touch(prefix: string): void {
    this.dirty.add(prefix);
    this.kick();
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
    for (const p of this.held) this.dirty.add(p);
    for (const p of this.failed.keys()) if (this.desired.has(p)) this.dirty.add(p);
    if (changed) {
      // A next hop moved, came or went: the kernel may have dropped routes with a link
      // (IPv4 flushes them on NETDEV_DOWN), so read the table and re-check every route.
      const e = await this.scan();
      if (e) this.log.warn({ err: e.message }, 'fib: re-reading the kernel table failed');
      for (const p of this.desired.keys()) this.dirty.add(p);
    }
  }

  /** Dumps links and addresses; resolves to whether any cached next-hop answer changed. */
  private refreshConnected(): Promise<boolean | SysError> {
    return this.hops.refresh(linkDumper(this.sock));
  }

  /**
   * Reads our routes from the kernel table (both families) into `installed`; prefixes whose
   * kernel state differs from what we believed are re-checked. A dump interrupted by
   * concurrent changes (NLM_F_DUMP_INTR) is taken again, up to three times.
   */
  private async scan(): Promise<SysError | undefined> {
    const t = await readTable(this.sock, this.table, this.protocol, this.metric);
    if (t instanceof Error) return t;
    const { found, strays } = t;
    // What changed behind our back (someone deleted or replaced one of ours) gets fixed.
    for (const [p, k] of this.installed) if (found.get(p) !== k) this.dirty.add(p);
    for (const [p, k] of found) if (this.installed.get(p) !== k) this.dirty.add(p);
    this.installed = found;
    this.strays = strays;
    if (!this.keepUntilSync && strays.length > 0) this.pruneWanted = true;
    return undefined;
  }

  /** A canonical prefix in kernel form; IPv4 in one reused buffer, good until the next call. */
  private dst(prefix: string): InetPrefix {
    return kernelDst(prefix, this.v4dst);
  }

  /** Dirty prefixes, as many as a batch takes, sent as one batch. False when the send failed as a whole. */
  private runBatch(): boolean {
    const batch = this.batch;
    batch.begin();
    while (!batch.full) {
      const prefix = this.dirty.next();
      if (prefix === undefined) break;
      const t = this.targets.of(prefix, this.keepUntilSync);
      if (t === 'keep') continue;
      const cur = this.installed.get(prefix);
      if (t === null || t === 'invalid') {
        if (t === null && this.failed.size > 0) this.failed.delete(prefix);
        if (this.held.size > 0 && !this.desired.has(prefix)) this.held.delete(prefix);
        // An installed route whose desired form is held or invalid is outdated: it goes.
        if (cur !== undefined) batch.delete(prefix, this.dst(prefix));
        continue;
      }
      if (cur === t.key) {
        if (this.failed.size > 0) this.failed.delete(prefix); // already right: nothing is sent
        continue;
      }
      batch.set(prefix, t.dst, t.type, t.hops, t.key, cur !== undefined, t.scope);
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

  private fail(prefix: string, why: string): void {
    this.failed.set(prefix, why);
    this.noteError(prefix, why);
  }

  private noteError(prefix: string, why: string): void {
    this.lastError = `${prefix}: ${why}`;
    const d = this.limiter.allow('fib');
    if (d.ok) this.log.warn({ prefix, err: why, suppressed: d.suppressed || undefined }, 'fib: route not installed');
  }
}
