// The engine's GracefulRestart: graceful-restart.ts decides when a peer's paths go stale and
// when they go; this wires its StaleSink to the RIBs (RFC 4724 4.2 helper mode, RFC 7313 4
// enhanced refresh) and its timers to the engine options. Apart from the engine because it
// is a self-contained piece of wiring with its own logging.
import { familyName, type Family } from '../bgp/messages';
import type { PeerTable, Rib } from '../rib';
import type { EngineOptions } from './engine-options';
import { GracefulRestart, REAL_TIMERS } from './graceful-restart';

/** What the sink acts on: the engine's RIBs and peers, its scheduler and its index release. */
export interface RestartTarget {
  readonly ribs: ReadonlyMap<Family, Rib>;
  readonly peers: PeerTable;
  schedule(): void;
  /** Every path of the peer goes and its index is free again. */
  release(peer: number): void;
}

/** RFC 4724 default stale-path time when the config gives none (seconds). */
const DEFAULT_STALE_SECONDS = 360;

export function engineRestart(t: RestartTarget, opts: EngineOptions): GracefulRestart {
  const staleMs = (opts.staleTimeSeconds ?? DEFAULT_STALE_SECONDS) * 1000;
  return new GracefulRestart(
    {
      markStale: (p, f) => t.ribs.get(f)?.markStale(p),
      dropStale: (p, f) => {
        const n = t.ribs.get(f)?.staleExpired(p) ?? 0;
        t.schedule();
        // The index is still registered: release() (after this) is what frees it.
        opts.logger.info(
          { peer: t.peers.get(p).address, family: familyName(f), withdrawn: n },
          'stale paths withdrawn',
        );
      },
      dropAll: (p, f) => t.ribs.get(f)?.peerDown(p),
      released: (p) => t.release(p),
    },
    {
      timers: opts.timers ?? REAL_TIMERS,
      staleTimeMs: staleMs,
      refreshStaleTimeMs: staleMs,
      onError: (e) =>
        opts.logger.error({ err: (e as Error).stack ?? String(e) }, 'internal error in a graceful restart timer'),
    },
  );
}
