// Stale-path bookkeeping for graceful restart helper mode (RFC 4724 4.2) and enhanced route
// refresh (RFC 7313 4): which of a peer's families hold stale paths, why, and the timer that
// ends them. It decides; the engine acts on the RIBs through StaleSink. Timers are injected
// (EngineTimers) so tests step time themselves.
//
// Per peer index (the RIB's peer, kept across the restart so the new session continues in
// the same Adj-RIB-In):
//   session lost, GR usable  -> mark stale, restart timer (the peer's Restart Time)
//   restart timer fires      -> drop stale, release the index
//   session back             -> stop restart timer; per family drop at once (no GR / F bit
//                               clear / family gone) or wait for End-of-RIB under the
//                               stale-path timer
//   BoRR / EoRR              -> mark stale under the stale-path timer / drop stale
import { family, type Family, type GracefulRestartCapability } from '../bgp/messages';
import type { SessionEnd } from '../bgp/fsm';

/** What the helper needs of a timer facility (setTimeout/clearTimeout by default). */
export interface EngineTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real timers, unref'd: pending stale timers never keep a process alive on their own. */
export const REAL_TIMERS: EngineTimers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** The engine's side: operations on one peer's paths of one family in the RIBs. */
export interface StaleSink {
  /** Flag every path of the peer in `f` stale (they stay in the Loc-RIB and advertised). */
  markStale(peer: number, f: Family): void;
  /** Withdraw the peer's paths in `f` that are still stale. */
  dropStale(peer: number, f: Family): void;
  /** Withdraw every path of the peer in `f`. */
  dropAll(peer: number, f: Family): void;
  /** The peer has no session and nothing retained: its index may go. */
  released(peer: number): void;
}

export interface GracefulRestartOptions {
  readonly timers: EngineTimers;
  /** Upper bound on keeping stale paths once the session is back (RFC 4724 4.2), ms. */
  readonly staleTimeMs: number;
  /** Upper bound on waiting for EoRR after a BoRR (RFC 7313 4), ms. */
  readonly refreshStaleTimeMs: number;
  /** An exception from a timer's work (logged by the engine instead of thrown). */
  readonly onError?: (e: unknown) => void;
}

/** RFC 4724 3: Forwarding State bit of a family's flags octet. */
const F_BIT = 0x80;

/** Why a family's paths are stale: a lost session (RFC 4724) or a BoRR (RFC 7313). */
export type StaleCause = 'restart' | 'refresh';

interface StaleFamily {
  cause: StaleCause;
  /** The stale-path timer (absent while the restart timer stands guard). */
  timer?: unknown;
}

interface PeerState {
  up: boolean;
  restartTimer?: unknown;
  readonly stale: Map<Family, StaleFamily>;
}

export class GracefulRestart {
  private readonly peers = new Map<number, PeerState>();

  constructor(
    private readonly sink: StaleSink,
    private readonly opts: GracefulRestartOptions,
  ) {}

  /** Is the peer's index held for stale paths while it has no session? */
  isRetained(peer: number): boolean {
    const s = this.peers.get(peer);
    return s !== undefined && !s.up;
  }

  /** Families of the peer whose paths are (partly) stale, with the cause. */
  staleFamilies(peer: number): Map<Family, StaleCause> {
    const out = new Map<Family, StaleCause>();
    for (const [f, e] of this.peers.get(peer)?.stale ?? []) out.set(f, e.cause);
    return out;
  }

  /**
   * A session reached Established with this capability (the peer's, from the new OPEN).
   * RFC 4724 4.2: "the Receiving Speaker MUST stop the restart timer"; families the new
   * capability leaves out, or whose Forwarding State bit is clear, or that the session no
   * longer carries, lose their stale paths at once; the others keep them until the peer's
   * End-of-RIB, bounded by the stale-path timer.
   */
  sessionUp(peer: number, families: readonly Family[], cap: GracefulRestartCapability | undefined): void {
    const st = this.state(peer);
    st.up = true;
    this.clear(st.restartTimer);
    st.restartTimer = undefined;
    for (const [f, e] of [...st.stale]) {
      this.clear(e.timer);
      const kept =
        families.includes(f) && cap?.families.some((x) => family(x.afi, x.safi) === f && (x.flags & F_BIT) !== 0);
      if (!kept) {
        this.finish(peer, st, f);
        continue;
      }
      e.cause = 'restart';
      e.timer = this.arm(() => this.finish(peer, st, f), this.opts.staleTimeMs);
    }
    this.forgetIfEmpty(peer, st);
  }

  /**
   * The session left Established. RFC 4724 4.2: when the peer advertised GR for a family and
   * the TCP session simply ended, its paths are retained and marked stale and the restart
   * timer runs for the Restart Time it advertised. A NOTIFICATION ends the session without
   * GR (we do not advertise RFC 8538's N bit, so its exceptions never apply). "To deal with
   * possible consecutive restarts, a route (from the peer) previously marked as stale MUST be
   * deleted": whatever is still stale from before goes first. Returns true when something
   * is retained (the peer's index must survive).
   */
  sessionDown(
    peer: number,
    families: readonly Family[],
    cap: GracefulRestartCapability | undefined,
    end: SessionEnd,
  ): boolean {
    const st = this.state(peer);
    st.up = false;
    for (const e of st.stale.values()) this.clear(e.timer);
    const gr = cap !== undefined && !end.notification;
    const all = new Set<Family>([...families, ...st.stale.keys()]);
    let retained = 0;
    for (const f of all) {
      const had = st.stale.has(f);
      st.stale.delete(f);
      if (gr && families.includes(f) && cap.families.some((x) => family(x.afi, x.safi) === f)) {
        if (had) this.sink.dropStale(peer, f);
        this.sink.markStale(peer, f);
        st.stale.set(f, { cause: 'restart' });
        retained++;
      } else {
        this.sink.dropAll(peer, f);
      }
    }
    if (retained === 0 || !cap) {
      this.peers.delete(peer);
      this.sink.released(peer);
      return false;
    }
    // The Restart Time is 12 bits of seconds (RFC 4724 3); 0 means the peer will not be back.
    st.restartTimer = this.arm(() => this.restartExpired(peer, st), cap.restartTime * 1000);
    return true;
  }

  /** End-of-RIB from the peer for `f` (the RIB has dropped what was still stale). */
  endOfRib(peer: number, f: Family): void {
    const st = this.peers.get(peer);
    const e = st?.stale.get(f);
    if (!st || !e) return;
    this.clear(e.timer);
    st.stale.delete(f);
    this.forgetIfEmpty(peer, st);
  }

  /**
   * RFC 7313 4: a BoRR from the peer: its paths of `f` become stale; what is not re-advertised
   * before the EoRR goes then. A lost EoRR must not keep them for ever: the stale timer.
   */
  refreshBegin(peer: number, f: Family): void {
    const st = this.state(peer);
    const e = st.stale.get(f);
    this.clear(e?.timer);
    this.sink.markStale(peer, f);
    st.stale.set(f, {
      cause: 'refresh',
      timer: this.arm(() => this.finish(peer, st, f), this.opts.refreshStaleTimeMs),
    });
  }

  /** RFC 7313 4: EoRR: the peer's paths of `f` still stale are withdrawn. */
  refreshEnd(peer: number, f: Family): void {
    const st = this.peers.get(peer);
    // An EoRR with no BoRR before it marks nothing: nothing to end.
    if (!st || st.stale.get(f)?.cause !== 'refresh') return;
    this.finish(peer, st, f);
  }

  /** The peer is gone for good (deconfigured, engine closing): timers off, state dropped. */
  forget(peer: number): void {
    const st = this.peers.get(peer);
    if (!st) return;
    this.clear(st.restartTimer);
    for (const e of st.stale.values()) this.clear(e.timer);
    this.peers.delete(peer);
  }

  /** RFC 4724 4.2: no session within the Restart Time: every stale path goes. */
  private restartExpired(peer: number, st: PeerState): void {
    if (this.peers.get(peer) !== st || st.up) return;
    st.restartTimer = undefined;
    for (const f of [...st.stale.keys()]) this.sink.dropStale(peer, f);
    st.stale.clear();
    this.peers.delete(peer);
    this.sink.released(peer);
  }

  /** Drops the stale paths of one family (End-of-RIB wait over, timer, EoRR). */
  private finish(peer: number, st: PeerState, f: Family): void {
    if (this.peers.get(peer) !== st) return;
    const e = st.stale.get(f);
    if (!e) return;
    this.clear(e.timer);
    st.stale.delete(f);
    this.sink.dropStale(peer, f);
    this.forgetIfEmpty(peer, st);
  }

  private forgetIfEmpty(peer: number, st: PeerState): void {
    if (st.up && st.stale.size === 0) this.peers.delete(peer);
  }

  private state(peer: number): PeerState {
    let st = this.peers.get(peer);
    if (!st) {
      st = { up: true, stale: new Map() };
      this.peers.set(peer, st);
    }
    return st;
  }

  /** A timer whose callback never throws into the event loop (a bug must not end the daemon). */
  private arm(fn: () => void, ms: number): unknown {
    return this.opts.timers.setTimeout(() => {
      try {
        fn();
      } catch (e) {
        this.opts.onError?.(e);
      }
    }, ms);
  }

  private clear(h: unknown): void {
    if (h !== undefined) this.opts.timers.clearTimeout(h);
  }
}
