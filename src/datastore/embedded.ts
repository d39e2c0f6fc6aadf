// The embedded datastore: etcd's data model without a server (contract 4). One global revision
// bumped by every write, per-key create/mod revisions, a bounded event history for watches
// from a past revision, and leases.
// - With a path (`embedded`, `embedded:PATH`) the state lives in a file that every vroute
//   process on the host shares (embedded-file.ts): each write locks the file, re-reads it,
//   checks its compares against what is really there and saves; a poll (every `pollMs`) turns
//   other processes' writes into watch events at their own revisions. Leases live in the file
//   too, with a wall-clock expiry that their owner pushes forward every ttl/3: a dead owner's
//   keys are deleted by whichever process next touches the file after the TTL (at most about
//   ttl + pollMs later when a daemon is running). A closed store's leases expire the same way
//   (as etcd's do when a client goes away without revoking).
// - Without a path (`memory`) it is a private in-process store: tests, one-shot tools.
import { fileChanges } from './embedded-diff';
import { emptyState, type FileRow, type FileState, StoreFile } from './embedded-file';
import { WatchHub } from './embedded-watch';
import {
  type Compare,
  type Datastore,
  DatastoreError,
  type DeleteOptions,
  type KeyValue,
  type Lease,
  type ListResult,
  type PutOptions,
  type TxnOp,
  type Watch,
  type WatchErrorHandler,
  type WatchEvent,
} from './store';

export interface EmbeddedOptions {
  /** The shared file; without it the store is private to this process (`memory`). */
  path?: string;
  /** Milliseconds; injected so lease expiry can be tested without waiting. */
  now?: () => number;
  /** Events kept for watches from the past; older revisions answer 'compacted' (default 10000). */
  historySize?: number;
  /** Lease self-refresh, expiry sweeps and the file poll use real timers; off for fake-clock tests. */
  timers?: boolean;
  /** How often the file is checked for other processes' writes, ms (default 200). */
  pollMs?: number;
  /** Deletes remembered in the file for other processes' watches (default 1000). */
  deleteLogSize?: number;
}

interface OwnLease {
  lost: Array<() => void>;
  timer?: NodeJS.Timeout;
}

export class EmbeddedDatastore implements Datastore {
  readonly kind: 'embedded' | 'memory';
  private state: FileState = emptyState();
  /** Event history and watch delivery (embedded-watch.ts). */
  private readonly watches: WatchHub;
  /** Leases granted by this process: their keep-alive timers and onLost callbacks. */
  private own = new Map<string, OwnLease>();
  private readonly now: () => number;
  private readonly deleteLogSize: number;
  private readonly timers: boolean;
  private poll?: NodeJS.Timeout;
  private closed = false;
  private readonly file?: StoreFile;
  /** Set when a write must be saved (inside `mutate`). */
  private dirty = false;
  private expiring?: Promise<void>;

  constructor(opts: EmbeddedOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.watches = new WatchHub(opts.historySize ?? 10000);
    this.deleteLogSize = opts.deleteLogSize ?? 1000;
    this.timers = opts.timers ?? true;
    this.kind = opts.path ? 'embedded' : 'memory';
    if (opts.path) {
      this.file = new StoreFile(opts.path);
      // A corrupt file fails here, before a daemon starts anything (one line, never a reset).
      const st = this.file.read();
      if (st) this.state = st;
      this.watches.compactRevision = this.state.revision; // no history survives a restart
    }
    if (this.timers) {
      // Lease expiry (memory) or the poll for other processes' writes and expiries (file).
      this.poll = setInterval(() => this.tick(), this.file ? (opts.pollMs ?? 200) : 250);
      this.poll.unref();
    }
  }

  currentRevision(): number {
    return this.state.revision;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    await this.sync();
    const r = this.state.keys.get(key);
    return r ? toKeyValue(key, r) : undefined;
  }

  async list(prefix: string): Promise<ListResult> {
    await this.sync();
    const items: KeyValue[] = [];
    for (const [key, r] of this.state.keys) if (key.startsWith(prefix)) items.push(toKeyValue(key, r));
    items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { items, revision: this.state.revision };
  }

  async put(key: string, value: string, opts: PutOptions = {}): Promise<number> {
    const compares = opts.expectRevision === undefined ? [] : [{ key, revision: opts.expectRevision }];
    return this.txn(compares, [{ type: 'put', key, value, lease: opts.lease }]);
  }

  async delete(key: string, opts: DeleteOptions = {}): Promise<boolean> {
    const compares = opts.expectRevision === undefined ? [] : [{ key, revision: opts.expectRevision }];
    return this.mutate(() => {
      const existed = this.state.keys.has(key);
      this.apply(compares, [{ type: 'delete', key }]);
      return existed;
    });
  }

  async txn(compares: Compare[], ops: TxnOp[]): Promise<number> {
    return this.mutate(() => this.apply(compares, ops));
  }

  watch(prefix: string, fromRevision: number, onEvent: (e: WatchEvent) => void, onError?: WatchErrorHandler): Watch {
    this.assertOpen();
    // Catch up with the file first, so "from now" means now and not our last read.
    try {
      this.refresh();
    } catch (e) {
      queueMicrotask(() => onError?.(e as DatastoreError));
      return { cancel: () => undefined };
    }
    const from = fromRevision <= 0 ? this.state.revision + 1 : fromRevision;
    return this.watches.add(prefix, from, onEvent, onError);
  }

  /** Drops history up to and including `revision` (etcd's compaction); watches from before fail. */
  compact(revision: number): void {
    this.watches.compact(Math.min(revision, this.state.revision));
  }

  async grant(ttlSeconds: number): Promise<Lease> {
    const ttlMs = ttlSeconds * 1000;
    const id = await this.mutate(() => {
      const lid = String(this.state.nextLease++);
      this.state.leases.set(lid, { ttlMs, expires: this.now() + ttlMs });
      this.dirty = true;
      return lid;
    });
    const own: OwnLease = { lost: [] };
    this.own.set(id, own);
    const keepAlive = () =>
      this.mutate(() => {
        const l = this.state.leases.get(id);
        if (!l) throw new DatastoreError('lost', `datastore: lease ${id} expired`);
        l.expires = this.now() + l.ttlMs;
        this.dirty = true; // no new revision: etcd's keep-alive changes no key either
      });
    if (this.timers) {
      // Refresh at a third of the TTL, as etcd clients do, so one missed tick does not expire it.
      // A failed refresh (lock busy, disk full) is retried by the next tick; if the lease
      // expires meanwhile its owner hears it through onLost.
      own.timer = setInterval(
        () => {
          if (this.own.has(id) && !this.closed) void keepAlive().catch(() => undefined);
        },
        Math.max(50, ttlMs / 3),
      );
      own.timer.unref();
    }
    return {
      id,
      keepAlive: async () => {
        try {
          await keepAlive();
        } catch (e) {
          this.checkOwnLeases();
          throw e;
        }
      },
      revoke: async () => {
        if (this.closed) return;
        await this.mutate(() => this.dropLease(id));
      },
      onLost: (cb) => {
        own.lost.push(cb);
      },
    };
  }

  /** Expires leases whose TTL has passed on the injected clock (memory stores; fake-clock tests). */
  expireLeases(): void {
    if (this.file || this.closed) return;
    this.expire();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.poll) clearInterval(this.poll);
    for (const l of this.own.values()) if (l.timer) clearInterval(l.timer);
    this.own.clear();
    this.watches.close();
  }

  // ---- state changes -------------------------------------------------------------------------

  /**
   * Runs `body` on the current state and saves it. With a file: inside the lock, after
   * re-reading the file, so compares see every process's writes. Expired leases go first.
   */
  private async mutate<T>(body: () => T): Promise<T> {
    this.assertOpen();
    if (!this.file) {
      this.expire();
      return body();
    }
    return this.file.locked(() => {
      this.refresh(true);
      this.dirty = false;
      try {
        this.expire();
        return body();
      } finally {
        // Expiries are saved even when the body's compares failed.
        if (this.dirty) this.file!.write(this.state);
        this.dirty = false;
      }
    });
  }

  private apply(compares: Compare[], ops: TxnOp[]): number {
    const st = this.state;
    for (const c of compares) {
      if ((st.keys.get(c.key)?.revision ?? 0) !== c.revision) throw DatastoreError.conflict(c.key);
    }
    for (const op of ops) {
      if (op.type === 'put' && op.lease && !st.leases.has(op.lease.id)) {
        throw new DatastoreError('lost', `datastore: lease ${op.lease.id} not found`);
      }
    }
    // Like etcd, a transaction that changes nothing (only deletes of absent keys) keeps the revision.
    const effective = ops.filter((op) => op.type === 'put' || st.keys.has(op.key));
    if (effective.length === 0) return st.revision;
    const rev = ++st.revision;
    const events: WatchEvent[] = [];
    for (const op of effective) {
      if (op.type === 'put') {
        const old = st.keys.get(op.key);
        const row: FileRow = { value: op.value, revision: rev, createRevision: old?.createRevision ?? rev };
        if (op.lease) row.lease = op.lease.id;
        st.keys.set(op.key, row);
        events.push({ type: 'put', key: op.key, value: op.value, revision: rev });
      } else {
        this.removeKey(op.key, rev);
        events.push({ type: 'delete', key: op.key, revision: rev });
      }
    }
    this.dirty = true;
    this.record(events);
    return rev;
  }

  private removeKey(key: string, rev: number): void {
    const st = this.state;
    st.keys.delete(key);
    if (!this.file) return;
    st.deleted.push([key, rev]);
    // Trim in batches so a delete costs O(1) amortised; the floor tells readers what was cut.
    if (st.deleted.length > this.deleteLogSize + (this.deleteLogSize >> 2)) {
      const cut = st.deleted.length - this.deleteLogSize;
      st.deletedFloor = Math.max(st.deletedFloor, st.deleted[cut - 1]![1]);
      st.deleted.splice(0, cut);
    }
  }

  /** Expired leases and their keys go, at one new revision (inside `mutate`, or memory). */
  private expire(): void {
    const t = this.now();
    for (const [id, l] of this.state.leases) if (l.expires <= t) this.dropLease(id);
  }

  private dropLease(id: string): void {
    const st = this.state;
    if (!st.leases.delete(id)) return;
    this.dirty = true;
    const keys = [...st.keys].filter(([, r]) => r.lease === id).map(([k]) => k);
    if (keys.length > 0) {
      const rev = ++st.revision;
      for (const k of keys) this.removeKey(k, rev);
      this.record(keys.map((key) => ({ type: 'delete' as const, key, revision: rev })));
    }
    this.checkOwnLeases();
  }

  /** Tells the owners of leases that are gone (expired here or elsewhere, revoked). */
  private checkOwnLeases(): void {
    for (const [id, own] of this.own) {
      if (this.state.leases.has(id)) continue;
      this.own.delete(id);
      if (own.timer) clearInterval(own.timer);
      // Later, not inside the file lock: a callback that re-grants must not wait on ourselves.
      queueMicrotask(() => {
        for (const cb of own.lost) {
          try {
            cb();
          } catch {
            /* a callback's failure is its owner's business */
          }
        }
      });
    }
  }

  // ---- other processes' writes -----------------------------------------------------------------

  /** Before a read: catch up with the file and expire what is due (which needs the lock). */
  private async sync(): Promise<void> {
    this.assertOpen();
    if (!this.file) {
      this.expire();
      return;
    }
    this.refresh();
    if (this.due()) await this.expireShared();
  }

  /**
   * Deletes expired leases' keys in the file (one attempt at a time per process). A read goes
   * on when that write cannot be made (a read-only file, a lock held too long): the expiry
   * waits for the next process that can write.
   */
  private expireShared(): Promise<void> {
    this.expiring ??= this.mutate(() => undefined)
      .catch((e: unknown) => {
        if (!(e instanceof DatastoreError && e.code === 'unavailable')) throw e;
      })
      .finally(() => {
        this.expiring = undefined;
      });
    return this.expiring;
  }

  private due(): boolean {
    const t = this.now();
    for (const l of this.state.leases.values()) if (l.expires <= t) return true;
    return false;
  }

  private tick(): void {
    if (this.closed) return;
    if (!this.file) {
      this.expire();
      return;
    }
    try {
      this.refresh();
    } catch (e) {
      // A file that went bad under a running process: every watcher hears it once (a
      // resyncing watch then retries its list until the file is repaired); the state we have
      // is kept, never reset.
      this.watches.failAll(e as DatastoreError);
      return;
    }
    if (this.due()) void this.expireShared().catch(() => undefined);
  }

  /** Takes in the file as other processes left it: their writes become watch events here. */
  private refresh(force = false): void {
    if (!this.file) return;
    const got = this.file.readIfChanged(force);
    // Without force, undefined means unchanged; with force, that the file is gone: an empty
    // store that keeps our revision.
    if (!got && !force) return;
    const next = got ?? { ...emptyState(), revision: this.state.revision, nextLease: this.state.nextLease };
    const seen = this.state.revision;
    const events = fileChanges(this.state.keys, seen, next);
    // Our revision never goes backwards, even if the file was replaced by an older copy.
    next.revision = Math.max(next.revision, seen);
    this.state = next;
    if (events.length > 0) this.record(events);
    this.checkOwnLeases();
  }

  // ---- watches ---------------------------------------------------------------------------------

  private record(events: WatchEvent[]): void {
    this.watches.record(events);
  }

  private assertOpen(): void {
    if (this.closed) throw new DatastoreError('unavailable', 'datastore: closed');
  }
}

function toKeyValue(key: string, r: FileRow): KeyValue {
  const kv: KeyValue = { key, value: r.value, revision: r.revision, createRevision: r.createRevision };
  if (r.lease) kv.lease = r.lease;
  return kv;
}
