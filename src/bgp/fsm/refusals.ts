// Refused connections are peer input an attacker or a misconfigured fleet controls: one log
// line each would let them flood the log. Per key (a dynamic-neighbor range, or "unknown"),
// the first refusal of a window is logged at once and the rest are only counted; the next
// line after the window says how many were suppressed.

export interface Refusal {
  /** Log this one now. */
  readonly log: boolean;
  /** Refusals of this key not logged since the last line. */
  readonly suppressed: number;
}

export class RefusalLog {
  private readonly keys = new Map<string, { since: number; suppressed: number }>();

  constructor(private readonly windowMs: number, private readonly now: () => number) {}

  /** Count one refusal under `key`; says whether to log it and how many went unlogged before. */
  note(key: string): Refusal {
    const t = this.now();
    const k = this.keys.get(key);
    if (k && t - k.since < this.windowMs) {
      k.suppressed++;
      return { log: false, suppressed: k.suppressed };
    }
    const suppressed = k?.suppressed ?? 0;
    this.keys.set(key, { since: t, suppressed: 0 });
    // Bounded: keys are configured ranges plus "unknown"; stale windows are dropped anyway.
    if (this.keys.size > 1024) for (const [kk, v] of this.keys) if (t - v.since >= this.windowMs) this.keys.delete(kk);
    return { log: true, suppressed };
  }
}
