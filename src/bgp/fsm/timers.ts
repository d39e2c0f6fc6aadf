// A coarse timer wheel for thousands of BGP sessions (undici's lib/util/timers.js idea:
// one interval instead of one Node timer per BGP timer), and the RFC 4271 10 jitter.
//
// BGP timers are seconds to minutes long and need no millisecond precision, so deadlines
// are rounded up to a tick (default 250 ms). Timers hang in a ring of buckets indexed by
// their tick; each tick visits one bucket. add and cancel are O(1) (a Set per bucket);
// refresh to a later deadline (the HoldTimer on every UPDATE) only rewrites the deadline,
// and the timer moves when its old bucket comes round. A timer never fires early.
import type { FsmAction } from './actions';
import { TIMER_EVENT, type FsmEventType } from './events';
import type { TimerName } from './state';

/** The clock and interval the wheel runs on; tests inject a fake one. */
export interface Clock {
  now(): number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setInterval: (fn, ms) => {
    const h = setInterval(fn, ms);
    h.unref(); // timers alone never keep the process alive
    return h;
  },
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
};

/** One armed timer. Opaque to callers except for `active`. */
export class WheelTimer {
  /** Tick at which the timer is due. */
  tick = 0;
  /** Bucket it currently sits in, or -1 when not armed. */
  slot = -1;
  constructor(readonly fn: () => void) {}
  get active(): boolean {
    return this.slot >= 0;
  }
}

export interface TimerWheelOptions {
  readonly resolutionMs?: number;
  readonly slots?: number;
  readonly clock?: Clock;
  /**
   * Hears about an exception thrown by a timer's callback. The wheel runs from an interval:
   * an exception unwinding from there would end the process, and every other timer on the
   * wheel with it. Default: printed to stderr.
   */
  readonly onError?: (err: unknown) => void;
}

function printError(err: unknown): void {
  process.stderr.write(
    `vroute: internal error in a timer: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
}

export class TimerWheel {
  readonly resolutionMs: number;
  private readonly buckets: Set<WheelTimer>[];
  private readonly clock: Clock;
  /** Last tick fully processed. */
  private cursor: number;
  private count = 0;
  private interval: unknown = undefined;
  private readonly onError: (err: unknown) => void;

  constructor(opts: TimerWheelOptions = {}) {
    this.resolutionMs = opts.resolutionMs ?? 250;
    const slots = opts.slots ?? 512;
    this.buckets = Array.from({ length: slots }, () => new Set<WheelTimer>());
    this.clock = opts.clock ?? systemClock;
    this.onError = opts.onError ?? printError;
    this.cursor = Math.floor(this.clock.now() / this.resolutionMs);
  }

  /** Armed timers. */
  get size(): number {
    return this.count;
  }

  /** Call `fn` once, no earlier than `ms` from now. */
  add(ms: number, fn: () => void): WheelTimer {
    const t = new WheelTimer(fn);
    this.wake();
    this.place(t, this.dueTick(ms));
    return t;
  }

  /** Disarm; a no-op for a timer that already fired or was cancelled. */
  cancel(t: WheelTimer): void {
    if (t.slot < 0) return;
    this.buckets[t.slot]!.delete(t);
    t.slot = -1;
    this.count--;
    if (this.count === 0) this.stopInterval();
  }

  /** Re-arm `t` for `ms` from now (armed or not). Later deadlines cost no bucket move. */
  refresh(t: WheelTimer, ms: number): void {
    if (t.slot >= 0) {
      const due = this.dueTick(ms);
      if (due >= t.tick) {
        t.tick = due; // moved lazily when its current bucket comes round
        return;
      }
      this.buckets[t.slot]!.delete(t);
      this.count--;
      this.place(t, due);
      return;
    }
    this.wake();
    this.place(t, this.dueTick(ms));
  }

  /** Fire everything due up to the clock's now. Run by the interval; public for tests. */
  tick(): void {
    const target = Math.floor(this.clock.now() / this.resolutionMs);
    const n = this.buckets.length;
    // After a long stall (a blocked event loop), one lap of the ring covers every bucket.
    const from = target - this.cursor > n ? target - n : this.cursor;
    for (let k = from + 1; k <= target; k++) {
      this.cursor = k;
      const bucket = this.buckets[k % n]!;
      if (bucket.size === 0) continue;
      for (const t of bucket) {
        if (t.tick > k) {
          // Not due yet (a later lap, or refreshed): move it if it belongs elsewhere.
          const slot = t.tick % n;
          if (slot !== t.slot) {
            bucket.delete(t);
            t.slot = slot;
            this.buckets[slot]!.add(t);
          }
          continue;
        }
        bucket.delete(t);
        t.slot = -1;
        this.count--;
        try {
          t.fn();
        } catch (e) {
          this.onError(e); // one timer's bug; the rest of the bucket still fires
        }
      }
    }
    this.cursor = target;
    if (this.count === 0) this.stopInterval();
  }

  /** Stop the interval and drop every timer. */
  close(): void {
    for (const b of this.buckets) {
      for (const t of b) t.slot = -1;
      b.clear();
    }
    this.count = 0;
    this.stopInterval();
  }

  private dueTick(ms: number): number {
    const now = this.clock.now();
    const due = Math.ceil((now + Math.max(0, ms)) / this.resolutionMs);
    // Never into a tick already processed (it would wait a whole lap).
    return Math.max(due, this.cursor + 1);
  }

  private place(t: WheelTimer, due: number): void {
    t.tick = due;
    t.slot = due % this.buckets.length;
    this.buckets[t.slot]!.add(t);
    this.count++;
  }

  /**
   * Start the interval if it is not running. With no timers armed the cursor may be stale;
   * moving it to now skips nothing and spares the first tick a long replay.
   */
  private wake(): void {
    if (this.interval !== undefined) return;
    if (this.count === 0) this.cursor = Math.max(this.cursor, Math.floor(this.clock.now() / this.resolutionMs));
    this.interval = this.clock.setInterval(() => this.tick(), this.resolutionMs);
  }

  private stopInterval(): void {
    if (this.interval === undefined) return;
    this.clock.clearInterval(this.interval);
    this.interval = undefined;
  }
}

/**
 * RFC 4271 10: "multiplying the base value of the appropriate timer by a random factor,
 * which is uniformly distributed in the range from 0.75 to 1.0", a new value each time.
 * `rng` returns [0, 1) like Math.random; inject a fixed one in tests.
 */
export function jitter(ms: number, rng: () => number = Math.random, low = 0.75): number {
  const r = Math.min(Math.max(rng(), 0), 1);
  return Math.floor(ms * (low + (1 - low) * r));
}

/**
 * The five FSM timers of one session on a shared wheel: performs startTimer / stopTimer
 * actions (jittered as the action says) and reports expiries as FSM events.
 */
export class SessionTimers {
  private readonly handles = new Map<TimerName, WheelTimer>();

  constructor(
    private readonly wheel: TimerWheel,
    private readonly onExpire: (event: FsmEventType) => void,
    private readonly rng: () => number = Math.random,
  ) {}

  /** Perform the action if it is a timer action; returns whether it was one. */
  apply(a: FsmAction): boolean {
    if (a.type === 'startTimer') {
      this.start(a.timer, a.jitter ? jitter(a.ms, this.rng) : a.ms);
      return true;
    }
    if (a.type === 'stopTimer') {
      this.stop(a.timer);
      return true;
    }
    return false;
  }

  start(timer: TimerName, ms: number): void {
    const h = this.handles.get(timer);
    if (h) {
      this.wheel.refresh(h, ms);
      return;
    }
    this.handles.set(
      timer,
      this.wheel.add(ms, () => this.expired(timer)),
    );
  }

  stop(timer: TimerName): void {
    const h = this.handles.get(timer);
    if (h) this.wheel.cancel(h);
  }

  /** Stop all five (the session is being disposed). */
  stopAll(): void {
    for (const h of this.handles.values()) this.wheel.cancel(h);
  }

  running(timer: TimerName): boolean {
    return this.handles.get(timer)?.active ?? false;
  }

  private expired(timer: TimerName): void {
    this.onExpire(TIMER_EVENT[timer]);
  }
}
