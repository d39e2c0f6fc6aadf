/**
 * src/observability: what a running daemon shows of itself: logs, metrics and the HTTP API.
 * A low layer: it imports nothing of the BGP half, so sessions (src/bgp/fsm), the engine and
 * the roles all log and count through it. Its HTTP types are contract 3's shapes; the roles
 * fill them from the session's own types (Peer.status(): PeerStatus fits SessionStatus).
 *
 * DOC, file by file:
 * - logger.ts: one pino logger per process, on stderr (stdout is for command output);
 *   sessions take child loggers ({peer}) so every line names its peer; silentLogger for tests.
 * - metrics.ts: every prom-client metric vroute exports, declared in one place (FSM
 *   transitions, messages and NOTIFICATIONs by peer, session state, prefixes, Loc-RIB size,
 *   routes too large); the RIB gauges are read from the engine at scrape time.
 *   peer-series.ts: removePeerSeries, so a dynamic neighbor that leaves takes its series along.
 * - rate-limit.ts: LogRateLimiter, the one limiter for log lines driven by peer input (the
 *   Speaker's refused connections, the engine's bad or refused paths): a few lines per key
 *   per window, then a count of what was dropped.
 * - http-api.ts: startApiServer(StatusProvider): GET /status, /routes (streamed by
 *   json-stream.ts with back-pressure, so a 1M-route table never holds the event loop),
 *   /routes?rejected, /metrics, and POST /refresh (RFC 2918 / 7313 soft reset in or out);
 *   write-guard.ts: a write needs the bearer token (when set) and never comes from a browser.
 *
 * Data flow: sessions / engine / daemon -> logger (stderr) and metrics registry; HTTP client
 * (`vroute status|routes|refresh`, Prometheus) -> http-api -> the role's StatusProvider.
 */
export * from './logger';
export * from './metrics';
export * from './http-api';
export * from './peer-series';
export * from './write-guard';
export * from './rate-limit';
