// The HTTP API of a running daemon (DESIGN.md contract 3): GET /status, /routes, /metrics.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export type SessionStateName = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export interface SessionStatus {
  peer: string;
  asn: number;
  state: SessionStateName;
  uptimeSeconds: number;
  prefixes: { received: number; accepted: number; advertised: number };
  lastError: string | null;
  [extra: string]: unknown;
}

export interface DaemonStatus {
  name: string;
  routerId: string;
  asn: number;
  sessions: SessionStatus[];
  [extra: string]: unknown;
}

export interface RouteEntry {
  prefix: string;
  [extra: string]: unknown;
}

/** What the HTTP API reads from the daemon. */
export interface StatusProvider {
  status(): DaemonStatus;
  /** Throws RangeError for an unknown family or a malformed prefix. */
  routes(family: string, prefix?: string): RouteEntry[];
  registry: Registry;
}

function send(res: http.ServerResponse, code: number, body: string, type = 'application/json'): void {
  res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export interface ApiServer {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

export async function startApiServer(provider: StatusProvider, host: string, port: number): Promise<ApiServer> {
  const server = http.createServer((req, res) => {
    void handle(provider, req, res).catch((err) => {
      send(res, 500, JSON.stringify({ error: String((err as Error).message ?? err) }) + '\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  return {
    port: addr.port,
    host,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function handle(provider: StatusProvider, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET') return send(res, 405, JSON.stringify({ error: 'only GET is supported' }) + '\n');
  switch (url.pathname) {
    case '/status':
      return send(res, 200, JSON.stringify(provider.status()) + '\n');
    case '/routes': {
      const family = url.searchParams.get('family') ?? 'ipv4-unicast';
      const prefix = url.searchParams.get('prefix') ?? undefined;
      try {
        return send(res, 200, JSON.stringify(provider.routes(family, prefix)) + '\n');
      } catch (e) {
        if (e instanceof RangeError) return send(res, 400, JSON.stringify({ error: e.message }) + '\n');
        throw e;
      }
    }
    case '/metrics':
      return send(res, 200, await provider.registry.metrics(), provider.registry.contentType);
    default:
      return send(res, 404, JSON.stringify({ error: `no such endpoint ${url.pathname}; try /status, /routes, /metrics` }) + '\n');
  }
}
