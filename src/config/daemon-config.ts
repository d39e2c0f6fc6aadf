// The daemon configuration file (DESIGN.md contract 2): YAML or JSON, validated field by
// field so that a bad file fails with one line naming the field and what was wrong.
import * as os from 'node:os';
import { boolField, checkKeys, ConfigError, intField, ipField, isObj, parsePrefix, show, type Obj } from './fields';

import { parseIp } from '../net';
import { parseApiConfig, type ApiConfig } from './api-config';
import { datastoreField, logLevelField, nameField, readConfigDocument, type LogLevel } from './daemon-fields';
import {
  policyRef,
  validatePolicies,
  validatePrefixLists,
  type PoliciesConfig,
  type PrefixListsConfig,
} from './policy-config';

export { ConfigError } from './fields';
export { parseHostPort, isLoopbackHost, parseApiConfig, type ApiConfig } from './api-config';

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
  /** RFC 7911: the ADD-PATH capability we advertise: 'receive' | 'send' | 'both' */
  addPath?: 'receive' | 'send' | 'both';
  /** Paths per prefix sent where ADD-PATH send was negotiated: 'all' or the best N (default 'all'). */
  addPathSend?: AddPathSendConfig;
  /** Names under `policies`: applied to routes from this peer / to routes sent to it. */
  importPolicy?: string;
  exportPolicy?: string;
  /** RFC 2385 TCP-MD5 key (at most 80 octets). */
  password?: string;
  /** RFC 5082 GTSM: the peer is at most this many hops away (we send TTL 255, accept >= 256-N). */
  ttlSecurity?: number;
  /** RFC 9687 send hold time, seconds; default max(8 minutes, 2 x the negotiated hold time). */
  sendHoldTime?: number;
}

export type AddPathSendConfig = 'all' | number;

export interface DynamicNeighborConfig {
  prefix: string;
  asn: number;
  /** Sessions from this range at once; more are refused (Cease / Connection Rejected). Default 100. */
  maxPeers?: number;
  routeReflectorClient: boolean;
  holdTime: number;
  families: FamilyName[];
  maxPrefixes?: number;
  addPath?: 'receive' | 'send' | 'both';
  addPathSend?: AddPathSendConfig;
  importPolicy?: string;
  exportPolicy?: string;
  /** RFC 2385 key for the whole range (TCP_MD5SIG_EXT with the prefix on the listener). */
  password?: string;
  ttlSecurity?: number;
  sendHoldTime?: number;
}

export interface DaemonConfig {
  name: string;
  routerId: string;
  asn: number;
  listen?: { address: string; port: number };
  /**
   * `advertiseAddress`: the address registered in the datastore for others to peer with
   * (default: routerId); `advertiseAddress6`: an IPv6 address registered beside it (default:
   * listen.address when that is a specific IPv6 address). src/reflector/addresses.ts.
   */
  reflector?: { clusterId: string; advertiseAddress?: string; advertiseAddress6?: string };
  /** RFC 4724 helper: how long stale paths may wait for End-of-RIB once the peer is back (and
   *  RFC 7313 4.2: for a missing EoRR). Seconds. */
  gracefulRestart: { staleTime: number };
  neighbors: NeighborConfig[];
  dynamicNeighbors: DynamicNeighborConfig[];
  datastore: string;
  /** HTTP API (contract 3): where it listens and the bearer token for writes. */
  api?: ApiConfig;
  log: LogLevel;
  /** Named prefix lists and policies (policy-config.ts); empty when not configured. */
  prefixLists: PrefixListsConfig;
  policies: PoliciesConfig;
}

function asnField(v: unknown, path: string): number {
  return intField(v, path, 1, 4294967295);
}

function holdTimeField(v: unknown, path: string): number {
  if (v === undefined) return 90;
  const h = intField(v, path, 0, 65535);
  // RFC 4271 4.2: the hold time is zero or at least three seconds.
  if (h === 1 || h === 2)
    throw new ConfigError(path, `${h} is not allowed: a hold time is 0 or at least 3 seconds (RFC 4271 4.2)`);
  return h;
}

/**
 * Why a KeepaliveTime cannot be honoured with this hold time, or undefined when it can.
 * RFC 4271 4.4: KEEPALIVEs are sent only when the negotiated hold time is not 0, often
 * enough not to let it expire (10: one third of it is suggested).
 */
export function keepaliveProblem(keepalive: number, hold: number): string | undefined {
  if (keepalive === 0 && hold > 0)
    return `0 (no KEEPALIVEs) needs holdTime 0: a peer holding us to ${hold} s would drop the session (RFC 4271 4.4)`;
  if (keepalive > 0 && hold === 0)
    return `${keepalive} cannot be honoured with holdTime 0: no KEEPALIVEs are sent then (RFC 4271 4.4); use 0 or leave it out`;
  if (keepalive > 0 && keepalive >= hold) return `${keepalive} must be less than holdTime ${hold}`;
  return undefined;
}

function familiesField(v: unknown, path: string): FamilyName[] {
  if (v === undefined) return ['ipv4-unicast'];
  if (!Array.isArray(v) || v.length === 0)
    throw new ConfigError(path, `${show(v)} is not a non-empty list of families`);
  return v.map((f, i) => {
    if (!FAMILY_NAMES.includes(f as FamilyName)) {
      throw new ConfigError(`${path}[${i}]`, `${show(f)} is not a family (expected ${FAMILY_NAMES.join(' or ')})`);
    }
    return f as FamilyName;
  });
}

const NEIGHBOR_KEYS = [
  'address',
  'asn',
  'port',
  'localAddress',
  'routeReflectorClient',
  'passive',
  'holdTime',
  'keepaliveTime',
  'connectRetryTime',
  'families',
  'description',
  'maxPrefixes',
  'addPath',
  'addPathSend',
  'importPolicy',
  'exportPolicy',
  'password',
  'ttlSecurity',
  'sendHoldTime',
] as const;

/** The fields neighbors and dynamic neighbors share: max-prefix, ADD-PATH, policies. */
type SessionExtras = Pick<
  NeighborConfig,
  | 'maxPrefixes'
  | 'addPath'
  | 'addPathSend'
  | 'importPolicy'
  | 'exportPolicy'
  | 'password'
  | 'ttlSecurity'
  | 'sendHoldTime'
>;

/** Linux TCP_MD5SIG_MAXKEYLEN: an RFC 2385 key is at most 80 octets. */
const MD5_MAX_KEY_LEN = 80;

function passwordField(v: unknown, path: string): string {
  if (typeof v !== 'string' || v === '')
    throw new ConfigError(path, `${show(v)} is not a non-empty string (the TCP-MD5 key, RFC 2385)`);
  const n = Buffer.byteLength(v, 'utf8');
  if (n > MD5_MAX_KEY_LEN)
    throw new ConfigError(
      path,
      `is ${n} octets; a TCP-MD5 key is at most ${MD5_MAX_KEY_LEN} (Linux TCP_MD5SIG_MAXKEYLEN)`,
    );
  return v;
}

function ttlSecurityField(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 254) {
    throw new ConfigError(
      path,
      `${show(v)} is not a hop count from 1 to 254 (RFC 5082 GTSM: we accept TTL >= 256 - N)`,
    );
  }
  return v;
}

function addPathSendField(v: unknown, path: string): AddPathSendConfig {
  if (v === 'all') return 'all';
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 255) return v;
  throw new ConfigError(path, `${show(v)} is not all or a number of paths from 1 to 255`);
}

function sessionExtras(v: Obj, path: string, policies: PoliciesConfig): SessionExtras {
  const n: SessionExtras = {};
  if (v.maxPrefixes !== undefined) n.maxPrefixes = intField(v.maxPrefixes, `${path}.maxPrefixes`, 1, 2 ** 31);
  if (v.addPath !== undefined) {
    if (v.addPath !== 'receive' && v.addPath !== 'send' && v.addPath !== 'both') {
      throw new ConfigError(`${path}.addPath`, `${show(v.addPath)} is not receive, send or both`);
    }
    n.addPath = v.addPath;
  }
  if (v.addPathSend !== undefined) {
    // RFC 7911 4: several paths go only where we advertised (and the peer accepted) Send.
    if (n.addPath !== 'send' && n.addPath !== 'both') {
      throw new ConfigError(
        `${path}.addPathSend`,
        'needs addPath: send or both (RFC 7911: several paths only where the capability allows)',
      );
    }
    n.addPathSend = addPathSendField(v.addPathSend, `${path}.addPathSend`);
  }
  if (v.importPolicy !== undefined) n.importPolicy = policyRef(v.importPolicy, `${path}.importPolicy`, policies);
  if (v.exportPolicy !== undefined) n.exportPolicy = policyRef(v.exportPolicy, `${path}.exportPolicy`, policies);
  if (v.password !== undefined) n.password = passwordField(v.password, `${path}.password`);
  if (v.ttlSecurity !== undefined) n.ttlSecurity = ttlSecurityField(v.ttlSecurity, `${path}.ttlSecurity`);
  if (v.sendHoldTime !== undefined) n.sendHoldTime = intField(v.sendHoldTime, `${path}.sendHoldTime`, 1, 131070);
  return n;
}

function neighbor(v: unknown, path: string, policies: PoliciesConfig): NeighborConfig {
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
    connectRetryTime:
      v.connectRetryTime === undefined ? 30 : intField(v.connectRetryTime, `${path}.connectRetryTime`, 1, 65535),
    families: familiesField(v.families, `${path}.families`),
  };
  if (v.localAddress !== undefined) n.localAddress = ipField(v.localAddress, `${path}.localAddress`);
  if (v.keepaliveTime !== undefined) {
    n.keepaliveTime = intField(v.keepaliveTime, `${path}.keepaliveTime`, 0, 21845);
    // keepaliveTime 0 (no KEEPALIVEs) means offering hold time 0 (RFC 4271 4.4).
    if (n.keepaliveTime === 0 && v.holdTime === undefined) n.holdTime = 0;
    const why = keepaliveProblem(n.keepaliveTime, n.holdTime);
    if (why) throw new ConfigError(`${path}.keepaliveTime`, why);
  }
  if (v.description !== undefined) {
    if (typeof v.description !== 'string') throw new ConfigError(`${path}.description`, 'is not a string');
    n.description = v.description;
  }
  return { ...n, ...sessionExtras(v, path, policies) };
}

function dynamicNeighbor(v: unknown, path: string, policies: PoliciesConfig): DynamicNeighborConfig {
  if (!isObj(v)) throw new ConfigError(path, `${show(v)} is not a mapping`);
  checkKeys(v, path, [
    'prefix',
    'asn',
    'routeReflectorClient',
    'holdTime',
    'families',
    'maxPrefixes',
    'addPath',
    'addPathSend',
    'importPolicy',
    'exportPolicy',
    'password',
    'ttlSecurity',
    'maxPeers',
    'sendHoldTime',
  ]);
  if (v.prefix === undefined) throw new ConfigError(`${path}.prefix`, 'is required');
  if (v.asn === undefined) throw new ConfigError(`${path}.asn`, 'is required');
  return {
    prefix: parsePrefix(v.prefix, `${path}.prefix`),
    asn: asnField(v.asn, `${path}.asn`),
    routeReflectorClient: boolField(v.routeReflectorClient, `${path}.routeReflectorClient`, false),
    holdTime: holdTimeField(v.holdTime, `${path}.holdTime`),
    families: familiesField(v.families, `${path}.families`),
    maxPeers: v.maxPeers === undefined ? DYNAMIC_MAX_PEERS : intField(v.maxPeers, `${path}.maxPeers`, 1, 65535),
    // Unknown peers from a range get a prefix limit unless one is set: a node leaking a full
    // table into the reflector is stopped (RFC 4486) instead of reflected to every client.
    maxPrefixes: DYNAMIC_MAX_PREFIXES,
    ...sessionExtras(v, path, policies),
  };
}

/** Defaults of a dynamicNeighbors[] range (README): FRR's `bgp listen limit`, and a prefix cap per family. */
export const DYNAMIC_MAX_PEERS = 100;
export const DYNAMIC_MAX_PREFIXES = 100_000;

const TOP_KEYS = [
  'name',
  'routerId',
  'asn',
  'listen',
  'reflector',
  'neighbors',
  'dynamicNeighbors',
  'datastore',
  'api',
  'log',
  'prefixLists',
  'policies',
  'gracefulRestart',
] as const;

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
    prefixLists: {},
    policies: {},
    gracefulRestart: { staleTime: 360 },
  };
  // Policies first: neighbors refer to them by name.
  cfg.prefixLists = validatePrefixLists(doc.prefixLists);
  cfg.policies = validatePolicies(doc.policies, cfg.prefixLists);
  if (doc.listen !== undefined) {
    if (!isObj(doc.listen)) throw new ConfigError('listen', `${show(doc.listen)} is not a mapping {address, port}`);
    checkKeys(doc.listen, 'listen', ['address', 'port']);
    cfg.listen = {
      address: doc.listen.address === undefined ? '0.0.0.0' : ipField(doc.listen.address, 'listen.address'),
      port: doc.listen.port === undefined ? 179 : intField(doc.listen.port, 'listen.port', 0, 65535),
    };
  }
  if (doc.reflector !== undefined) {
    if (!isObj(doc.reflector))
      throw new ConfigError('reflector', `${show(doc.reflector)} is not a mapping {clusterId}`);
    checkKeys(doc.reflector, 'reflector', ['clusterId', 'advertiseAddress', 'advertiseAddress6']);
    cfg.reflector = {
      clusterId:
        doc.reflector.clusterId === undefined
          ? routerId
          : ipField(doc.reflector.clusterId, 'reflector.clusterId', { v4only: true }),
    };
    if (doc.reflector.advertiseAddress !== undefined) {
      const a = ipField(doc.reflector.advertiseAddress, 'reflector.advertiseAddress');
      // Other speakers connect to what is registered: a wildcard is nobody's address.
      if (parseIp(a)!.every((b) => b === 0))
        throw new ConfigError('reflector.advertiseAddress', `${a} is not an address others can reach`);
      cfg.reflector.advertiseAddress = a;
    }
    if (doc.reflector.advertiseAddress6 !== undefined) {
      const path = 'reflector.advertiseAddress6';
      const a = ipField(doc.reflector.advertiseAddress6, path);
      if (!a.includes(':')) throw new ConfigError(path, `${a} is not an IPv6 address`);
      if (parseIp(a)!.every((b) => b === 0)) throw new ConfigError(path, `${a} is not an address others can reach`);
      // Link-local addresses need an interface to go with them: not a peering address for others.
      if (/^fe[89ab]/i.test(a)) throw new ConfigError(path, `${a} is link-local: not an address others can peer with`);
      if (cfg.reflector.advertiseAddress?.includes(':')) {
        throw new ConfigError(
          path,
          `advertiseAddress ${cfg.reflector.advertiseAddress} is IPv6 already: one IPv6 address is registered`,
        );
      }
      cfg.reflector.advertiseAddress6 = a;
    }
  }
  if (doc.gracefulRestart !== undefined) {
    const gr = doc.gracefulRestart;
    if (!isObj(gr)) throw new ConfigError('gracefulRestart', `${show(gr)} is not a mapping {staleTime}`);
    checkKeys(gr, 'gracefulRestart', ['staleTime']);
    if (gr.staleTime !== undefined)
      cfg.gracefulRestart.staleTime = intField(gr.staleTime, 'gracefulRestart.staleTime', 1, 3600);
  }
  if (doc.neighbors !== undefined) {
    if (!Array.isArray(doc.neighbors)) throw new ConfigError('neighbors', 'is not a list');
    cfg.neighbors = doc.neighbors.map((n, i) => neighbor(n, `neighbors[${i}]`, cfg.policies));
    const seen = new Map<string, number>();
    cfg.neighbors.forEach((n, i) => {
      const prev = seen.get(n.address);
      if (prev !== undefined)
        throw new ConfigError(`neighbors[${i}].address`, `${n.address} is already neighbors[${prev}]`);
      seen.set(n.address, i);
    });
  }
  if (doc.dynamicNeighbors !== undefined) {
    if (!Array.isArray(doc.dynamicNeighbors)) throw new ConfigError('dynamicNeighbors', 'is not a list');
    cfg.dynamicNeighbors = doc.dynamicNeighbors.map((n, i) =>
      dynamicNeighbor(n, `dynamicNeighbors[${i}]`, cfg.policies),
    );
  }
  if (doc.datastore !== undefined) cfg.datastore = datastoreField(doc.datastore);
  if (doc.api !== undefined) cfg.api = parseApiConfig(doc.api, 'api');
  if (doc.log !== undefined) cfg.log = logLevelField(doc.log);
  return cfg;
}

/** Reads and validates a config file (YAML is a superset of JSON, so one parser serves both). */
export function loadConfigFile(file: string): DaemonConfig {
  const doc = readConfigDocument(file);
  try {
    return validateConfig(doc);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(e.field, `${e.problem} (in ${file})`);
    throw e;
  }
}
