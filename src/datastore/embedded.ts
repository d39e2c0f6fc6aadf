// The embedded datastore: etcd's data model in-process (the default for one-host setups and
// tests). One global revision bumped by every write, per-key create/mod revisions, a bounded
// event history for watches from a past revision, and leases on an injected clock.
// With a PATH the state is saved as JSON after every write, atomically (temp + fsync + rename),
// so a crash leaves either the old file or the new one, never a torn one. One process owns a
// file at a time; leased keys are not persisted (their owners are gone after a restart).
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Compare, Datastore, DatastoreError, DeleteOptions, KeyValue, Lease, ListResult, PutOptions, TxnOp, Watch,
  WatchErrorHandler, WatchEvent,
} from './store';

export interface EmbeddedOptions {
  path?: string;
  /** Milliseconds; injected so lease expiry can be tested without waiting. */
  now?: () => number;
  /** Events kept for watches from the past; older revisions answer 'compacted' (default 10000). */
  historySize?: number;
  /** Lease self-refresh and expiry sweeps use real timers; off for fake-clock tests. */
  timers?: boolean;
}

interface Row { value: string; revision: number; createRevision: number; lease?: string }
interface LeaseRow { ttlMs: number; expires: number; keys: Set<string>; lost: Array<() => void>; timer?: NodeJS.Timeout }
interface Watcher { prefix: string; onEvent: (e: WatchEvent) => void; queue: WatchEvent[]; scheduled: boolean; dead: boolean }

export class EmbeddedDatastore implements Datastore {
  readonly kind = 'embedded' as const;
  private rows = new Map<string, Row>();
  private revision = 1; // etcd starts an empty store at revision 1
  private compactRevision = 0;
  private history: WatchEvent[] = [];
  private watchers = new Set<Watcher>();
  private leases = new Map<string, LeaseRow>();
  private nextLease = 1;
  private readonly now: () => number;
  private readonly historySize: number;
  private readonly timers: boolean;
  private sweep?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly opts: EmbeddedOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.historySize = opts.historySize ?? 10000;
    this.timers = opts.timers ?? true;
    if (opts.path) this.load(opts.path);
    if (this.timers) {
      this.sweep = setInterval(() => this.expireLeases(), 250);
      this.sweep.unref();
    }
  }

  currentRevision(): number {
    return this.revision;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.expireLeases();
    const r = this.rows.get(key);
    return r ? { key, ...r } : undefined;
  }

  async list(prefix: string): Promise<ListResult> {
    this.expireLeases();
    const items: KeyValue[] = [];
    for (const [key, r] of this.rows) if (key.startsWith(prefix)) items.push({ key, ...r });
    items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { items, revision: this.revision };
  }

  async put(key: string, value: string, opts: PutOptions = {}): Promise<number> {
    const compares = opts.expectRevision === undefined ? [] : [{ key, revision: opts.expectRevision }];
    return this.txn(compares, [{ type: 'put', key, value, lease: opts.lease }]);
  }

  async delete(key: string, opts: DeleteOptions = {}): Promise<boolean> {
    this.expireLeases();
    const existed = this.rows.has(key);
    const compares = opts.expectRevision === undefined ? [] : [{ key, revision: opts.expectRevision }];
    await this.txn(compares, [{ type: 'delete', key }]);
    return existed;
  }

  async txn(compares: Compare[], ops: TxnOp[]): Promise<number> {
    this.assertOpen();
    this.expireLeases();
    for (const c of compares) {
      const r = this.rows.get(c.key);
      if ((r?.revision ?? 0) !== c.revision) throw DatastoreError.conflict(c.key);
    }
    for (const op of ops) {
      if (op.type === 'put' && op.lease && !this.leases.has(op.lease.id)) {
        throw new DatastoreError('lost', `datastore: lease ${op.lease.id} not found`);
      }
    }
    // Like etcd, a transaction that changes nothing (only deletes of absent keys) keeps the revision.
    const effective = ops.filter((op) => op.type === 'put' || this.rows.has(op.key));
    if (effective.length === 0) return this.revision;
    const rev = ++this.revision;
    const events: WatchEvent[] = [];
    for (const op of effective) {
      const old = this.rows.get(op.key);
      if (old?.lease) this.leases.get(old.lease)?.keys.delete(op.key);
      if (op.type === 'put') {
        const lease = op.lease?.id;
        this.rows.set(op.key, { value: op.value, revision: rev, createRevision: old?.createRevision ?? rev, lease });
        if (lease) this.leases.get(lease)!.keys.add(op.key);
        events.push({ type: 'put', key: op.key, value: op.value, revision: rev });
      } else {
        this.rows.delete(op.key);
        events.push({ type: 'delete', key: op.key, revision: rev });
      }
    }
    this.record(events);
    this.save();
    return rev;
  }

  watch(prefix: string, fromRevision: number, onEvent: (e: WatchEvent) => void, onError?: WatchErrorHandler): Watch {
    this.assertOpen();
    const w: Watcher = { prefix, onEvent, queue: [], scheduled: false, dead: false };
    const from = fromRevision <= 0 ? this.revision + 1 : fromRevision;
    if (from <= this.compactRevision) {
      const err = new DatastoreError('compacted', `datastore: revision ${from} is compacted (oldest ${this.compactRevision + 1})`, this.compactRevision);
      queueMicrotask(() => onError?.(err));
      return { cancel: () => undefined };
    }
    for (const e of this.history) if (e.revision >= from && e.key.startsWith(prefix)) w.queue.push(e);
    this.watchers.add(w);
    this.schedule(w);
    return { cancel: () => { w.dead = true; this.watchers.delete(w); } };
  }

  /** Drops history up to and including `revision` (etcd's compaction); watches from before fail. */
  compact(revision: number): void {
    this.compactRevision = Math.max(this.compactRevision, Math.min(revision, this.revision));
    this.history = this.history.filter((e) => e.revision > this.compactRevision);
  }

  async grant(ttlSeconds: number): Promise<Lease> {
    this.assertOpen();
    const id = String(this.nextLease++);
    const row: LeaseRow = { ttlMs: ttlSeconds * 1000, expires: this.now() + ttlSeconds * 1000, keys: new Set(), lost: [] };
    this.leases.set(id, row);
    if (this.timers) {
      // Refresh at a third of the TTL, as etcd clients do, so one missed tick does not expire it.
      row.timer = setInterval(() => { if (this.leases.has(id)) row.expires = this.now() + row.ttlMs; }, Math.max(50, row.ttlMs / 3));
      row.timer.unref();
    }
    return {
      id,
      keepAlive: async () => {
        this.expireLeases();
        if (!this.leases.has(id)) throw new DatastoreError('lost', `datastore: lease ${id} expired`);
        row.expires = this.now() + row.ttlMs;
      },
      revoke: async () => { this.dropLease(id); },
      onLost: (cb) => { row.lost.push(cb); },
    };
  }

  /** Expires leases whose TTL has passed on the injected clock (called on every operation). */
  expireLeases(): void {
    const t = this.now();
    for (const [id, l] of this.leases) if (l.expires <= t) this.dropLease(id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweep) clearInterval(this.sweep);
    for (const l of this.leases.values()) if (l.timer) clearInterval(l.timer);
    for (const w of this.watchers) w.dead = true;
    this.watchers.clear();
  }

  private dropLease(id: string): void {
    const l = this.leases.get(id);
    if (!l) return;
    this.leases.delete(id);
    if (l.timer) clearInterval(l.timer);
    const keys = [...l.keys].filter((k) => this.rows.get(k)?.lease === id);
    if (keys.length > 0 && !this.closed) {
      const rev = ++this.revision;
      for (const k of keys) this.rows.delete(k);
      this.record(keys.map((key) => ({ type: 'delete' as const, key, revision: rev })));
      this.save();
    }
    for (const cb of l.lost) cb();
  }

  private record(events: WatchEvent[]): void {
    this.history.push(...events);
    // Trim in batches (a quarter of the size at a time), so a put costs O(1) amortised.
    if (this.history.length > this.historySize + (this.historySize >> 2)) {
      const drop = this.history.length - this.historySize;
      // Compact on a revision boundary so a watch never sees half of one transaction.
      const cut = this.history[drop - 1]!.revision;
      this.compactRevision = cut;
      let i = drop;
      while (i < this.history.length && this.history[i]!.revision <= cut) i++;
      this.history.splice(0, i);
    }
    for (const w of this.watchers) {
      for (const e of events) if (e.key.startsWith(w.prefix)) w.queue.push(e);
      this.schedule(w);
    }
  }

  // Delivery is asynchronous (like a network watch) and strictly in order per watcher.
  private schedule(w: Watcher): void {
    if (w.scheduled || w.queue.length === 0) return;
    w.scheduled = true;
    queueMicrotask(() => {
      w.scheduled = false;
      const batch = w.queue.splice(0);
      for (const e of batch) if (!w.dead) w.onEvent(e);
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new DatastoreError('unavailable', 'datastore: closed');
  }

  private load(file: string): void {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new DatastoreError('unavailable', `datastore: cannot read ${file}: ${(e as Error).message}`);
    }
    let doc: { revision?: unknown; keys?: unknown };
    try {
      doc = JSON.parse(text) as typeof doc;
    } catch {
      throw new DatastoreError('invalid', `datastore: ${file} is not valid JSON`);
    }
    if (typeof doc.revision !== 'number' || typeof doc.keys !== 'object' || doc.keys === null) {
      throw new DatastoreError('invalid', `datastore: ${file} is not a vroute datastore file`);
    }
    this.revision = doc.revision;
    this.compactRevision = doc.revision; // no history survives a restart
    for (const [k, r] of Object.entries(doc.keys as Record<string, Row>)) {
      if (typeof r?.value === 'string' && typeof r.revision === 'number') {
        this.rows.set(k, { value: r.value, revision: r.revision, createRevision: r.createRevision ?? r.revision });
      }
    }
  }

  private save(): void {
    const file = this.opts.path;
    if (!file) return;
    const keys: Record<string, Omit<Row, 'lease'>> = {};
    for (const [k, r] of this.rows) if (!r.lease) keys[k] = { value: r.value, revision: r.revision, createRevision: r.createRevision };
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify({ revision: this.revision, keys }));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  }
}
