// Per-peer metric series are labelled by the peer's address. Configured peers are few, but a
// dynamic-neighbor range can see thousands of addresses come and go: every series of a peer
// that went away is removed, so the label set stays as large as the live peer set.
//
// Removals are batched per registry until the next turn of the event loop: listing a metric's
// series costs O(all series) (and runs the collect hooks, e.g. per-session prefix counts), so
// one pass per departed peer was O(peers^2) when a reflector lost hundreds of clients at once
// (a stop, a rack going down: bench/fabric measured 2.3 CPU seconds for 500).
import type { Registry } from 'prom-client';

interface LabelledMetric {
  readonly labelNames?: readonly string[];
  get(): Promise<{ values: Array<{ labels: Record<string, string | number> }> }>;
  remove(labels: Record<string, string | number>): void;
}

interface Batch {
  readonly peers: Set<string>;
  /** Series removed, per peer address. */
  readonly done: Promise<Map<string, number>>;
}

const batches = new WeakMap<Registry, Batch>();

/**
 * Removes every series whose `peer` label is `peer`, in every metric of the registry; resolves
 * to how many. Calls in the same turn share one pass over the registry.
 */
export function removePeerSeries(registry: Registry, peer: string): Promise<number> {
  let batch = batches.get(registry);
  if (!batch) {
    const peers = new Set<string>();
    const done = new Promise<Map<string, number>>((resolve, reject) => {
      setImmediate(() => {
        batches.delete(registry);
        removeAll(registry, peers).then(resolve, reject);
      });
    });
    batch = { peers, done };
    batches.set(registry, batch);
  }
  batch.peers.add(peer);
  return batch.done.then((removed) => removed.get(peer) ?? 0);
}

async function removeAll(registry: Registry, peers: ReadonlySet<string>): Promise<Map<string, number>> {
  const removed = new Map<string, number>();
  for (const m of registry.getMetricsAsArray() as unknown as LabelledMetric[]) {
    if (!m.labelNames?.includes('peer')) continue;
    const { values } = await m.get();
    const seen = new Set<string>();
    for (const v of values) {
      const peer = String(v.labels.peer);
      if (!peers.has(peer)) continue;
      // A histogram reports one value per bucket; its series is the labels without `le`.
      const { le: _le, ...labels } = v.labels;
      const key = JSON.stringify(labels);
      if (seen.has(key)) continue;
      seen.add(key);
      m.remove(labels);
      removed.set(peer, (removed.get(peer) ?? 0) + 1);
    }
  }
  return removed;
}
