/**
 * src/bgp/fsm: the RFC 4271 section 8 state machine (pure: events in, actions out, timers
 * as actions), and the session that binds it to a TCP socket.
 *
 * DOC: one FsmState per connection (8.2.1: "Each FSM corresponds to exactly one TCP
 * connection"). The shell turns socket and codec happenings into the 28 events of 8.1,
 * calls `step(state, event, now)`, keeps the returned state and performs the returned
 * actions in order: write OPEN/KEEPALIVE/NOTIFICATION, arm or stop timers (on the shared
 * TimerWheel, jittered when the action says so, whose expiries come back as the timer
 * events), connect, listen, drop the socket, hand UPDATEs to the RIB. When an OPEN arrives
 * while another connection to the same peer is past Active, `resolveCollision` says which
 * connection receives OpenCollisionDump (RFC 4271 6.8).
 *
 * The shell: transport.ts (addresses, connect), connection.ts (one socket, its FSM, framer
 * and timers), peer.ts (a configured or dynamic neighbour: its connections, collisions,
 * status, writes with back-pressure), speaker.ts (the listener, configured and dynamic
 * peers, Cease on stop).
 *
 * RFCs: 4271 (section 8 FSM, 6.8 collisions, 10 timers and jitter), 6608 (FSM error
 * subcodes), 4486 (Cease subcodes).
 */
export * from './state';
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
