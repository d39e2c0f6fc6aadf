// The daemon configuration file (DESIGN.md contract 2): YAML or JSON, validated field by
// field so that a bad file fails with one line naming the field and what was wrong.
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { parse as parseYaml } from 'yaml';
import { Address4, Address6 } from 'ip-address';

export type FamilyName = 'ipv4-unicast' | 'ipv6-unicast';
const FAMILY_NAMES: readonly FamilyName[] = ['ipv4-unicast', 'ipv6-unicast'];

export interface NeighborConfig {
  address: string;
  asn: number;
  port: number;
  localAddress?: string;
  routeReflectorClient: boolean;
  passive: boolean;
  holdTime: number;
  keepaliveTime?: number;
  connectRetryTime: number;
  families: FamilyName[];
  description?: string;
  maxPrefixes?: number;
  /** RFC 7911: 'receive' | 'send' | 'both' */
  addPath?: 'receive' | 'send' | 'both';
}

export interface DynamicNeighborConfig {
  prefix: string;
  asn: number;
  routeReflectorClient: boolean;
  holdTime: number;
  families: FamilyName[];
}

export interface DaemonConfig {
  name: string;
  routerId: string;
  asn: number;
  listen?: { address: string; port: number };
  reflector?: { clusterId: string };
  neighbors: NeighborConfig[];
  dynamicNeighbors: DynamicNeighborConfig[];
  datastore: string;
  api?: { host: string; port: number };
  log: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** A configuration problem: `field` is a path such as `neighbors[2].holdTime`. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly field: string, readonly problem: string) {
    super(field ? `${field}: ${problem}` : problem);
  }
}

type Obj = Record<string, unknown>;

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(o: Obj, path: string, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      const where = path ? `${path}.${k}` : k;
      throw new ConfigError(where, `unknown field (expected one of: ${allowed.join(', ')})`);
    }
  }
}

export function isIpv4(s: string): boolean {
  return Address4.isValid(s) && !s.includes('/');
}
export function isIpv6(s: string): boolean {
  return Address6.isValid(s) && !s.includes('/') && !s.includes('%');
}
function isIp(s: string): boolean {
  return isIpv4(s) || isIpv6(s);
}

function ipField(v: unknown, path: string, opts: { v4only?: boolean } = {}): string {
  if (typeof v !== 'string' || !(opts.v4only ? isIpv4(v) : isIp(v))) {
    throw new ConfigError(path, `${show(v)} is not an ${opts.v4only ? 'IPv4' : 'IP'} address`);
  }
  return v;
}

function intField(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(path, `${show(v)} is not a whole number from ${min} to ${max}`);
  }
  return v;
}

function boolField(v: unknown, path: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new ConfigError(path, `${show(v)} is not true or false`);
  return v;
}

function asnField(v: unknown, path: string): number {
  return intField(v, path, 1, 4294967295);
}

function holdTimeField(v: unknown, path: string): number {
  if (v === undefined) return 90;
  const h = intField(v, path, 0, 65535);
  // RFC 4271 4.2: the hold time is zero or at least three seconds.
  if (h === 1 || h === 2) throw new ConfigError(path, `${h} is not allowed: a hold time is 0 or at least 3 seconds (RFC 4271 4.2)`);
  return h;
}

function familiesField(v: unknown, path: string): FamilyName[] {
  if (v === undefined) return ['ipv4-unicast'];
  if (!Array.isArray(v) || v.length === 0) throw new ConfigError(path, `${show(v)} is not a non-empty list of families`);
  return v.map((f, i) => {
    if (!FAMILY_NAMES.includes(f as FamilyName)) {
      throw new ConfigError(`${path}[${i}]`, `${show(f)} is not a family (expected ${FAMILY_NAMES.join(' or ')})`);
    }
    return f as FamilyName;
  });
}

/** host:port, [v6]:port */
export function parseHostPort(s: unknown, path: string): { host: string; port: number } {
  if (typeof s !== 'string') throw new ConfigError(path, `${show(s)} is not host:port`);
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  if (!m) throw new ConfigError(path, `${show(s)} is not host:port`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new ConfigError(path, `port ${m[2]} is out of range`);
  const host = m[1]!;
  if (host !== 'localhost' && !isIp(host)) throw new ConfigError(path, `${show(host)} is not an IP address`);
  return { host, port };
}

function parsePrefix(v: unknown, path: string): string {
  if (typeof v !== 'string' || !v.includes('/')) throw new ConfigError(path, `${show(v)} is not a prefix like 10.0.0.0/16`);
  const [addr, len] = v.split('/') as [string, string];
  const max = isIpv4(addr) ? 32 : isIpv6(addr) ? 128 : -1;
  if (max < 0 || !/^\d+$/.test(len) || Number(len) > max) throw new ConfigError(path, `${show(v)} is not a prefix like 10.0.0.0/16`);
  return v;
}

const NEIGHBOR_KEYS = ['address', 'asn', 'port', 'localAddress', 'routeReflectorClient', 'passive', 'holdTime',
  'keepaliveTime', 'connectRetryTime', 'families', 'description', 'maxPrefixes', 'addPath'] as const;

function neighbor(v: unknown, path: string): NeighborConfig {
  if (!isObj(v)) throw new ConfigError(path, `${show(v)} is not a mapping`);
  checkKeys(v, path, NEIGHBOR_KEYS);
  if (v.address === undefined) throw new ConfigError(`${path}.address`, 'is required');
  if (v.asn === undefined) throw new ConfigError(`${path}.asn`, 'is required');
  const n: NeighborConfig = {
    address: ipField(v.address, `${path}.address`),
    asn: asnField(v.asn, `${path}.asn`),
    port: v.port === undefined ? 179 : intField(v.port, `${path}.port`, 1, 65535),
    routeReflectorClient: boolField(v.routeReflectorClient, `${path}.routeReflectorClient`, false),
    passive: boolField(v.passive, `${path}.passive`, false),
    holdTime: holdTimeField(v.holdTime, `${path}.holdTime`),
    connectRetryTime: v.connectRetryTime === undefined ? 30 : intField(v.connectRetryTime, `${path}.connectRetryTime`, 1, 65535),
    families: familiesField(v.families, `${path}.families`),
  };
  if (v.localAddress !== undefined) n.localAddress = ipField(v.localAddress, `${path}.localAddress`);
  if (v.keepaliveTime !== undefined) n.keepaliveTime = intField(v.keepaliveTime, `${path}.keepaliveTime`, 0, 21845);
  if (v.description !== undefined) {
    if (typeof v.description !== 'string') throw new ConfigError(`${path}.description`, 'is not a string');
    n.description = v.description;
  }
  if (v.maxPrefixes !== undefined) n.maxPrefixes = intField(v.maxPrefixes, `${path}.maxPrefixes`, 1, 2 ** 31);
  if (v.addPath !== undefined) {
    if (v.addPath !== 'receive' && v.addPath !== 'send' && v.addPath !== 'both') {
      throw new ConfigError(`${path}.addPath`, `${show(v.addPath)} is not receive, send or both`);
    }
    n.addPath = v.addPath;
  }
  return n;
}

function dynamicNeighbor(v: unknown, path: string): DynamicNeighborConfig {
  if (!isObj(v)) throw new ConfigError(path, `${show(v)} is not a mapping`);
  checkKeys(v, path, ['prefix', 'asn', 'routeReflectorClient', 'holdTime', 'families']);
  if (v.prefix === undefined) throw new ConfigError(`${path}.prefix`, 'is required');
  if (v.asn === undefined) throw new ConfigError(`${path}.asn`, 'is required');
  return {
    prefix: parsePrefix(v.prefix, `${path}.prefix`),
    asn: asnField(v.asn, `${path}.asn`),
    routeReflectorClient: boolField(v.routeReflectorClient, `${path}.routeReflectorClient`, false),
    holdTime: holdTimeField(v.holdTime, `${path}.holdTime`),
    families: familiesField(v.families, `${path}.families`),
  };
}

const TOP_KEYS = ['name', 'routerId', 'asn', 'listen', 'reflector', 'neighbors', 'dynamicNeighbors',
  'datastore', 'api', 'log'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Validates a parsed document; throws ConfigError naming the first bad field. */
export function validateConfig(doc: unknown): DaemonConfig {
  if (!isObj(doc)) throw new ConfigError('', 'the config is not a mapping of fields');
  checkKeys(doc, '', TOP_KEYS);
  if (doc.routerId === undefined) throw new ConfigError('routerId', 'is required');
  if (doc.asn === undefined) throw new ConfigError('asn', 'is required');
  const routerId = ipField(doc.routerId, 'routerId', { v4only: true });
  // RFC 4271 6.2: a BGP identifier of 0.0.0.0 is never valid.
  if (routerId === '0.0.0.0') throw new ConfigError('routerId', '0.0.0.0 is not a valid BGP identifier');
  const cfg: DaemonConfig = {
    name: doc.name === undefined ? os.hostname() : nameField(doc.name),
    routerId,
    asn: asnField(doc.asn, 'asn'),
    neighbors: [],
    dynamicNeighbors: [],
    datastore: 'embedded',
    log: 'info',
  };
  if (doc.listen !== undefined) {
    if (!isObj(doc.listen)) throw new ConfigError('listen', `${show(doc.listen)} is not a mapping {address, port}`);
    checkKeys(doc.listen, 'listen', ['address', 'port']);
    cfg.listen = {
      address: doc.listen.address === undefined ? '0.0.0.0' : ipField(doc.listen.address, 'listen.address'),
      port: doc.listen.port === undefined ? 179 : intField(doc.listen.port, 'listen.port', 0, 65535),
    };
  }
  if (doc.reflector !== undefined) {
    if (!isObj(doc.reflector)) throw new ConfigError('reflector', `${show(doc.reflector)} is not a mapping {clusterId}`);
    checkKeys(doc.reflector, 'reflector', ['clusterId']);
    cfg.reflector = { clusterId: doc.reflector.clusterId === undefined ? routerId : ipField(doc.reflector.clusterId, 'reflector.clusterId', { v4only: true }) };
  }
  if (doc.neighbors !== undefined) {
    if (!Array.isArray(doc.neighbors)) throw new ConfigError('neighbors', 'is not a list');
    cfg.neighbors = doc.neighbors.map((n, i) => neighbor(n, `neighbors[${i}]`));
    const seen = new Map<string, number>();
    cfg.neighbors.forEach((n, i) => {
      const prev = seen.get(n.address);
      if (prev !== undefined) throw new ConfigError(`neighbors[${i}].address`, `${n.address} is already neighbors[${prev}]`);
      seen.set(n.address, i);
    });
  }
  if (doc.dynamicNeighbors !== undefined) {
    if (!Array.isArray(doc.dynamicNeighbors)) throw new ConfigError('dynamicNeighbors', 'is not a list');
    cfg.dynamicNeighbors = doc.dynamicNeighbors.map((n, i) => dynamicNeighbor(n, `dynamicNeighbors[${i}]`));
  }
  if (doc.datastore !== undefined) {
    if (typeof doc.datastore !== 'string' || !/^(embedded(:.+)?|etcds?:\/\/.+)$/.test(doc.datastore)) {
      throw new ConfigError('datastore', `${show(doc.datastore)} is not embedded, embedded:PATH or etcd://host:port[,host:port]`);
    }
    cfg.datastore = doc.datastore;
  }
  if (doc.api !== undefined) cfg.api = parseHostPort(doc.api, 'api');
  if (doc.log !== undefined) {
    if (!LOG_LEVELS.includes(doc.log as (typeof LOG_LEVELS)[number])) {
      throw new ConfigError('log', `${show(doc.log)} is not a log level (${LOG_LEVELS.join(', ')})`);
    }
    cfg.log = doc.log as DaemonConfig['log'];
  }
  return cfg;
}

function nameField(v: unknown): string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/.test(v)) {
    throw new ConfigError('name', `${show(v)} is not a name (letters, digits, '.', '_', '-')`);
  }
  return v;
}

/** Reads and validates a config file (YAML is a superset of JSON, so one parser serves both). */
export function loadConfigFile(file: string): DaemonConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError('', `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code ?? String(e)}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: false });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    throw new ConfigError('', `${file} is not valid YAML or JSON: ${msg}`);
  }
  try {
    return validateConfig(doc);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(e.field, `${e.problem} (in ${file})`);
    throw e;
  }
}
