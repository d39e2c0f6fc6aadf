// The node agent's configuration (DESIGN.md contract 6): `vroute node --name N --ip A ...` or
// `--config FILE` with the same keys. Flags and file meet in one document and one validator,
// so a bad value fails with one line naming the field whichever way it came.
import * as os from 'node:os';
import { checkKeys, ConfigError, intField, ipField, isObj, show } from './fields';
import { parseApiConfig, type ApiConfig } from './api-config';
import { datastoreField, logLevelField, nameField, readConfigDocument, type LogLevel } from './daemon-fields';
import {
  policyRef,
  validatePolicies,
  validatePrefixLists,
  type PoliciesConfig,
  type PrefixListsConfig,
} from './policy-config';

export interface NodeFibConfig {
  /** Kernel routing table: a number (1..2^32-1) or `main` (254). */
  table: number | 'main';
  /** rtnetlink protocol number on every route we install (RTPROT_*: 5..255 are free for daemons). */
  protocol: number;
  /** Route priority (metric) of our routes; absent: the FIB's default. */
  metric?: number;
  /** Seconds between re-reads of the table (a route of ours someone deleted comes back); absent: the FIB's default. */
  scanSeconds?: number;
}

export interface NodeConfig {
  name: string;
  /** IPv4 address: the Node's spec.bgp.ipv4Address, our BGP identifier and NEXT_HOP. */
  ip: string;
  ip6?: string;
  /** The Node's spec.bgp.asNumber; absent: BGPConfiguration `default`'s (64512 by default). */
  asn?: number;
  datastore: string;
  /** HTTP API (contract 3); undefined: none (`api: false`). Default 127.0.0.1:8179. */
  api?: ApiConfig;
  log: LogLevel;
  /** false: no kernel routes (routes shown, kernel and its sysctls untouched). */
  fib: NodeFibConfig | false;
  /**
   * Run the dataplane (contract 7) for this node's WorkloadEndpoints: interfaces, workload
   * routes (through the FIB's route table) and nftables ACLs. Needs the kernel FIB.
   */
  dataplane: boolean;
  /** TCP port to listen on, and to dial mesh and reflector peers on (default 179; tests use others). */
  port: number;
  /** Contract 2's named prefix lists and policies, for the eBGP sessions below. */
  prefixLists: PrefixListsConfig;
  policies: PoliciesConfig;
  /** Policies of every eBGP session (a BGPPeer in another AS, e.g. a ToR); none: RFC 8212 default deny. */
  ebgp: { importPolicy?: string; exportPolicy?: string };
}

export const NODE_KEYS = [
  'name',
  'ip',
  'ip6',
  'asn',
  'datastore',
  'api',
  'log',
  'fib',
  'dataplane',
  'port',
  'prefixLists',
  'policies',
  'ebgp',
] as const;
/** Linux RTPROT_* values up to 4 are the kernel's own (unspec, redirect, kernel, boot, static). */
const MIN_PROTOCOL = 5;

function fibField(v: unknown): NodeFibConfig | false {
  if (v === undefined) return { table: 'main', protocol: 200 };
  if (v === false) return false;
  if (!isObj(v)) throw new ConfigError('fib', `${show(v)} is not false or a mapping {table, protocol}`);
  checkKeys(v, 'fib', ['table', 'protocol', 'metric', 'scanSeconds']);
  const table = v.table === undefined || v.table === 'main' ? 'main' : intField(v.table, 'fib.table', 1, 4294967295);
  // Linux reserves 0 (unspec), 253 (default) and 255 (local) for itself.
  if (table === 253 || table === 255)
    throw new ConfigError('fib.table', `${table} is a table the kernel keeps for itself (use main or another number)`);
  const protocol = v.protocol === undefined ? 200 : intField(v.protocol, 'fib.protocol', MIN_PROTOCOL, 255);
  const out: NodeFibConfig = { table, protocol };
  if (v.metric !== undefined) out.metric = intField(v.metric, 'fib.metric', 0, 4294967295);
  if (v.scanSeconds !== undefined) out.scanSeconds = intField(v.scanSeconds, 'fib.scanSeconds', 0, 86400);
  return out;
}

/** Validates a node document (flags merged over the file); throws ConfigError naming the field. */
export function validateNodeConfig(doc: unknown): NodeConfig {
  if (!isObj(doc)) throw new ConfigError('', 'the config is not a mapping of fields');
  checkKeys(doc, '', NODE_KEYS);
  if (doc.ip === undefined) throw new ConfigError('ip', "is required (the node's IPv4 address, --ip)");
  const ip = ipField(doc.ip, 'ip', { v4only: true });
  // RFC 4271 6.2: the address is our BGP identifier too; 0.0.0.0 is never valid, and a
  // wildcard is no address others can peer with.
  if (ip === '0.0.0.0') throw new ConfigError('ip', '0.0.0.0 is not an address other nodes can peer with');
  const cfg: NodeConfig = {
    name: doc.name === undefined ? os.hostname() : nameField(doc.name),
    ip,
    datastore: 'embedded',
    log: 'info',
    fib: fibField(doc.fib),
    dataplane: false,
    port: doc.port === undefined ? 179 : intField(doc.port, 'port', 1, 65535),
    api: { host: '127.0.0.1', port: 8179 },
    prefixLists: {},
    policies: {},
    ebgp: {},
  };
  cfg.prefixLists = validatePrefixLists(doc.prefixLists);
  cfg.policies = validatePolicies(doc.policies, cfg.prefixLists);
  if (doc.ebgp !== undefined) {
    if (!isObj(doc.ebgp))
      throw new ConfigError('ebgp', `${show(doc.ebgp)} is not a mapping {importPolicy, exportPolicy}`);
    checkKeys(doc.ebgp, 'ebgp', ['importPolicy', 'exportPolicy']);
    if (doc.ebgp.importPolicy !== undefined)
      cfg.ebgp.importPolicy = policyRef(doc.ebgp.importPolicy, 'ebgp.importPolicy', cfg.policies);
    if (doc.ebgp.exportPolicy !== undefined)
      cfg.ebgp.exportPolicy = policyRef(doc.ebgp.exportPolicy, 'ebgp.exportPolicy', cfg.policies);
  }
  if (doc.ip6 !== undefined) {
    if (typeof doc.ip6 !== 'string' || !doc.ip6.includes(':'))
      throw new ConfigError('ip6', `${show(doc.ip6)} is not an IPv6 address`);
    const a = ipField(doc.ip6, 'ip6');
    if (a === '::' || /^fe[89ab]/i.test(a))
      throw new ConfigError('ip6', `${a} is not a global address other nodes can peer with`);
    cfg.ip6 = a;
  }
  if (doc.asn !== undefined) cfg.asn = intField(doc.asn, 'asn', 1, 4294967295);
  if (doc.datastore !== undefined) cfg.datastore = datastoreField(doc.datastore);
  if (doc.api === false) delete cfg.api;
  else if (doc.api !== undefined) cfg.api = parseApiConfig(doc.api, 'api');
  if (doc.log !== undefined) cfg.log = logLevelField(doc.log);
  if (doc.dataplane !== undefined && doc.dataplane !== false) {
    if (doc.dataplane !== true) throw new ConfigError('dataplane', `${show(doc.dataplane)} is not true or false`);
    // The workload routes go through the FIB's kernel route table (one owner per prefix), and
    // fib: false promises a kernel left untouched, which interfaces and nftables would break.
    if (cfg.fib === false) {
      throw new ConfigError(
        'dataplane',
        "true needs the kernel FIB: fib: false (--no-fib) promises an untouched kernel, and the workload routes go through the FIB's route table",
      );
    }
    cfg.dataplane = true;
  }
  return cfg;
}

/** Reads a node config file (YAML or JSON) into a plain document, for flags to override. */
export function readNodeConfigFile(file: string): Record<string, unknown> {
  const doc = readConfigDocument(file);
  if (doc === null || doc === undefined) return {};
  if (!isObj(doc)) throw new ConfigError('', `${file}: the config is not a mapping of fields`);
  return doc;
}

/** The file (if any) with the flags given on the command line over it, validated. */
export function loadNodeConfig(file: string | undefined, flags: Record<string, unknown>): NodeConfig {
  const base = file === undefined ? {} : readNodeConfigFile(file);
  const doc: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) doc[k] = v;
  try {
    return validateNodeConfig(doc);
  } catch (e) {
    if (e instanceof ConfigError && file !== undefined)
      throw new ConfigError(e.field, `${e.problem} (in ${file} or the flags)`);
    throw e;
  }
}
