/**
 * src/bgp/fsm: the RFC 4271 section 8 state machine (pure: events in, actions out, timers
 * as actions), and the sessions that bind it to TCP sockets.
 *
 * DOC: one FsmState per connection (8.2.1: "Each FSM corresponds to exactly one TCP
 * connection"). The shell turns socket and codec happenings into the events of 8.1, calls
 * `step(state, event, now)`, keeps the returned state and performs the returned actions in
 * order: write OPEN/KEEPALIVE/NOTIFICATION, arm or stop timers (on the shared TimerWheel,
 * jittered when the action says so, whose expiries come back as the timer events), connect,
 * listen, drop the socket, hand an UPDATE on (processUpdate). When an OPEN arrives while
 * another connection to the same peer is past Active, `resolveCollision` says which one gets
 * OpenCollisionDump (RFC 4271 6.8).
 *
 * The pure machine: state.ts (the session record of 8 and its config), events.ts (the 8.1
 * events), actions.ts (the outputs), fsm.ts (step) dispatching to idle.ts, connect.ts,
 * active.ts (pre-open.ts: what Connect and Active share), open-sent.ts, open-confirm.ts,
 * established.ts, with common.ts (transitions, the one teardown, FSM errors of RFC 6608);
 * collision.ts (6.8); timers.ts (TimerWheel, SessionTimers, RFC 4271 10 jitter).
 *
 * The shell: transport.ts (addresses, connect with RFC 2385 TCP-MD5 / RFC 5082 GTSM via
 * src/sys), connection.ts (one socket, its FSM, framer and timers; send-hold.ts: RFC 9687),
 * peer.ts (a configured or dynamic neighbor: its connections, collisions, writes with
 * back-pressure; peer-collision.ts: an OPEN against its other connections, RFC 4724 4.2 and 6.8;
 * peer-types.ts: PeerStatus, PrefixCounts; peer-metrics.ts: its Prometheus series;
 * peer-settings.ts: PeerSessionConfig -> FSM settings, our OPEN, where to connect; transport.ts
 * also waits for a stopping peer's sockets to close), speaker.ts (the listener, configured peers and DynamicRanges with maxPeers,
 * listener-security.ts: keys and GTSM on the listening socket, Cease on stop).
 *
 * The seam upward, session-consumer.ts: a Peer hands what it receives to its one
 * SessionConsumer (established, update, routeRefresh, drained, down with SessionEnd), set by
 * Peer.setConsumer; the routing engine is that consumer. Observers other than the engine use
 * SessionEvents (typed events); Peer's stateChange and Speaker's peer / peerRemoved are typed
 * events too. The session owns its types (PeerSessionConfig, PeerStatus, DynamicRange): the
 * config file and the HTTP API adapt to them, this folder imports neither.
 *
 * RFCs: 4271 (section 8 FSM, 6.8 collisions, 10 timers and jitter), 6608 (FSM error
 * subcodes), 4486 (Cease subcodes), 4724 4.2 (a restarting peer's new connection), 9687 (send
 * hold timer), 2385, 5082.
 */ export * from './state';
export * from './events';
export * from './actions';
export { step, run } from './fsm';
export type { StepResult } from './common';
export { fsmErrorNotification } from './common';
export * from './collision';
export * from './timers';
export { Speaker, DEFAULT_MAX_PEERS, type SpeakerOptions, type SpeakerEventMap, type DynamicRange } from './speaker';
export { PrefixSet } from './transport';
export { Peer, type PeerSessionConfig, type PeerStatus, type PrefixCounts, type PeerEventMap } from './peer';
export { SessionEvents, type SessionConsumer, type SessionEnd, type SessionEventMap } from './session-consumer';
export { SendHoldTimer, sendHoldMs, DEFAULT_SEND_HOLD_MIN_MS } from './send-hold';
