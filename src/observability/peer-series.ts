// Per-peer metric series are labelled by the peer's address. Configured peers are few, but a
// dynamic-neighbor range can see thousands of addresses come and go: every series of a peer
// that went away is removed, so the label set stays as large as the live peer set.
import type { Registry } from 'prom-client';

interface LabelledMetric {
  readonly labelNames?: readonly string[];
  get(): Promise<{ values: Array<{ labels: Record<string, string | number> }> }>;
  remove(labels: Record<string, string | number>): void;
}

/** Removes every series whose `peer` label is `peer`, in every metric of the registry. */
export async function removePeerSeries(registry: Registry, peer: string): Promise<number> {
  let removed = 0;
  for (const m of registry.getMetricsAsArray() as unknown as LabelledMetric[]) {
    if (!m.labelNames?.includes('peer')) continue;
    const { values } = await m.get();
    const seen = new Set<string>();
    for (const v of values) {
      if (v.labels.peer !== peer) continue;
      // A histogram reports one value per bucket; its series is the labels without `le`.
      const { le: _le, ...labels } = v.labels;
      const key = JSON.stringify(labels);
      if (seen.has(key)) continue;
      seen.add(key);
      m.remove(labels);
      removed++;
    }
  }
  return removed;
}
