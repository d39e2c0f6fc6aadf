// One throttled apply loop (Felix's: changes coalesce, one apply at a time, at most one per
// interval; a failed apply is retried with exponential back-off; and every resync interval
// the kernel is read again so that whatever changed behind our back is put right).

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const realTimers: Timers = {
  // Referenced: a pending apply keeps the process alive until stop() clears it.
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  now: () => Date.now(),
};

export interface ApplyLoopOptions {
  /** Minimum time between two applies (changes in between coalesce). Default 100 ms. */
  minIntervalMs?: number;
  /** Kernel re-read interval. Default 10 s. */
  resyncMs?: number;
  /** First retry delay after a failure, doubling up to backoffMaxMs. Defaults 200 ms, 10 s. */
  backoffMs?: number;
  backoffMaxMs?: number;
  timers?: Timers;
}

/**
 * `apply(resync)` programs the pending changes; it resolves `{ok: false}` (or throws) when some
 * of them failed, and may ask to be run again after `retryMs` (an interface not there yet).
 */
export type ApplyFn = (resync: boolean) => Promise<{ ok: boolean; retryMs?: number }>;

export class ApplyLoop {
  private readonly timers: Timers;
  private readonly minInterval: number;
  private readonly resyncMs: number;
  private readonly backoffMin: number;
  private readonly backoffMax: number;
  private running = false;
  private stopped = false;
  private dirty = false;
  /** An apply asked to be run again later (retryMs) even without a change. */
  private retryDue = false;
  private resyncDue = true; // the first apply always reads the kernel
  private timer: unknown;
  private timerAt = Infinity;
  private lastStart = -Infinity;
  private nextResync = 0;
  private backoff = 0;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly apply: ApplyFn,
    opts: ApplyLoopOptions = {},
  ) {
    this.timers = opts.timers ?? realTimers;
    this.minInterval = opts.minIntervalMs ?? 100;
    this.resyncMs = opts.resyncMs ?? 10_000;
    this.backoffMin = opts.backoffMs ?? 200;
    this.backoffMax = opts.backoffMaxMs ?? 10_000;
  }

  /** Something desired changed: apply soon (throttled). */
  kick(): void {
    this.dirty = true;
    this.schedule(Math.max(0, this.lastStart + this.minInterval - this.timers.now()));
  }

  /** Read the kernel at the next apply (e.g. after a failure). */
  requestResync(): void {
    this.resyncDue = true;
    this.kick();
  }

  /** Resolves when no apply is running. */
  whenIdle(): Promise<void> {
    return this.idle;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    const at = this.timers.now() + delay;
    if (this.timer !== undefined && this.timerAt <= at) return;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.fire();
    }, delay);
  }

  private fire(): void {
    if (this.stopped) return;
    if (this.running) {
      this.dirty = true;
      return;
    } // picked up when the running apply ends
    const now = this.timers.now();
    const resync = this.resyncDue || now >= this.nextResync;
    if (!this.dirty && !this.retryDue && !resync) {
      this.schedule(this.nextResync - now);
      return;
    }
    this.running = true;
    this.dirty = false;
    this.retryDue = false;
    this.resyncDue = false;
    this.lastStart = now;
    if (resync) this.nextResync = now + this.resyncMs;
    let done!: () => void;
    this.idle = new Promise((r) => {
      done = r;
    });
    void this.apply(resync)
      .then(
        (r) => r,
        () => ({ ok: false, retryMs: undefined }),
      )
      .then((r) => {
        this.running = false;
        done();
        if (this.stopped) return;
        if (!r.ok) {
          // Kernel state after a failure is unknown: re-read it on the retry.
          this.backoff = this.backoff === 0 ? this.backoffMin : Math.min(this.backoffMax, this.backoff * 2);
          this.resyncDue = true;
          this.dirty = true;
          this.schedule(this.backoff);
          return;
        }
        this.backoff = 0;
        if (r.retryMs !== undefined) {
          this.retryDue = true;
          this.schedule(r.retryMs);
        }
        if (this.dirty) this.schedule(Math.max(0, this.lastStart + this.minInterval - this.timers.now()));
        else if (!this.retryDue) this.schedule(Math.max(0, this.nextResync - this.timers.now()));
      });
  }
}
