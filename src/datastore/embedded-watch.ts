// Watch delivery for the embedded datastore (embedded.ts): the bounded event history, its compaction floor and in-order async delivery per watcher. Separate because it knows nothing of the file, leases or locking: it only takes events in revision order and hands them out.
import { DatastoreError, type Watch, type WatchErrorHandler, type WatchEvent } from './store';

interface Watcher {
  prefix: string;
  onEvent: (e: WatchEvent) => void;
  onError?: WatchErrorHandler;
  queue: WatchEvent[];
  scheduled: boolean;
  dead: boolean;
}

export class WatchHub {
  /** Revisions up to this one are gone from the history: watches from them answer 'compacted'. */
  compactRevision = 0;
  private history: WatchEvent[] = [];
  private watchers = new Set<Watcher>();

  constructor(private readonly historySize: number) {}

  /** Starts a watch at revision `from` (already resolved against the store's revision). */
  add(prefix: string, from: number, onEvent: (e: WatchEvent) => void, onError?: WatchErrorHandler): Watch {
    const w: Watcher = { prefix, onEvent, queue: [], scheduled: false, dead: false, ...(onError ? { onError } : {}) };
    if (from <= this.compactRevision) {
      const err = new DatastoreError(
        'compacted',
        `datastore: revision ${from} is compacted (oldest ${this.compactRevision + 1})`,
        this.compactRevision,
      );
      queueMicrotask(() => onError?.(err));
      return { cancel: () => undefined };
    }
    for (const e of this.history) if (e.revision >= from && e.key.startsWith(prefix)) w.queue.push(e);
    this.watchers.add(w);
    this.schedule(w);
    return {
      cancel: () => {
        w.dead = true;
        this.watchers.delete(w);
      },
    };
  }

  /** Drops history up to and including `revision` (never below what is already compacted). */
  compact(revision: number): void {
    this.compactRevision = Math.max(this.compactRevision, revision);
    this.history = this.history.filter((e) => e.revision > this.compactRevision);
  }

  record(events: WatchEvent[]): void {
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

  /** Every watcher hears `err` once and is dropped. */
  failAll(err: DatastoreError): void {
    for (const w of [...this.watchers]) {
      w.dead = true;
      this.watchers.delete(w);
      queueMicrotask(() => w.onError?.(err));
    }
  }

  close(): void {
    for (const w of this.watchers) w.dead = true;
    this.watchers.clear();
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
}
