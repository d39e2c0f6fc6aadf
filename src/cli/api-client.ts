// Fetches from a running daemon's HTTP API (contract 3) with a clear error when it is not there.
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import { parseHostPort, ConfigError } from '../config';

export class CliError extends Error {
  override readonly name = 'CliError';
}

export function apiAddress(opt: string | undefined): { host: string; port: number } {
  const s = opt ?? process.env.VROUTE_API ?? '127.0.0.1:8179';
  try {
    return parseHostPort(s, '--api');
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message);
    throw e;
  }
}

/**
 * The API token for writes (contract 3): --token, else --token-file, else $VROUTE_API_TOKEN,
 * else none. A flag beats the environment; a token file keeps it out of `ps` output.
 */
export function apiToken(opts: { token?: string; tokenFile?: string }): string | undefined {
  if (opts.token !== undefined) return opts.token;
  if (opts.tokenFile !== undefined) {
    try {
      return readFileSync(opts.tokenFile, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new CliError(
        `--token-file: cannot read ${opts.tokenFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      );
    }
  }
  const env = process.env.VROUTE_API_TOKEN;
  return env === undefined || env === '' ? undefined : env;
}

export function apiGet(addr: { host: string; port: number }, path: string, timeoutMs = 5000): Promise<unknown> {
  return apiRequest('GET', addr, path, timeoutMs);
}

export function apiPost(
  addr: { host: string; port: number },
  path: string,
  timeoutMs = 5000,
  token?: string,
): Promise<unknown> {
  return apiRequest('POST', addr, path, timeoutMs, token);
}

function apiRequest(
  method: 'GET' | 'POST',
  addr: { host: string; port: number },
  path: string,
  timeoutMs: number,
  token?: string,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
    const req = http.request({ method, host: addr.host, port: addr.port, path, timeout: timeoutMs, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          return reject(
            new CliError(`the daemon at ${addr.host}:${addr.port} answered ${path} with something that is not JSON`),
          );
        }
        if ((res.statusCode ?? 500) >= 400) {
          const msg = (parsed as { error?: string }).error ?? `HTTP ${res.statusCode}`;
          return reject(new CliError(`${path}: ${msg}`));
        }
        resolve(parsed);
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ECONNREFUSED' ? 'connection refused (is the daemon running with `api:` set?)' : e.message;
      reject(new CliError(`cannot reach the daemon's API at ${addr.host}:${addr.port}: ${why}`));
    });
    req.end();
  });
}
