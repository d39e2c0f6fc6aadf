// A member's first End-of-RIB of a family (RFC 4724 2: "the speaker MUST send an End-of-RIB
// marker ... after it completes the initial update"). update-group.ts sends it once the
// member has read everything built for it and no decision is pending, so routes still being
// decided at the join are part of the initial table. A peer that never stops sending keeps a
// decision pending for ever; this bounds the wait: once the bound has passed the marker goes
// as soon as the member has read what was built, pending decisions or not.
//
// Why a bound at all, and why this one: the End-of-RIB matters to a peer that restarted
// (RFC 4724 4.1: it defers its route selection until our End-of-RIB, or until its own
// Selection_Deferral_Timer) and to a helper that kept our routes (4.2: it drops the ones still
// stale on our End-of-RIB, or when its stale timer ends). Sent too early it drops routes we
// simply had not re-sent yet; never sent, a restarted peer waits its whole timer. The bound
// is the selection deferral time where the speaker has one (the wait RFC 4724 4.1 itself puts
// an upper bound on), else INITIAL_EOR_MAX_MS.
import type { EngineTimers } from './graceful-restart';

/**
 * The bound without a configured selection deferral: 60 s, the reflector's own
 * Selection_Deferral_Timer (reflector/restart.ts), so a restarted vroute peer has our
 * End-of-RIB before it gives up waiting for it; and more than ten times what a whole 1M-route
 * table takes to decide and send on these machines (bench/RESULTS.md, reflect 1M: ~1-4 s),
 * so an initial table that is merely large never gets its marker early.
 */
export const INITIAL_EOR_MAX_MS = 60_000;

export interface InitialEorBound {
  readonly ms: number;
  readonly timers: EngineTimers;
  /** The bound passed: the member should pull again (the engine schedules a turn). */
  readonly wake: () => void;
}

/** One member's first End-of-RIB: owed from its join until sent; overdue once the bound passed. */
export class InitialEor {
  owed = true;
  overdue = false;
  private timer: unknown;
  private armed = false;

  constructor(private readonly bound: InitialEorBound | undefined) {
    if (!bound) return;
    this.armed = true;
    this.timer = bound.timers.setTimeout(() => {
      this.armed = false;
      this.overdue = true;
      bound.wake();
    }, bound.ms);
  }

  /** Sent, or the member left: nothing owed, the timer stops. */
  done(): void {
    this.owed = false;
    if (!this.armed) return;
    this.armed = false;
    this.bound?.timers.clearTimeout(this.timer);
  }
}
