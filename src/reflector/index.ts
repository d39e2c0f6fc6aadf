/**
 * src/reflector: RFC 4456 route reflection rules, update groups and the reflector daemon.
 *
 * DOC: rules.ts says who may hear what (RFC 4456 6 client/non-client, RFC 4271 9.2) and
 * what is dropped on receipt (RFC 4456 8 CLUSTER_LIST / ORIGINATOR_ID loops, AS-path loops);
 * receiveFilter() plugs that into a Rib as its import filter. export.ts rewrites attributes
 * per target (reflection: ORIGINATOR_ID, CLUSTER_LIST, next hop unchanged; eBGP: AS
 * prepended, next hop self, no LOCAL_PREF). update-group.ts groups peers by export
 * signature: one Adj-RIB-Out computation and one set of encoded UPDATE Buffers per group,
 * pulled by each session as its socket drains (withdrawals first, bounded work per pull),
 * a slow member falling back to catch-up instead of growing the group's log.
 */
export * from './rules';
export * from './export';
export * from './update-group';
export * from './update-groups';
export * from './engine';
export * from './graceful-restart';
export * from './daemon';
export * from './policies';
