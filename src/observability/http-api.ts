// The HTTP API of a running daemon (DESIGN.md contract 3): GET /status, /routes, /metrics;
// and POST /refresh (an operator's soft reset, like `birdc reload in|out` or FRR's
// `clear bgp X soft in|out`). Writes pass write-guard.ts (bearer token, no browser requests);
// /routes streams (json-stream.ts) so a full table never holds the event loop.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { streamJsonArray } from './json-stream';
import { refuseWrite } from './write-guard';

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

/** A path the daemon received and did not keep (import rules or RFC 7606), and why. */
export interface RejectedEntry {
  prefix: string;
  from: string;
  reason: string;
  pathId?: number;
}

/** A request the daemon refuses: the HTTP status and one line saying why. */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

export interface RefreshRequest {
  peer: string;
  family: string;
  /** in: ask the peer to send its routes again (ROUTE-REFRESH, RFC 2918); out: send ours again. */
  direction: 'in' | 'out';
}

/** What the HTTP API reads from the daemon. */
export interface StatusProvider {
  status(): DaemonStatus;
  /**
   * Throws RangeError for an unknown family or a malformed prefix (before or at the first
   * item). May be a lazy walk of the table: it is read in chunks between event-loop turns.
   */
  routes(family: string, prefix?: string): Iterable<RouteEntry>;
  /** Paths received and not kept, with the reason (a bounded list). Throws RangeError as routes(). */
  rejected?(family: string): Iterable<RejectedEntry>;
  /** Soft reset of one session and family; throws ApiRequestError when it cannot be done. */
  refresh?(r: RefreshRequest): Record<string, unknown>;
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

export interface ApiOptions {
  /** Bearer token every state-changing request must carry (contract 3). */
  readonly token?: string;
}

export async function startApiServer(
  provider: StatusProvider,
  host: string,
  port: number,
  opts: ApiOptions = {},
): Promise<ApiServer> {
  const server = http.createServer((req, res) => {
    void handle(provider, opts, req, res).catch((err) => {
      if (res.headersSent) return void res.destroy(); // mid-stream: the client sees a cut body
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(
  provider: StatusProvider,
  opts: ApiOptions,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/refresh') {
    if (req.method !== 'POST') return send(res, 405, JSON.stringify({ error: '/refresh takes POST' }) + '\n');
    req.resume(); // any body is ignored: the request is in the query string
    const no = refuseWrite(req, opts.token);
    if (no) {
      if (no.status === 401) res.setHeader('www-authenticate', 'Bearer realm="vroute"'); // RFC 6750 3
      return send(res, no.status, JSON.stringify({ error: no.error }) + '\n');
    }
    return refresh(provider, url, res);
  }
  if (req.method !== 'GET')
    return send(res, 405, JSON.stringify({ error: `only GET is supported on ${url.pathname}` }) + '\n');
  switch (url.pathname) {
    case '/status':
      return send(res, 200, JSON.stringify(provider.status()) + '\n');
    case '/routes': {
      const family = url.searchParams.get('family') ?? 'ipv4-unicast';
      const prefix = url.searchParams.get('prefix') ?? undefined;
      const rejected = url.searchParams.get('rejected');
      if (rejected !== null && rejected !== 'true' && rejected !== 'false') {
        return send(res, 400, JSON.stringify({ error: `rejected=${rejected}: expected true or false` }) + '\n');
      }
      let it: Iterator<unknown>;
      let first: IteratorResult<unknown>;
      try {
        // The first item is taken before the status line: a bad family or prefix is a 400.
        if (rejected === 'true') {
          if (!provider.rejected)
            return send(res, 404, JSON.stringify({ error: 'this daemon keeps no rejected paths' }) + '\n');
          it = provider.rejected(family)[Symbol.iterator]();
        } else it = provider.routes(family, prefix)[Symbol.iterator]();
        first = it.next();
      } catch (e) {
        if (e instanceof RangeError) return send(res, 400, JSON.stringify({ error: e.message }) + '\n');
        throw e;
      }
      return streamJsonArray(res, it, first);
    }
    case '/metrics':
      return send(res, 200, await provider.registry.metrics(), provider.registry.contentType);
    default:
      return send(
        res,
        404,
        JSON.stringify({ error: `no such endpoint ${url.pathname}; try /status, /routes, /metrics, POST /refresh` }) +
          '\n',
      );
  }
}

function refresh(provider: StatusProvider, url: URL, res: http.ServerResponse): void {
  const fail = (status: number, error: string) => send(res, status, JSON.stringify({ error }) + '\n');
  if (!provider.refresh) {
    fail(404, 'this daemon has no sessions to refresh');
    return;
  }
  const peer = url.searchParams.get('peer');
  const direction = url.searchParams.get('direction') ?? 'in';
  if (!peer) {
    fail(400, "peer= is required (the session's peer address, as /status lists it)");
    return;
  }
  if (direction !== 'in' && direction !== 'out') {
    fail(400, `direction=${direction}: expected in or out`);
    return;
  }
  try {
    const done = provider.refresh({ peer, family: url.searchParams.get('family') ?? 'ipv4-unicast', direction });
    send(res, 202, JSON.stringify(done) + '\n');
  } catch (e) {
    if (!(e instanceof ApiRequestError)) throw e;
    fail(e.status, e.message);
  }
}
