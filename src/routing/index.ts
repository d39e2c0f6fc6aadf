/**
 * src/routing: the routing engine every role runs (the reflector today, the node agent next).
 * It sits on src/rib (Adj-RIB-In, Loc-RIB, decision process, attribute store) and src/bgp
 * (sessions, codec); roles (src/reflector, src/node) sit on it and never on each other.
 *
 * DOC, one UPDATE from socket to socket:
 * - engine.ts (RoutingEngine): a session attaches and the engine becomes its SessionConsumer
 *   (src/bgp/fsm; sessions.ts keeps the per-session counters, the GuardedConsumer that resets
 *   only the session whose input hit a bug, and the pull-and-write loop); each UPDATE it
 *   delivers is validated (update-check.ts: RFC 7606 errors become an action),
 *   filtered (import-stages.ts: rules.ts receive rules, RFC 4456 8 loops, AS-path loops, then
 *   policies.ts import policy), stored in the family's Rib and decided in bounded batches on
 *   setImmediate. family-setup.ts: each family's Rib, packer and update groups, built once;
 *   engine-options.ts: what a role gives it (and the LocalIdentity derived from it);
 *   engine-restart.ts: its GracefulRestart wired to the RIBs; engine-log.ts: its rate-limited
 *   log lines (refused paths, RFC 7606 errors, routes too large for one UPDATE);
 *   join-groups.ts: a session joins its update groups (deferred ones when the deferral ends);
 *   selection-deferral.ts: RFC 4724 4.1, a restarted speaker sends nothing until its expected
 *   peers sent End-of-RIB (or a timer).
 * - update-groups.ts / update-group.ts: Loc-RIB changes fan out to groups of peers with one
 *   export signature (export.ts: RFC 4456 reflection, RFC 4271 5.1 eBGP rewrites, RFC 8212
 *   default deny). A group keeps one Adj-RIB-Out (adj-rib-out.ts: state in out-state.ts,
 *   outbound buckets by attribute set) and packs UPDATEs once (wire-encode.ts) for all members;
 *   joiners read a shared table walk and laggards a catch-up queue (replay.ts, pair-queue.ts);
 *   log-entry.ts: a log entry and the prefixes it carries, in typed arrays; group-options.ts:
 *   what a group is given; initial-eor.ts: a member's first End-of-RIB (RFC 4724 2), which
 *   waits for pending decisions, bounded in time so a peer that never stops sending cannot
 *   hold it back for ever.
 * - graceful-restart.ts: RFC 4724 helper mode and RFC 7313 enhanced refresh (stale paths and
 *   their timers); soft-reset.ts: an operator's `refresh in|out`; afi-safi-disable.ts: RFC
 *   7606 5.3 / RFC 4760 7 dropping one broken family of a session.
 * - routes-view.ts: the Loc-RIB as the HTTP API shows it (contract 3), read lazily.
 * - session-config.ts: config neighbors, dynamic ranges and datastore BGPPeers turned into
 *   session settings (PeerSessionConfig) and engine settings (SessionSettings), the same for
 *   every role; peer-queues.ts: changes to one peer address run one after another;
 *   datastore-peers.ts: followDatastorePeers, sessions that follow the datastore's peers
 *   live (both roles; what differs is injected); api-view.ts: the sessions, routes, rejected
 *   paths, soft reset and RIB counts the HTTP API shows, for both roles; daemon-reports.ts:
 *   both roles' HTTP API, /metrics RIB counts and status/<name> record, started and stopped.
 * - local-routes.ts: routes the speaker originates (engine.originate / withdrawLocal: a node
 *   agent's blocks), paths of a `local` pseudo-peer exported as our own (RFC 4271 5.1).
 *   EngineOptions.multipath and onLocRibChanges give a FIB the equal-cost best paths.
 */
export * from './rules';
export * from './export';
export * from './update-group';
export * from './update-groups';
export * from './engine';
export * from './graceful-restart';
export * from './policies';
export * from './adj-rib-out';
export * from './wire-encode';
export * from './pair-queue';
export * from './replay';
export * from './out-state';
export * from './session-config';
export * from './peer-queues';
export * from './datastore-peers';
export * from './api-view';
export * from './daemon-reports';
export * from './soft-reset';
export * from './afi-safi-disable';
export * from './local-routes';
