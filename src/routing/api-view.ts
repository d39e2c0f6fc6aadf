// What the HTTP API (contract 3) shows of a speaker and its engine, the same for every role:
// the sessions with their policies, the routes, the rejected paths, soft reset, and the RIB
// counts /metrics reads. A role adds its own fields (cluster ID, FIB) around these.
import { familyName } from '../bgp/messages';
import type { Speaker } from '../bgp/fsm';
import type { RibCountsSource, SessionStatus, StatusProvider } from '../observability';
import type { RoutingEngine } from './engine';
import { softReset } from './soft-reset';
import { locRibRoutes } from './routes-view';

export type EngineApiView = Pick<StatusProvider, 'routes' | 'refresh'> &
  Required<Pick<StatusProvider, 'rejected'>> & {
    /** /status `sessions`: each session's own status plus its policies. */
    sessions(): SessionStatus[];
  };

export function engineApiView(speaker: Speaker, engine: RoutingEngine): EngineApiView {
  return {
    sessions: () => speaker.peers().map((p) => ({ ...p.status(), policy: engine.policyOf(p) ?? null })),
    // A lazy walk, for the HTTP API to stream (RangeError at once when malformed).
    routes: (family, prefix) => locRibRoutes(engine.ribs, family, prefix) as ReturnType<StatusProvider['routes']>,
    rejected: (family) => engine.rejected(family) as ReturnType<NonNullable<StatusProvider['rejected']>>,
    refresh: (r) => softReset(speaker, engine, r),
  };
}

/** The counts /metrics reads at scrape time (per-session prefixes, Loc-RIB sizes). */
export function engineRibCounts(engine: RoutingEngine): RibCountsSource {
  return {
    prefixCounts: () => engine.prefixCounts(),
    locRibSizes: () => [...engine.ribs].map(([f, rib]) => ({ family: familyName(f), size: rib.locRibSize })),
  };
}
