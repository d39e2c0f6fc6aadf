// Log lines driven by peer input are rate limited per key (usually the peer): a client that
// sends a million bad paths gets a few lines and a count, not a million lines (STYLE.md:
// "nothing per prefix at info; rate-limit UPDATE traces").
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

export class LogRateLimiter {
  private readonly windows = new Map<string, Window>();

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
      // Bounded: keys of peers long gone are forgotten wholesale (their counts are lost, not logs).
      if (!w && this.windows.size >= 4096) this.windows.clear();
      w = { start: t, count: 0, suppressed: 0 };
      this.windows.set(key, w);
      w.count++;
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
}
