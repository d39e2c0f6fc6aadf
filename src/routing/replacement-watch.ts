// Make before break, the waiting half: sessions about to be removed wait while some route
// comes only from them (datastore-peers.ts). Counting those routes walks the Loc-RIB, which
// on a reflector holds a full table, so one watch serves every waiting session: a single
// timer, and a new count only after the Loc-RIB changed and has settled (the End-of-RIB of
// a new session brings no count by itself: nothing it could change has changed), at most
// once per round, shared by every waiter (RoutingEngine.soleRoutes keeps one count per
// Loc-RIB version).
import type { SessionHandle } from './sessions';

/** What the watch reads of the engine (RoutingEngine satisfies it). */
export interface SoleRouteSource {
  soleRoutes(session: SessionHandle): number;
  readonly routeVersion: number;
  readonly settled: boolean;
}

interface Waiter {
  readonly session: SessionHandle;
  /** True once the wait should end for another reason (time is up, stopping, replaced). */
  readonly over: () => boolean;
  readonly resolve: () => void;
}

export class ReplacementWatch {
  private readonly waiters = new Set<Waiter>();
  private timer: NodeJS.Timeout | undefined;
  private seen = -1;

  /** `everyMs`: the round; at most one count of the Loc-RIB per round, whatever the waiters. */
  constructor(
    private readonly engine: SoleRouteSource,
    private readonly everyMs = 250,
  ) {}

  /** Routes only this session gives us now (one count; 0 when none). */
  sole(session: SessionHandle): number {
    return this.engine.soleRoutes(session);
  }

  /** Resolves once no route comes from `session` alone, or `over()` says to stop waiting. */
  wait(session: SessionHandle, over: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.add({ session, over, resolve });
      this.timer ??= setInterval(() => this.round(), this.everyMs);
    });
  }

  private round(): void {
    const recount = this.engine.routeVersion !== this.seen && this.engine.settled;
    if (recount) this.seen = this.engine.routeVersion;
    for (const w of this.waiters) {
      if (!w.over() && !(recount && this.engine.soleRoutes(w.session) === 0)) continue;
      this.waiters.delete(w);
      w.resolve();
    }
    if (this.waiters.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
