// The kernel FIB sink: desired routes (set/delete) against what the kernel table holds of our
// protocol, applied as batched rtnetlink requests (STYLE.md "Sync, don't stream blindly").
//
// State, all keyed by canonical prefix text:
// - desired: what the agent wants (the last set() per prefix);
// - installed: what we know the kernel holds of ours (the next-hop key per prefix), from the
//   dump at open, every ACK since, and periodic re-reads;
// - dirty: prefixes changed since the last batch. A change is coalesced here, so set then
//   delete of one prefix between batches is one delete, or nothing if it was never installed;
// - keepUntilSync: ours found at open and not set since: left alone until syncDone().
// One worker loop does everything that touches the socket (batches, dumps), in turn, so
// `installed` always matches the kernel after each step.
import { constants as osConstants } from 'node:os';
import { setImmediate as yieldLoop } from 'node:timers/promises';
import {
  AF_INET, AF_INET6, NlBatch, RtnlSocket, formatInetAddr, parseInetPrefix, rtnl, type InetPrefix, type NlAddr, type NlLink,
  type NlNextHop, type NlRoute, type SysError,
} from '../../sys';
import { LogRateLimiter } from '../../observability';
import { ConnectedNetworks, type ResolvedHop } from './connected';
import type { FibLogger, FibNextHop, FibRoute, FibSink, FibStats, KernelFibOptions } from './types';

const ESRCH = 3;
const EEXIST = 17;
const BLACKHOLE_KEY = 'blackhole';
/** rtnetlink.h RT_SCOPE_NOWHERE: in a delete request, "whatever the route's scope". */
const RT_SCOPE_NOWHERE = 255;

/** One request of a batch, to match its ACK. */
interface Op {
  readonly prefix: string;
  /** The next-hop key installed on success; undefined for a delete. */
  readonly key: string | undefined;
  readonly stray?: NlRoute;
}

/** Next hops resolved for one `nextHops` array (see resolveHops). */
interface ResolvedHops {
  /** ConnectedNetworks generation it was resolved in. */
  readonly gen: number;
  readonly family: number;
  readonly key: string;
  readonly hops: readonly NlNextHop[];
  /** Some next hop is not (yet) on a connected network. */
  readonly unresolved: boolean;
  /** Why the route cannot be installed at all (bad input). */
  readonly invalid?: string;
}

/** A target the kernel should hold for a prefix. */
interface Target {
  readonly dst: InetPrefix;
  readonly key: string;
  readonly type: number;
  readonly hops: readonly NlNextHop[];
  /** RT_SCOPE_LINK for a device route, else universe. */
  readonly scope?: number;
}

export function resolveTable(t: KernelFibOptions['table']): number | RangeError {
  if (t === undefined || t === 'main') return rtnl.RT_TABLE_MAIN;
  // 0 is RT_TABLE_UNSPEC, 253 default, 255 local: none is a table for our routes.
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 0xffffffff || t === 253 || t === 255) {
    return new RangeError(`fib.table: ${String(t)} is not 'main' or a table number 1..4294967295 (not 253 or 255)`);
  }
  return t;
}

/** The key of a route's next hops as the kernel holds them: order-free, interface included. */
function hopsKey(hops: readonly { text: string; ifindex: number }[]): string {
  return hops.map((h) => `${h.text}%${h.ifindex}`).sort().join(',');
}

function kernelKey(r: NlRoute): string {
  if (r.type === rtnl.RTN_BLACKHOLE) return BLACKHOLE_KEY;
  if (r.type !== rtnl.RTN_UNICAST) return `type${r.type}`;
  return hopsKey(r.nextHops.map((h) => ({ text: h.gateway ? formatInetAddr(h.gateway) : 'dev', ifindex: h.ifindex ?? 0 })));
}

export class KernelFib implements FibSink {
  private readonly desired = new Map<string, FibRoute>();
  private installed = new Map<string, string>();
  private dirty = new Set<string>();
  /** The set being worked through (detached from `dirty`) and how much of it is left. */
  private walk: Iterator<string> | undefined;
  private walkLeft = 0;
  private keepUntilSync: Set<string> | undefined;
  /** Ours at another metric (an older configuration): deleted at syncDone. */
  private strays: NlRoute[] = [];
  private readonly failed = new Map<string, string>();
  private readonly held = new Set<string>();
  private readonly loggedHops = new Set<string>();
  private readonly connected = new ConnectedNetworks();
  /** Bumped when link or address answers change: cached next-hop resolutions are then stale. */
  private gen = 0;
  private hopsCache = new WeakMap<readonly FibNextHop[], ResolvedHops>();
  private readonly limiter = new LogRateLimiter(5, 10_000);
  private readonly batch = new NlBatch(256 * 1024);
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
  ) {}

  static async open(opts: KernelFibOptions): Promise<KernelFib | Error> {
    const table = resolveTable(opts.table);
    if (table instanceof RangeError) return table;
    const protocol = opts.protocol ?? 200;
    // 0 unspec, 1 redirect, 2 kernel, 3 boot, 4 static are the kernel's and iproute2's own.
    if (!Number.isInteger(protocol) || protocol < 5 || protocol > 255) {
      return new RangeError(`fib.protocol: ${String(protocol)} is not a route protocol number 5..255`);
    }
    const metric = opts.metric ?? 32;
    if (!Number.isInteger(metric) || metric < 0 || metric > 0xffffffff) return new RangeError(`fib.metric: ${String(metric)} is not 0..4294967295`);
    const scanSeconds = opts.scanSeconds ?? 60;
    if (typeof scanSeconds !== 'number' || !(scanSeconds >= 0)) return new RangeError(`fib.scanSeconds: ${String(scanSeconds)} is not a number of seconds >= 0`);
    const sock = RtnlSocket.open();
    if (sock instanceof Error) return new Error(`fib: cannot open the rtnetlink socket: ${sock.message}`);
    // Link and address changes arrive on their own socket, polled (see rtnetlink.ts on why).
    const notify = RtnlSocket.open({ groups: rtnl.RTMGRP_LINK | rtnl.RTMGRP_IPV4_IFADDR | rtnl.RTMGRP_IPV6_IFADDR, rcvbuf: 256 * 1024 });
    if (notify instanceof Error) opts.log.warn({ err: notify.message }, 'fib: no link/address notifications; next hops re-checked at each scan only');
    const fib = new KernelFib(sock, notify instanceof Error ? undefined : notify, table, protocol, metric, opts.log);
    const e = await fib.start();
    if (e) {
      fib.sock.close();
      fib.notify?.close();
      return new Error(`fib: cannot read table ${table}: ${e.message}`);
    }
    fib.timers.push(setInterval(() => fib.tick(), 1000).unref());
    if (scanSeconds > 0) fib.timers.push(setInterval(() => { fib.scanWanted = true; fib.kick(); }, scanSeconds * 1000).unref());
    return fib;
  }

  private async start(): Promise<Error | undefined> {
    const c = await this.refreshConnected();
    if (c instanceof Error) return c;
    const e = await this.scan();
    if (e) return e;
    this.keepUntilSync = new Set(this.installed.keys());
    this.dirty.clear(); // what the scan found is all kept for now: nothing to look at yet
    this.log.info({ table: this.table, protocol: this.protocol, metric: this.metric, found: this.installed.size, strays: this.strays.length },
      'fib: kernel table read; routes of ours found are kept until End-of-RIB');
    return undefined;
  }

  // ---- the FibSink interface ----

  set(route: FibRoute): void {
    const key = this.canonical(route.prefix);
    if (key === undefined) return;
    this.desired.set(key, key === route.prefix ? route : { ...route, prefix: key });
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
        this.log.info({ stale: this.keepUntilSync.size, strays: this.strays.length }, 'fib: End-of-RIB: deleting stale routes of ours');
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
    const s: FibStats = { installed: this.installed.size, pending: this.queued() + held, failed: this.failed.size };
    return this.lastError === undefined ? s : { ...s, lastError: this.lastError };
  }

  failure(prefix: string): string | undefined {
    return this.failed.get(this.canonicalText(prefix));
  }

  resync(what: 'links' | 'table'): void {
    if (what === 'links') this.relinkWanted = true;
    else this.scanWanted = true;
    this.kick();
  }

  flushed(): Promise<void> {
    if (!this.running && this.queued() === 0) return Promise.resolve();
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

  private canonicalText(prefix: string): string {
    const p = parseInetPrefix(prefix);
    return p instanceof RangeError ? prefix : `${formatInetAddr(p.bytes)}/${p.len}`;
  }

  /** Canonical prefix text, or undefined (counted as failed) when it is not a prefix. */
  private canonical(prefix: string): string | undefined {
    const p = parseInetPrefix(prefix);
    if (p instanceof RangeError) {
      this.fail(String(prefix), p.message);
      return undefined;
    }
    // A dotted quad that parses is canonical already (no leading zeros are accepted).
    if (p.family === AF_INET && prefix.length - prefix.indexOf('/') === (p.len < 10 ? 2 : 3)) return prefix;
    return `${formatInetAddr(p.bytes)}/${p.len}`;
  }

  private touch(prefix: string): void {
    this.dirty.add(prefix);
    this.kick();
  }

  /** Starts the worker loop if it is not running. */
  private kick(): void {
    if (this.running || this.closed) return;
    // Started on the next turn, so a burst of set() calls in one turn makes one batch.
    this.running = yieldLoop().then(() => this.work()).finally(() => {
      this.running = undefined;
      if (this.queued() > 0 && !this.closed) this.kick();
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
    const max = this.sock.maxBatch();
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
      } else if (this.queued() > 0) {
        // A send that failed as a whole (ENOMEM, ...) is retried after a pause, not in a spin.
        if (!this.runBatch(max)) await new Promise((r) => setTimeout(r, 1000));
      } else {
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
  private async refreshConnected(): Promise<boolean | Error> {
    const links: NlLink[] = [];
    const addrs: NlAddr[] = [];
    let e = await this.dumpOnce(rtnl.RTM_GETLINK, 0, (b, m) => {
      const l = m.type === rtnl.RTM_NEWLINK ? rtnl.decodeLink(b, m) : undefined;
      if (l) links.push(l);
    });
    if (e) return e;
    e = await this.dumpOnce(rtnl.RTM_GETADDR, 0, (b, m) => {
      const a = m.type === rtnl.RTM_NEWADDR ? rtnl.decodeAddr(b, m) : undefined;
      if (a) addrs.push(a);
    });
    if (e) return e;
    const changed = this.connected.update(links, addrs);
    // Held routes are re-checked after any change, so no cached answer may outlive one.
    this.gen++;
    return changed;
  }

  private async dumpOnce(type: typeof rtnl.RTM_GETLINK | typeof rtnl.RTM_GETADDR | typeof rtnl.RTM_GETROUTE, family: number,
    onMessage: Parameters<RtnlSocket['dump']>[2], filter?: { table: number; protocol: number }): Promise<SysError | undefined> {
    const req = new NlBatch(64);
    const seq = this.sock.takeSeq(1);
    req.addDump(type, family, seq, filter);
    const r = await this.sock.dump(req, seq, onMessage);
    return r instanceof Error ? r : undefined;
  }

  /**
   * Reads our routes from the kernel table (both families) into `installed`; prefixes whose
   * kernel state differs from what we believed are re-checked. A dump interrupted by
   * concurrent changes (NLM_F_DUMP_INTR) is taken again, up to three times.
   */
  private async scan(): Promise<SysError | undefined> {
    for (let attempt = 0; ; attempt++) {
      const found = new Map<string, string>();
      const strays: NlRoute[] = [];
      let interrupted = false;
      for (const family of [AF_INET, AF_INET6]) {
        const req = new NlBatch(64);
        const seq = this.sock.takeSeq(1);
        req.addDump(rtnl.RTM_GETROUTE, family, seq, { table: this.table, protocol: this.protocol });
        const r = await this.sock.dump(req, seq, (b, m) => {
          if (m.type !== rtnl.RTM_NEWROUTE) return;
          const route = rtnl.decodeRoute(b, m);
          if (!route || route.table !== this.table || route.protocol !== this.protocol || (route.flags! & rtnl.RTM_F_CLONED)) return;
          if (route.priority !== this.metric) {
            strays.push(route);
            return;
          }
          found.set(`${formatInetAddr(route.dst)}/${route.dstLen}`, kernelKey(route));
        });
        if (r instanceof Error) return r;
        interrupted ||= r.interrupted;
      }
      if (interrupted && attempt < 2) continue;
      // What changed behind our back (someone deleted or replaced one of ours) gets fixed.
      for (const [p, k] of this.installed) if (found.get(p) !== k) this.dirty.add(p);
      for (const [p, k] of found) if (this.installed.get(p) !== k) this.dirty.add(p);
      this.installed = found;
      this.strays = strays;
      if (!this.keepUntilSync && strays.length > 0) this.pruneWanted = true;
      return undefined;
    }
  }

  /**
   * What the kernel should hold for a prefix: a Target; null (nothing: not desired, or held
   * until a next hop resolves); 'invalid' (nothing, and the route is counted as failed); or
   * 'keep' (found at start, left alone until syncDone).
   */
  private target(prefix: string): Target | null | 'keep' | 'invalid' {
    const want = this.desired.get(prefix);
    if (!want) return this.keepUntilSync?.has(prefix) ? 'keep' : null;
    const dst = parseInetPrefix(prefix) as InetPrefix; // canonical already
    if (want.kind === 'blackhole') {
      this.held.delete(prefix);
      return { dst, key: BLACKHOLE_KEY, type: rtnl.RTN_BLACKHOLE, hops: [] };
    }
    if (want.kind === 'device') return this.deviceTarget(prefix, dst, want.device);
    if (want.kind !== 'unicast') {
      this.fail(prefix, `kind "${String(want.kind)}" is not unicast, blackhole or device`);
      return 'invalid';
    }
    let h = this.hopsCache.get(want.nextHops);
    if (!h || h.gen !== this.gen) {
      h = this.resolveHops(want.nextHops, prefix);
      if (Array.isArray(want.nextHops)) this.hopsCache.set(want.nextHops, h);
    }
    if (h.invalid !== undefined) {
      this.fail(prefix, h.invalid);
      this.held.delete(prefix);
      return 'invalid';
    }
    if (h.hops.length > 0 && h.family !== dst.family) {
      this.fail(prefix, `next hop ${h.key.split('%')[0]} is not of the prefix's address family`);
      this.held.delete(prefix);
      return 'invalid';
    }
    if (h.hops.length === 0) {
      this.held.add(prefix);
      return null;
    }
    // Some next hops of a multipath route resolve: install those; the rest join when they do.
    if (h.unresolved) this.held.add(prefix);
    else this.held.delete(prefix);
    return { dst, key: h.key, type: rtnl.RTN_UNICAST, hops: h.hops };
  }

  /**
   * A local workload's route: out of the named interface, scope link, no gateway. An
   * interface that does not exist (yet) is a failure, looked at again at the next link change.
   */
  private deviceTarget(prefix: string, dst: InetPrefix, device: string | undefined): Target | 'invalid' {
    this.held.delete(prefix);
    const ifindex = device ? this.connected.ifindexOf(device) : undefined;
    if (ifindex === undefined) {
      this.fail(prefix, device ? `interface ${device} does not exist` : 'a device route needs its interface');
      return 'invalid';
    }
    return { dst, key: hopsKey([{ text: 'dev', ifindex }]), type: rtnl.RTN_UNICAST, hops: [{ ifindex }], scope: rtnl.RT_SCOPE_LINK };
  }

  /**
   * A route's next hops resolved against the connected networks. Cached per next-hop array
   * (routes of one UPDATE share one; the agent keeps them immutable) until links or
   * addresses change, so a table through one next hop resolves it once.
   */
  private resolveHops(nextHops: readonly FibNextHop[] | undefined, prefix: string): ResolvedHops {
    const hops: ResolvedHop[] = [];
    const seen = new Set<string>();
    let unresolved = false;
    for (const nh of nextHops ?? []) {
      const r = this.connected.resolve(nh.gateway, nh.ifindex);
      if ('kind' in r) {
        if (r.kind === 'invalid') return { gen: this.gen, family: 0, key: '', hops: [], unresolved, invalid: r.reason };
        unresolved = true;
        if (!this.loggedHops.has(r.reason)) {
          // Once per next hop, not per route: a peer's whole table may share it.
          if (this.loggedHops.size < 10_000) this.loggedHops.add(r.reason);
          this.log.info({ prefix, reason: r.reason }, 'fib: next hop not resolvable; its routes are held until it is');
        }
        continue;
      }
      if (hops.length > 0 && r.family !== hops[0]!.family) {
        return { gen: this.gen, family: 0, key: '', hops: [], unresolved, invalid: 'next hops of both address families in one route' };
      }
      const k = `${r.text}%${r.ifindex}`;
      if (!seen.has(k)) {
        seen.add(k);
        hops.push(r);
      }
    }
    if (hops.length === 0 && !unresolved) {
      return { gen: this.gen, family: 0, key: '', hops: [], unresolved, invalid: 'a unicast route needs at least one next hop' };
    }
    return {
      gen: this.gen, family: hops[0]?.family ?? 0, key: hopsKey(hops), unresolved,
      hops: hops.map((x) => ({ gateway: x.gateway, ifindex: x.ifindex })),
    };
  }

  private nlRoute(dst: InetPrefix, type: number, hops: readonly NlNextHop[], scope: number = rtnl.RT_SCOPE_UNIVERSE): NlRoute {
    return {
      family: dst.family, dst: dst.bytes, dstLen: dst.len, table: this.table, protocol: this.protocol, priority: this.metric,
      type, scope, nextHops: hops,
    };
  }

  /** Prefixes changed and not yet looked at. */
  private queued(): number {
    return this.dirty.size + this.walkLeft;
  }

  /**
   * The next dirty prefix. Batches walk a detached set with one iterator: deleting from the
   * front of a big Set and iterating it again per batch would skip the deleted slots each
   * time (quadratic in a table's worth of changes). A change arriving meanwhile lands in the
   * fresh `dirty` set and is looked at again after (a second look at an unchanged prefix
   * sends nothing).
   */
  private nextDirty(): string | undefined {
    for (;;) {
      if (this.walk) {
        const r = this.walk.next();
        if (!r.done) {
          this.walkLeft--;
          return r.value;
        }
        this.walk = undefined;
        this.walkLeft = 0;
      }
      if (this.dirty.size === 0) return undefined;
      this.walkLeft = this.dirty.size;
      this.walk = this.dirty.values();
      this.dirty = new Set();
    }
  }

  /**
   * Up to `max` dirty prefixes as one batch: encode, send, and read back every ACK. False when
   * the send failed as a whole.
   */
  private runBatch(max: number): boolean {
    const ops: Op[] = [];
    this.batch.reset();
    const seq0 = this.sock.takeSeq(max);
    for (;;) {
      if (ops.length >= max) break;
      const prefix = this.nextDirty();
      if (prefix === undefined) break;
      const t = this.target(prefix);
      if (t === 'keep') continue;
      const cur = this.installed.get(prefix);
      if (t === null || t === 'invalid') {
        if (t === null) this.failed.delete(prefix);
        if (!this.desired.has(prefix)) this.held.delete(prefix);
        // An installed route whose desired form is held or invalid is outdated: it goes.
        if (cur === undefined) continue;
        const dst = parseInetPrefix(prefix) as InetPrefix;
        // Protocol and metric in the request: the kernel deletes only a route of ours. Type 0
        // (RTN_UNSPEC) matches any type: IPv4 fib_table_delete would otherwise pass over a
        // blackhole route when asked for a unicast one. Scope RT_SCOPE_NOWHERE matches any
        // scope (fib_table_delete compares it otherwise): a device route has scope link.
        this.batch.addRoute(rtnl.RTM_DELROUTE, rtnl.NLM_F_ACK, seq0 + ops.length, this.nlRoute(dst, 0, [], RT_SCOPE_NOWHERE));
        ops.push({ prefix, key: undefined });
        continue;
      }
      if (cur === t.key) {
        this.failed.delete(prefix); // already right: nothing is sent
        continue;
      }
      // Ours is there: replace it in place (never delete + add, so no gap in forwarding).
      // None of ours: EXCL, so a route of another protocol holding the same prefix and metric
      // is refused (EEXIST) instead of being replaced.
      const how = cur !== undefined ? rtnl.NLM_F_REPLACE : rtnl.NLM_F_EXCL;
      this.batch.addRoute(rtnl.RTM_NEWROUTE, rtnl.NLM_F_ACK | rtnl.NLM_F_CREATE | how, seq0 + ops.length, this.nlRoute(t.dst, t.type, t.hops, t.scope));
      ops.push({ prefix, key: t.key });
    }
    if (ops.length === 0) return true;
    return this.apply(ops, seq0);
  }

  private pruneStrays(): void {
    // One batch per turn of the worker, like every other change.
    const max = this.sock.maxBatch();
    {
      const part = this.strays.splice(0, max);
      this.pruneWanted = this.strays.length > 0;
      this.batch.reset();
      const seq0 = this.sock.takeSeq(part.length);
      const ops: Op[] = part.map((r, i) => {
        this.batch.addRoute(rtnl.RTM_DELROUTE, rtnl.NLM_F_ACK, seq0 + i, { ...r, nextHops: [] });
        return { prefix: `${formatInetAddr(r.dst)}/${r.dstLen}`, key: undefined, stray: r };
      });
      this.apply(ops, seq0);
    }
  }

  private apply(ops: Op[], seq0: number): boolean {
    const r = this.sock.exchange(this.batch, seq0);
    if (r instanceof Error) {
      // The whole send failed (EBADF, ENOMEM...): every route of it is re-tried after a scan.
      this.noteError('batch', `${r.message}`);
      for (const op of ops) if (!op.stray) this.dirty.add(op.prefix);
      this.scanWanted = true;
      return false;
    }
    if (r.lost) {
      this.log.warn({ err: r.lost.message }, 'fib: ACKs lost (receive buffer overflow); re-reading the table');
      this.scanWanted = true;
    }
    ops.forEach((op, i) => {
      const ack = r.acks[i];
      if (op.stray) {
        if (ack && ack.errno !== 0 && ack.errno !== ESRCH) this.noteError(op.prefix, ackText(ack.errno, ack.message));
        return;
      }
      if (!ack) {
        this.dirty.add(op.prefix);
        return;
      }
      if (ack.errno === 0 || (op.key === undefined && ack.errno === ESRCH)) {
        if (op.key === undefined) this.installed.delete(op.prefix);
        else this.installed.set(op.prefix, op.key);
        this.failed.delete(op.prefix);
        return;
      }
      const why = op.key !== undefined && ack.errno === EEXIST
        ? `a route not ours (another protocol) holds ${op.prefix} metric ${this.metric} in table ${this.table}; left alone`
        : ackText(ack.errno, ack.message);
      this.fail(op.prefix, why);
    });
    return true;
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

const ERRNO_NAMES = new Map<number, string>(Object.entries(osConstants.errno).map(([k, v]) => [v, k]));

function ackText(errno: number, message: string | undefined): string {
  const name = ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
  return message ? `${name}: ${message}` : name;
}
