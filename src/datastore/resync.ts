// A watch that never gives up (both implementations): it starts from a list, then watches
// from the list's revision + 1. When the watch ends (a compacted revision, a lost stream that
// could not resume) it lists again and emits only the real differences against what its
// consumer has already seen - deletes for keys that vanished, puts for keys that are new or
// changed - so the consumer's view ends equal to the store with nothing missed or doubled.
// This is the list-then-watch-then-relist loop of Kubernetes informers and Calico's syncer.
import type { Datastore, DatastoreError, ListResult, WatchEvent } from './store';

export interface ResyncingWatchOptions {
  /** Called after the first list and after every resync, when the view equals the store. */
  onSynced?: (revision: number) => void;
  /** Called on every watch loss (for logs and metrics); the watch carries on by itself. */
  onResync?: (reason: DatastoreError) => void;
  /** Back-off between failed list attempts, ms (default 200, doubling up to 5000). */
  retryMs?: number;
}

export interface ResyncingWatch {
  cancel(): void;
  /** The consumer's current view: key -> value and mod revision. */
  readonly view: ReadonlyMap<string, { value: string; revision: number }>;
}

export function resyncingWatch(
  store: Datastore,
  prefix: string,
  onEvent: (e: WatchEvent) => void,
  opts: ResyncingWatchOptions = {},
): ResyncingWatch {
  const view = new Map<string, { value: string; revision: number }>();
  let cancelled = false;
  let inner: { cancel(): void } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let delay = opts.retryMs ?? 200;
  let generation = 0;

  const emit = (e: WatchEvent): void => {
    // Drop anything not newer than what the consumer already has for this key: a resumed
    // stream can repeat the events of its last revision.
    const cur = view.get(e.key);
    if (e.type === 'put') {
      if (cur && cur.revision >= e.revision) return;
      view.set(e.key, { value: e.value ?? '', revision: e.revision });
    } else {
      if (!cur || cur.revision >= e.revision) return;
      view.delete(e.key);
    }
    onEvent(e);
  };

  const start = async (): Promise<void> => {
    if (cancelled) return;
    const gen = ++generation;
    let listed: ListResult;
    try {
      listed = await store.list(prefix);
    } catch {
      if (cancelled) return;
      timer = setTimeout(() => void start(), delay);
      delay = Math.min(5000, delay * 2);
      return;
    }
    if (cancelled || gen !== generation) return;
    delay = opts.retryMs ?? 200;
    const present = new Set<string>();
    for (const kv of listed.items) {
      present.add(kv.key);
      const cur = view.get(kv.key);
      if (!cur || cur.revision !== kv.revision || cur.value !== kv.value) {
        view.set(kv.key, { value: kv.value, revision: kv.revision });
        onEvent({ type: 'put', key: kv.key, value: kv.value, revision: kv.revision });
      }
    }
    for (const key of [...view.keys()]) {
      if (!present.has(key)) {
        view.delete(key);
        onEvent({ type: 'delete', key, revision: listed.revision });
      }
    }
    opts.onSynced?.(listed.revision);
    inner = store.watch(
      prefix,
      listed.revision + 1,
      (e) => {
        if (gen === generation && !cancelled) emit(e);
      },
      (err) => {
        if (cancelled || gen !== generation) return;
        opts.onResync?.(err);
        inner?.cancel();
        timer = setTimeout(() => void start(), 0);
      },
    );
  };

  void start();
  return {
    view,
    cancel: () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
      inner?.cancel();
    },
  };
}
