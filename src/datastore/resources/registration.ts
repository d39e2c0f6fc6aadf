// Liveness records: a reflector registers itself at /vroute/v1/reflector/<name> under a lease
// (contract 4), so the key vanishes by itself when the reflector dies; nodes report status at
// /vroute/v1/status/<node> through a throttled writer (at most one write per interval, the
// latest state wins) so a flapping session cannot flood the datastore.
import type { Datastore, Lease } from '../store';
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

/** Timers for the retry back-off; injected so tests run on a fake clock. */
export interface RetryTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: RetryTimers = {
  set: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref(); // a pending retry never keeps a stopping process alive
    return t;
  },
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Where registration reports trouble (a pino logger fits). */
export interface RegistrationLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface RegistrationOptions {
  ttlSeconds?: number;
  /** Heard when the lease was lost (the record is re-created at once). */
  onLost?: () => void;
  /** Back-off between attempts: doubles from firstMs up to maxMs (defaults 1 s, 30 s). */
  retry?: { firstMs?: number; maxMs?: number };
  timers?: RetryTimers;
  log?: RegistrationLog;
}

/** Back-off delay before attempt `n + 1` after `n` failures. */
export function retryDelay(failures: number, firstMs = 1000, maxMs = 30_000): number {
  return Math.min(maxMs, firstMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));
}

/** Bounded log noise: a failure is logged on attempts 1, 2, 4, 8, ... only. */
function worthLogging(failures: number): boolean {
  return (failures & (failures - 1)) === 0;
}

/**
 * Writes the reflector record under a fresh lease (kept alive by the implementation). When the
 * lease is lost (datastore unreachable longer than the TTL, an expired lease) the record is
 * written again at once under a new lease, retrying with back-off until the store answers.
 * The value is the same bytes every time (no write timestamps), so a watcher that sees the
 * key deleted and put again within its debounce sees an unchanged peer, and sessions other
 * speakers derived from it are not torn down.
 */
export async function registerReflector(
  store: Datastore,
  name: string,
  info: ReflectorInfo,
  opts: RegistrationOptions = {},
): Promise<Registration> {
  const key = reflectorKey(name);
  const ttl = opts.ttlSeconds ?? 15;
  const timers = opts.timers ?? REAL_TIMERS;
  let current = info;
  let stopped = false;
  let retryTimer: unknown;
  let lease = await store.grant(ttl);
  const value = () => JSON.stringify({ name, ...current });
  const write = () => store.put(key, value(), { lease });
  const watchLease = (l: Lease) =>
    l.onLost(() => {
      if (stopped || l !== lease) return;
      opts.onLost?.();
      opts.log?.warn({ key }, 'reflector registration lease lost; registering again');
      let failures = 0;
      const retry = async (): Promise<void> => {
        retryTimer = undefined;
        if (stopped) return;
        try {
          const next = await store.grant(ttl);
          if (stopped) {
            await next.revoke().catch(() => undefined);
            return;
          }
          lease = next;
          watchLease(next);
          await write();
          if (failures > 0) opts.log?.info({ key, attempts: failures + 1 }, 'reflector registration restored');
        } catch (e) {
          failures++;
          const wait = retryDelay(failures, opts.retry?.firstMs, opts.retry?.maxMs);
          if (worthLogging(failures))
            opts.log?.warn(
              { key, err: (e as Error).message, attempt: failures, retryInMs: wait },
              'reflector registration failed; retrying',
            );
          retryTimer = timers.set(() => void retry(), wait);
        }
      };
      void retry();
    });
  watchLease(lease);
  await write();
  return {
    key,
    get lease() {
      return lease;
    },
    update: async (i) => {
      current = i;
      await write();
    },
    stop: async () => {
      stopped = true;
      if (retryTimer !== undefined) timers.clear(retryTimer);
      await lease.revoke();
    },
  };
}

/** A registration kept up in the background (the daemon's): never throws, never blocks start. */
export interface KeptRegistration {
  readonly key: string;
  /** Whether the record has been written (the first attempt may still be failing). */
  readonly registered: boolean;
  /** Resolves once the record is written the first time (never, if stopped before). */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

/**
 * registerReflector, retried with back-off until it succeeds: a reflector that starts while its
 * datastore is down registers once the store answers, without a restart. Failures are logged
 * on attempts 1, 2, 4, 8, ... (so an hour of outage is a dozen lines), success once.
 */
export function keepRegistered(
  store: Datastore,
  name: string,
  info: ReflectorInfo,
  opts: RegistrationOptions = {},
): KeptRegistration {
  const timers = opts.timers ?? REAL_TIMERS;
  let reg: Registration | undefined;
  let stopped = false;
  let failures = 0;
  let timer: unknown;
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => {
    resolveReady = r;
  });
  const attempt = async (): Promise<void> => {
    timer = undefined;
    if (stopped) return;
    try {
      const r = await registerReflector(store, name, info, opts);
      if (stopped) {
        await r.stop().catch(() => undefined);
        return;
      }
      reg = r;
      opts.log?.info({ key: r.key, attempts: failures + 1, addresses: info.addresses }, 'registered in the datastore');
      resolveReady();
    } catch (e) {
      failures++;
      const wait = retryDelay(failures, opts.retry?.firstMs, opts.retry?.maxMs);
      if (worthLogging(failures))
        opts.log?.warn(
          { err: (e as Error).message, attempt: failures, retryInMs: wait },
          'could not register in the datastore; retrying',
        );
      timer = timers.set(() => void attempt(), wait);
    }
  };
  void attempt();
  return {
    key: reflectorKey(name),
    get registered() {
      return reg !== undefined;
    },
    ready,
    stop: async () => {
      stopped = true;
      if (timer !== undefined) timers.clear(timer);
      await reg?.stop();
    },
  };
}

/** Latest-wins, throttled status writes for one node. */
export class StatusWriter {
  /** What the next write holds, computed only when it is written (undefined: skip it). */
  private pending: (() => unknown) | undefined;
  private timer?: NodeJS.Timeout;
  private last = 0;
  private writing?: Promise<void>;

  constructor(
    private readonly store: Datastore,
    readonly node: string,
    private readonly intervalMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Queues `status`; it is written now if the interval has passed, else at its end. */
  report(status: unknown): void {
    this.reportLazy(() => status);
  }

  /**
   * Queues a status computed at write time: a daemon with hundreds of sessions reports on
   * every session transition, and building the status each time would cost O(sessions) per
   * transition (O(n^2) when all clients connect at once) for one write a second.
   * `get` returning undefined skips the write; it must not throw (it runs from a timer).
   */
  reportLazy(get: () => unknown): void {
    this.pending = get;
    if (this.timer) return;
    const wait = Math.max(0, this.last + this.intervalMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, wait);
  }

  /** Writes any queued status now (call before shutdown). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    await this.writing;
    const get = this.pending;
    this.pending = undefined;
    if (!get) return;
    const status = get();
    if (status === undefined) return;
    const value = JSON.stringify({ node: this.node, updated: new Date(this.now()).toISOString(), status });
    this.last = this.now();
    this.writing = this.store.put(statusKey(this.node), value).then(
      () => undefined,
      () => undefined,
    );
    await this.writing;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

/**
 * A daemon's status/<name> reports (contract 4): `report()` on every change (throttled by the
 * StatusWriter) and on a timer so counters stay fresh. A status provider that throws is
 * logged through `onError`, never thrown from the timer. `stop()` writes a last report.
 */
export class StatusReports {
  readonly writer: StatusWriter;
  private readonly timer: NodeJS.Timeout;

  constructor(
    store: Datastore,
    name: string,
    private readonly status: () => unknown,
    private readonly onError: (e: unknown) => void,
    everyMs: number,
  ) {
    this.writer = new StatusWriter(store, name, 1000);
    this.timer = setInterval(() => this.report(), everyMs);
    this.timer.unref();
    this.report();
  }

  /** Marks the status changed; it is computed once, when the throttled write happens. */
  report(): void {
    this.writer.reportLazy(() => {
      try {
        return this.status();
      } catch (e) {
        this.onError(e);
        return undefined;
      }
    });
  }

  /** Stops the timer and writes a last report. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.report();
    await this.writer.flush().catch(() => undefined);
    this.writer.close();
  }
}
