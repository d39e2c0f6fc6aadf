// A FIB sink that keeps routes in a map: what `fib: false` runs on (routes shown in the
// status, the kernel untouched) and what unit tests read.
import type { FibRoute, FibSink } from './types';

export function memoryFib(): FibSink & { routes(): FibRoute[] } {
  const routes = new Map<string, FibRoute>();
  let closed = false;
  return {
    set: (r) => {
      if (!closed) routes.set(r.prefix, { prefix: r.prefix, kind: r.kind, nextHops: r.nextHops.map((h) => ({ ...h })) });
    },
    delete: (prefix) => {
      if (!closed) routes.delete(prefix);
    },
    syncDone: () => {
      // Nothing was found at start, so nothing is stale.
    },
    stats: () => ({ installed: routes.size, pending: 0, failed: 0 }),
    flushed: () => Promise.resolve(),
    close: () => {
      closed = true;
      return Promise.resolve();
    },
    routes: () => [...routes.values()].sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0)),
  };
}
