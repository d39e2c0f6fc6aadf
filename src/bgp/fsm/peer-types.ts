// What a Peer shows of itself: the session owns its status types (the HTTP API and the
// routing engine adapt to these; the fsm imports no API types).
import type { StateName } from './state';

/** Paths of one session (contract 3's meaning; the routing engine keeps them, setPrefixCounts). */
export type PrefixCounts = { received: number; accepted: number; advertised: number };

/**
 * What a session shows of itself: the session owns this shape; the HTTP API's /status
 * (contract 3, src/observability) lists it as one of its `sessions`.
 */
export type PeerStatus = {
  /** The address as configured (neighbor address, BGPPeer peerIP) or as a dynamic neighbor came. */
  peer: string;
  asn: number;
  state: StateName;
  uptimeSeconds: number;
  prefixes: PrefixCounts;
  /** Why the session last went down or could not come up. */
  lastError: string | null;
  dynamic: boolean;
  routeReflectorClient: boolean;
};

/** Peer's events: the shown state changed (the best of its connections' states). */
export type PeerEventMap = { stateChange: [from: StateName, to: StateName] };

/** How far a connection got: a peer shows the state of its furthest connection. */
export const STATE_RANK: Readonly<Record<StateName, number>> = {
  Idle: 0,
  Connect: 1,
  Active: 1,
  OpenSent: 2,
  OpenConfirm: 3,
  Established: 4,
};
