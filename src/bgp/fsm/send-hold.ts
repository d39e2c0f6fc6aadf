// RFC 9687 send hold timer, the shell's half. A peer can keep its session up (it sends
// KEEPALIVEs) while it no longer reads what we send: our socket backs up and the session is
// stuck for good. The timer runs while Established and restarts whenever our output makes
// progress (a write that found nothing queued, or the socket draining); when it expires with
// output still queued, the connection gets SendHoldTimer_Expires (Event 29) and the FSM sends
// NOTIFICATION code 8 and closes. Expiring with nothing queued only means we had nothing to
// say (a hold time of 0 sends no KEEPALIVEs): it re-arms.
import type { TimerWheel, WheelTimer } from './timers';

/** RFC 9687 4: "the greater of 8 minutes or 2 times the negotiated Hold Time". */
export const DEFAULT_SEND_HOLD_MIN_MS = 8 * 60 * 1000;

/** The send hold time in ms: the configured seconds, else RFC 9687's default for this hold time. */
export function sendHoldMs(holdTimeMs: number, configuredSeconds?: number): number {
  if (configuredSeconds !== undefined) return configuredSeconds * 1000;
  return Math.max(DEFAULT_SEND_HOLD_MIN_MS, 2 * holdTimeMs);
}

export class SendHoldTimer {
  private timer: WheelTimer | undefined;
  private ms = 0;

  /**
   * `outputPending`: bytes we wrote are still queued (not taken by the kernel);
   * `expired`: raise SendHoldTimer_Expires.
   */
  constructor(
    private readonly wheel: TimerWheel,
    private readonly outputPending: () => boolean,
    private readonly expired: () => void,
  ) {}

  get running(): boolean {
    return this.timer?.active ?? false;
  }

  /** Arm for `ms` (entering Established). */
  start(ms: number): void {
    this.ms = ms;
    if (this.timer) this.wheel.refresh(this.timer, ms);
    else this.timer = this.wheel.add(ms, () => this.fire());
  }

  /** Output moved: the peer is reading. Restarts the timer when it runs. */
  progress(): void {
    if (this.timer?.active) this.wheel.refresh(this.timer, this.ms);
  }

  stop(): void {
    if (this.timer) this.wheel.cancel(this.timer);
  }

  private fire(): void {
    if (!this.outputPending()) {
      this.start(this.ms); // idle, not stuck
      return;
    }
    this.expired();
  }
}
