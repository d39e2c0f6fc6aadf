/**
 * src/config: the daemon configuration file (DESIGN.md contract 2), YAML or JSON, checked field
 * by field: a bad file fails with one ConfigError naming the field (`neighbors[2].holdTime`)
 * and what was wrong, and a setting that cannot be honoured is an error, never ignored. Plain
 * validated data only: no sockets, no BGP types. src/routing turns it into session and engine
 * settings (session-config.ts, policies.ts), so this folder imports nothing above src/net.
 *
 * DOC, file by file:
 * - daemon-config.ts: loadConfigFile / validateConfig -> DaemonConfig: name, routerId, asn,
 *   listen, reflector (RFC 4456 cluster ID, advertiseAddress), neighbors, dynamicNeighbors,
 *   gracefulRestart (RFC 4724 stale time), datastore, log.
 * - neighbor-config.ts: neighbors (NeighborConfig: transport with RFC 2385 password and
 *   RFC 5082 ttlSecurity, RFC 4271 timers, families, RFC 7911 addPath / addPathSend, RFC 4486
 *   maxPrefixes, RFC 9687 sendHoldTime, policies) and dynamicNeighbors (DynamicNeighborConfig:
 *   ranges, maxPeers, the same session fields).
 * - policy-config.ts: named prefix lists and policies (match, set, accept/reject) that
 *   neighbors refer to by name; dangling names are errors here.
 * - api-config.ts: `api:` (contract 3): address and bearer token (token or tokenFile); a
 *   non-loopback address without a token is refused.
 * - node-config.ts: loadNodeConfig / validateNodeConfig -> NodeConfig (contract 6): name, ip,
 *   ip6, asn, port, fib, dataplane, ebgp policies; flags merged over the file.
 * - fields.ts: the field checkers (ConfigError, integers in range, ASNs, addresses, prefixes)
 *   every validator above uses; daemon-fields.ts: what both daemons' files have alike
 *   (name, datastore URL, log level, reading the file).
 *
 * Data flow: file text -> YAML/JSON parse -> validate (defaults filled in) -> DaemonConfig ->
 * src/cli (reflector, node) -> src/routing session builders and the role's daemon.
 */
export * from './daemon-config';
export * from './neighbor-config';
export * from './policy-config';
export * from './node-config';
