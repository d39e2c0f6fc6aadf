/**
 * src/observability: the pino logger, the prom-client registry and the HTTP status API.
 */
export {};
