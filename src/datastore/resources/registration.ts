// Liveness records: a reflector registers itself at /vroute/v1/reflector/<name> under a lease
// (contract 4), so the key vanishes by itself when the reflector dies; nodes report status at
// /vroute/v1/status/<node> through a throttled writer (at most one write per interval, the
// latest state wins) so a flapping session cannot flood the datastore.
import { Datastore, Lease } from '../store';
import { ROOT } from './types';

export interface ReflectorInfo {
  routerId: string;
  asn: number;
  clusterId?: string;
  addresses?: string[];
  labels?: Record<string, string>;
}

export interface Registration {
  readonly key: string;
  readonly lease: Lease;
  /** Re-writes the record (e.g. after a config change). */
  update(info: ReflectorInfo): Promise<void>;
  /** Revokes the lease: the record is removed at once. */
  stop(): Promise<void>;
}

export function reflectorKey(name: string): string {
  return `${ROOT}reflector/${name}`;
}

export function statusKey(node: string): string {
  return `${ROOT}status/${node}`;
}

/**
 * Writes the reflector record under a fresh lease (kept alive by the implementation). When the
 * lease is lost (datastore unreachable longer than the TTL) it re-registers once the store
 * answers again; `onLost` hears about the gap.
 */
export async function registerReflector(store: Datastore, name: string, info: ReflectorInfo, opts: { ttlSeconds?: number; onLost?: () => void } = {}): Promise<Registration> {
  const key = reflectorKey(name);
  const ttl = opts.ttlSeconds ?? 15;
  let current = info;
  let stopped = false;
  let lease = await store.grant(ttl);
  const write = () => store.put(key, JSON.stringify({ name, ...current, registeredAt: new Date().toISOString() }), { lease });
  const watchLease = (l: Lease) => l.onLost(() => {
    if (stopped) return;
    opts.onLost?.();
    const retry = async (): Promise<void> => {
      if (stopped) return;
      try {
        lease = await store.grant(ttl);
        watchLease(lease);
        await write();
      } catch {
        setTimeout(() => void retry(), 1000).unref();
      }
    };
    void retry();
  });
  watchLease(lease);
  await write();
  return {
    key,
    get lease() { return lease; },
    update: async (i) => { current = i; await write(); },
    stop: async () => { stopped = true; await lease.revoke(); },
  };
}

/** Latest-wins, throttled status writes for one node. */
export class StatusWriter {
  private pending: unknown;
  private hasPending = false;
  private timer?: NodeJS.Timeout;
  private last = 0;
  private writing?: Promise<void>;

  constructor(private readonly store: Datastore, readonly node: string, private readonly intervalMs = 1000, private readonly now: () => number = Date.now) {}

  /** Queues `status`; it is written now if the interval has passed, else at its end. */
  report(status: unknown): void {
    this.pending = status;
    this.hasPending = true;
    if (this.timer) return;
    const wait = Math.max(0, this.last + this.intervalMs - this.now());
    this.timer = setTimeout(() => { this.timer = undefined; void this.flush(); }, wait);
  }

  /** Writes any queued status now (call before shutdown). */
  async flush(): Promise<void> {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    await this.writing;
    if (!this.hasPending) return;
    const value = JSON.stringify({ node: this.node, updated: new Date(this.now()).toISOString(), status: this.pending });
    this.hasPending = false;
    this.last = this.now();
    this.writing = this.store.put(statusKey(this.node), value).then(() => undefined, () => undefined);
    await this.writing;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
