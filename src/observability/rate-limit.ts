// Log lines driven by peer input are rate limited per key (a peer, a dynamic-neighbor range,
// "unknown" sources): a client that sends a million bad paths, or a scan that opens a million
// connections, gets a few lines and a count, not a million lines (STYLE.md: "nothing per
// prefix at info; rate-limit UPDATE traces"). The one limiter of the code base: the session
// layer (refused connections, src/bgp/fsm) and the engine (bad or refused paths) both use it.
export interface RateDecision {
  /** Log this one. */
  readonly ok: boolean;
  /** Lines dropped for this key since the last one logged (report them with it). */
  readonly suppressed: number;
}

interface Window {
  start: number;
  count: number;
  suppressed: number;
}

/** Keys kept at most; past it, windows that ended are dropped (then all, if none had). */
const MAX_KEYS = 4096;

export class LogRateLimiter {
  private readonly windows = new Map<string, Window>();

  /** At most `perWindow` lines per key in each `windowMs`; the next line after says how many were dropped. */
  constructor(
    private readonly perWindow = 5,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  allow(key: string): RateDecision {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || t - w.start >= this.windowMs) {
      const suppressed = w?.suppressed ?? 0;
      if (!w && this.windows.size >= MAX_KEYS) this.prune(t);
      w = { start: t, count: 1, suppressed: 0 };
      this.windows.set(key, w);
      return { ok: true, suppressed };
    }
    if (w.count < this.perWindow) {
      w.count++;
      const suppressed = w.suppressed;
      w.suppressed = 0;
      return { ok: true, suppressed };
    }
    w.suppressed++;
    return { ok: false, suppressed: w.suppressed };
  }

  /** Bounded: keys of peers long gone are forgotten (their counts are lost, not logs). */
  private prune(t: number): void {
    for (const [k, w] of this.windows) if (t - w.start >= this.windowMs) this.windows.delete(k);
    if (this.windows.size >= MAX_KEYS) this.windows.clear();
  }
}
