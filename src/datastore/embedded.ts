// The embedded datastore: etcd's data model in-process (the default for one-host setups and
// tests). One global revision bumped by every write, per-key create/mod revisions, a bounded
// event history for watches from a past revision, and leases on an injected clock.
// With a PATH the state is saved as JSON after every write (embedded-file.ts: atomic, locked,
// reloaded when another process wrote it). Leased keys are not persisted: their owners are
// processes, gone after a restart.
import { FileState, StoreFile } from './embedded-file';
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
  private readonly file?: StoreFile;

  constructor(private readonly opts: EmbeddedOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.historySize = opts.historySize ?? 10000;
    this.timers = opts.timers ?? true;
    if (opts.path) {
      this.file = new StoreFile(opts.path);
      const st = this.file.readIfChanged(true);
      if (st) {
        this.revision = st.revision;
        this.compactRevision = st.revision; // no history survives a restart
        for (const [k, r] of st.keys) this.rows.set(k, { ...r });
      }
    }
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
    this.refresh();
    const r = this.rows.get(key);
    return r ? { key, ...r } : undefined;
  }

  async list(prefix: string): Promise<ListResult> {
    this.expireLeases();
    this.refresh();
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
    let existed = false;
    const compares = opts.expectRevision === undefined ? [] : [{ key, revision: opts.expectRevision }];
    await this.locked(compares, [{ type: 'delete', key }], () => { existed = this.rows.has(key); });
    return existed;
  }

  async txn(compares: Compare[], ops: TxnOp[]): Promise<number> {
    return this.locked(compares, ops);
  }

  /** `before` runs inside the lock, after the file reload (delete uses it to see the key). */
  private async locked(compares: Compare[], ops: TxnOp[], before?: () => void): Promise<number> {
    this.assertOpen();
    if (!this.file) return this.apply(compares, ops, before);
    return this.file.locked(() => {
      this.refresh();
      return this.apply(compares, ops, before);
    });
  }

  private apply(compares: Compare[], ops: TxnOp[], before?: () => void): number {
    this.expireLeases();
    before?.();
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
      // Leased keys are not in the file, so there is nothing to save.
      this.record(keys.map((key) => ({ type: 'delete' as const, key, revision: rev })));
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

  /**
   * Takes in another process's writes to the file: the differences become watch events (at
   * their own revisions), and our revision never goes backwards.
   */
  private refresh(): void {
    const st: FileState | undefined = this.file?.readIfChanged();
    if (!st) return;
    const events: WatchEvent[] = [];
    for (const [k, r] of this.rows) {
      if (!r.lease && !st.keys.has(k)) {
        this.rows.delete(k);
        events.push({ type: 'delete', key: k, revision: st.revision });
      }
    }
    for (const [k, r] of st.keys) {
      const cur = this.rows.get(k);
      if (cur && cur.revision === r.revision && cur.value === r.value) continue;
      this.rows.set(k, { ...r });
      events.push({ type: 'put', key: k, value: r.value, revision: r.revision });
    }
    this.revision = Math.max(this.revision, st.revision);
    events.sort((a, b) => a.revision - b.revision);
    if (events.length > 0) this.record(events);
  }

  private save(): void {
    if (!this.file) return;
    const keys: Array<[string, Row]> = [];
    for (const [k, r] of this.rows) if (!r.lease) keys.push([k, r]);
    this.file.write({ revision: this.revision, keys });
  }
}
