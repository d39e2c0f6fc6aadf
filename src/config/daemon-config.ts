// The daemon configuration file (DESIGN.md contract 2): YAML or JSON, validated field by
// field so that a bad file fails with one line naming the field and what was wrong.
import * as os from 'node:os';
import { asnField, checkKeys, ConfigError, intField, ipField, isObj, show } from './fields';

import { parseIp } from '../net';
import { parseApiConfig, type ApiConfig } from './api-config';
import { datastoreField, logLevelField, nameField, readConfigDocument, type LogLevel } from './daemon-fields';
import { validatePolicies, validatePrefixLists, type PoliciesConfig, type PrefixListsConfig } from './policy-config';
import {
  validateDynamicNeighbors,
  validateNeighbors,
  type DynamicNeighborConfig,
  type NeighborConfig,
} from './neighbor-config';

export { ConfigError } from './fields';
export { parseHostPort, isLoopbackHost, parseApiConfig, type ApiConfig } from './api-config';

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
  if (doc.neighbors !== undefined) cfg.neighbors = validateNeighbors(doc.neighbors, cfg.policies);
  if (doc.dynamicNeighbors !== undefined)
    cfg.dynamicNeighbors = validateDynamicNeighbors(doc.dynamicNeighbors, cfg.policies);
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
