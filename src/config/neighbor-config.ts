// Neighbors and dynamic-neighbor ranges of the daemon configuration (DESIGN.md contract 2):
// transport (RFC 2385 TCP-MD5, RFC 5082 GTSM), RFC 4271 timers, families, RFC 7911 ADD-PATH,
// RFC 4486 max-prefix, RFC 9687 send hold time and policy names. Apart from daemon-config.ts
// because the two share most fields and all of their checks, and nothing else uses them.
import {
  asnField,
  boolField,
  checkKeys,
  ConfigError,
  intField,
  ipField,
  isObj,
  parsePrefix,
  show,
  type Obj,
} from './fields';
import { policyRef, type PoliciesConfig } from './policy-config';

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

/** `neighbors:` — a list of NeighborConfig; an address may appear once. */
export function validateNeighbors(v: unknown, policies: PoliciesConfig): NeighborConfig[] {
  if (!Array.isArray(v)) throw new ConfigError('neighbors', 'is not a list');
  const out = v.map((n, i) => neighbor(n, `neighbors[${i}]`, policies));
  const seen = new Map<string, number>();
  out.forEach((n, i) => {
    const prev = seen.get(n.address);
    if (prev !== undefined)
      throw new ConfigError(`neighbors[${i}].address`, `${n.address} is already neighbors[${prev}]`);
    seen.set(n.address, i);
  });
  return out;
}

/** `dynamicNeighbors:` — a list of ranges (DynamicNeighborConfig). */
export function validateDynamicNeighbors(v: unknown, policies: PoliciesConfig): DynamicNeighborConfig[] {
  if (!Array.isArray(v)) throw new ConfigError('dynamicNeighbors', 'is not a list');
  return v.map((n, i) => dynamicNeighbor(n, `dynamicNeighbors[${i}]`, policies));
}
