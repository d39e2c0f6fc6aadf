/**
 * src/observability: the pino logger, the prom-client registry (every metric declared in
 * metrics.ts) and the HTTP status API of contract 3 (/status, /routes, /metrics).
 */
export * from './logger';
export * from './metrics';
export * from './http-api';
export * from './peer-series';
export * from './write-guard';
export * from './rate-limit';
