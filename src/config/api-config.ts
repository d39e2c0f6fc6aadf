// The `api:` field of a daemon config (DESIGN.md contract 3): `host:port`, or
// `{address: host:port, token: SECRET}` / `{address, tokenFile: PATH}`. The token guards every
// request that changes state (POST /refresh); reads stay open. A listener that other hosts
// can reach without a token would let anyone on the network reset sessions, so that is an
// error here, not a warning in the log.
import { readFileSync } from 'node:fs';
import { ipVersion, isLoopback, parseIp, splitHostPort } from '../net';
import { checkKeys, ConfigError, isObj, show } from './fields';

export interface ApiConfig {
  host: string;
  port: number;
  /** Bearer token for state-changing requests; absent: none needed (loopback only). */
  token?: string;
}

/** host:port, [v6]:port */
export function parseHostPort(s: unknown, path: string): { host: string; port: number } {
  if (typeof s !== 'string') throw new ConfigError(path, `${show(s)} is not host:port`);
  const hp = splitHostPort(s);
  if (!hp || hp.port === undefined) throw new ConfigError(path, `${show(s)} is not host:port`);
  const port = Number(hp.port);
  if (port < 1 || port > 65535) throw new ConfigError(path, `port ${hp.port} is out of range`);
  const host = hp.host;
  if (host !== 'localhost' && ipVersion(host) === 0) throw new ConfigError(path, `${show(host)} is not an IP address`);
  return { host, port };
}

/** Only this host can reach it: 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z), localhost. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const a = parseIp(host);
  return a !== undefined && isLoopback(a);
}

// A token travels in an HTTP header: printable ASCII without spaces (RFC 6750 2.1 b64token
// is narrower; we only refuse what could not be sent or would be trimmed away).
function tokenValue(v: unknown, path: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new ConfigError(path, `${show(v)} is not a non-empty string`);
  if (!/^[\x21-\x7e]+$/.test(v))
    throw new ConfigError(path, 'must be printable ASCII without spaces (it is sent as an HTTP header)');
  if (v.length < 16)
    throw new ConfigError(path, `is ${v.length} characters: use at least 16 (e.g. \`openssl rand -hex 16\`)`);
  return v;
}

function readTokenFile(v: unknown, path: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new ConfigError(path, `${show(v)} is not a file path`);
  let text: string;
  try {
    text = readFileSync(v, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(path, `cannot read ${v}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(e))}`);
  }
  // One line, as `openssl rand -hex 16 > FILE` writes it; the newline is not part of it.
  return tokenValue(text.replace(/\r?\n$/, ''), `${path} (${v})`);
}

export function parseApiConfig(v: unknown, path = 'api'): ApiConfig {
  let api: ApiConfig;
  if (typeof v === 'string') api = parseHostPort(v, path);
  else if (isObj(v)) {
    checkKeys(v, path, ['address', 'token', 'tokenFile']);
    if (v.address === undefined) throw new ConfigError(`${path}.address`, 'is required (host:port)');
    api = parseHostPort(v.address, `${path}.address`);
    if (v.token !== undefined && v.tokenFile !== undefined) {
      throw new ConfigError(`${path}.tokenFile`, 'give token or tokenFile, not both');
    }
    if (v.token !== undefined) api.token = tokenValue(v.token, `${path}.token`);
    if (v.tokenFile !== undefined) api.token = readTokenFile(v.tokenFile, `${path}.tokenFile`);
  } else {
    throw new ConfigError(path, `${show(v)} is not host:port or a mapping {address, token | tokenFile}`);
  }
  if (api.token === undefined && !isLoopbackHost(api.host)) {
    throw new ConfigError(
      `${path}.token`,
      `is required when the API listens on ${api.host}, which is not loopback ` +
        '(set api: {address, token | tokenFile}, or bind 127.0.0.1)',
    );
  }
  return api;
}
