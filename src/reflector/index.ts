/**
 * src/reflector: the reflector role, `vroute reflector` (RFC 4456 route reflection).
 *
 * DOC: daemon.ts (startReflector) joins the parts: the config file's neighbors and dynamic
 * ranges plus the datastore's BGPPeers (PeerSource) become sessions of one Speaker, built
 * by src/routing's session builders and attached to one RoutingEngine with reflection on
 * (cluster ID); it serves the HTTP API and metrics (src/observability), registers itself in
 * the datastore under a lease when `reflector:` is configured (keepRegistered), and stops
 * cleanly on SIGTERM/SIGINT. The reflection rules, update groups and the rest of the engine
 * live in src/routing, shared with the node agent. addresses.ts: what it registers (an IPv4
 * and, when it has one, an IPv6 address, so dual-stack nodes peer over both).
 */
export * from './daemon';
export { registeredAddresses } from './addresses';
