// What a container runtime hands the plugin (CNI SPEC 1.0.0 "Parameters" and "Section 1:
// Network configuration format"): CNI_* environment variables and the network configuration
// JSON on stdin. Each problem is a CniError with the spec's code naming the variable or field.
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { CNI, CniError } from './cni-errors';
import { IFNAME, NODE_NAME } from './names';

/** The spec versions we speak: 1.0.0, and 1.1.0 (which adds STATUS and GC; its result is a superset). */
export const SUPPORTED_VERSIONS = ['1.0.0', '1.1.0'] as const;
export const COMMANDS = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'] as const;
export type CniCommand = (typeof COMMANDS)[number];

export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  datastore: string;
  nodename: string;
  pool?: string;
  dns?: unknown;
  prevResult?: unknown;
  /** GC: the attachments the runtime still knows (`cni.dev/valid-attachments`). */
  validAttachments?: Array<{ containerID: string; ifname: string }>;
}

export interface CniEnv {
  command: CniCommand;
  containerId?: string;
  netns?: string;
  ifname?: string;
}

// Fields the spec defines (or lets a runtime inject) beside ours; anything else is code 2.
const KNOWN_FIELDS = [
  'cniVersion',
  'cniVersions',
  'name',
  'type',
  'args',
  'runtimeConfig',
  'capabilities',
  'prevResult',
  'dns',
  'disableCheck',
  'disableGC',
  'cni.dev/valid-attachments',
  'cni.dev/attachments',
  'datastore',
  'nodename',
  'ipam',
];

// Container IDs (SPEC "ADD" parameters): alphanumeric first, then alphanumerics, _ . -
const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

/** The command and its variables; ADD and CHECK need CNI_NETNS too, DEL may go without. */
export function readEnv(env: NodeJS.ProcessEnv): CniEnv {
  const command = env.CNI_COMMAND;
  if (!command)
    throw new CniError(CNI.InvalidEnvironment, 'CNI_COMMAND is not set', `expected one of ${COMMANDS.join(', ')}`);
  if (!(COMMANDS as readonly string[]).includes(command))
    throw new CniError(CNI.InvalidEnvironment, `CNI_COMMAND "${command}" is not one of ${COMMANDS.join(', ')}`);
  const out: CniEnv = { command: command as CniCommand };
  if (command === 'VERSION' || command === 'STATUS' || command === 'GC') return out;
  const need = (k: string): string => {
    const v = env[k];
    if (v === undefined || v === '')
      throw new CniError(
        CNI.InvalidEnvironment,
        `${k} is not set`,
        `CNI_COMMAND=${command} needs CNI_CONTAINERID, CNI_IFNAME${command === 'DEL' ? '' : ' and CNI_NETNS'}`,
      );
    return v;
  };
  out.containerId = need('CNI_CONTAINERID');
  if (!CONTAINER_ID.test(out.containerId))
    throw new CniError(
      CNI.InvalidEnvironment,
      `CNI_CONTAINERID "${out.containerId}" is not a container ID (alphanumeric first, then alphanumerics, '_', '.', '-'; at most 200)`,
    );
  out.ifname = need('CNI_IFNAME');
  if (!IFNAME.test(out.ifname))
    throw new CniError(
      CNI.InvalidEnvironment,
      `CNI_IFNAME "${out.ifname}" cannot be used: expected 1-15 of letters, digits, '_', '.', '-'`,
    );
  if (command === 'DEL') out.netns = env.CNI_NETNS || undefined;
  else out.netns = need('CNI_NETNS');
  return out;
}

/** The family of a CIDR such as 192.168.0.0/16 or fd00::/64; undefined when it is not one. */
export function cidrFamily(text: string): 4 | 6 | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  const f = m ? isIP(m[1]!) : 0;
  if (f === 0 || Number(m![2]) > (f === 4 ? 32 : 128)) return undefined;
  return f as 4 | 6;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses the network configuration; VERSION may come with `{"cniVersion"}` alone, or nothing. */
export function parseNetConf(text: string, command: CniCommand, env: NodeJS.ProcessEnv = process.env): NetConf {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CniError(CNI.DecodingFailure, 'network configuration on stdin is not JSON', (e as Error).message);
  }
  if (!isObj(doc)) throw new CniError(CNI.DecodingFailure, 'network configuration on stdin is not a JSON object');
  const str = (k: string, required: boolean): string | undefined => {
    const v = doc[k];
    if (v === undefined || v === null) {
      if (required) throw new CniError(CNI.InvalidNetworkConfig, `network configuration: ${k}: is required`);
      return undefined;
    }
    if (typeof v !== 'string' || v === '')
      throw new CniError(
        CNI.InvalidNetworkConfig,
        `network configuration: ${k}: ${JSON.stringify(v)} is not a non-empty string`,
      );
    return v;
  };
  const cniVersion = str('cniVersion', true)!;
  if (!(SUPPORTED_VERSIONS as readonly string[]).includes(cniVersion)) {
    throw new CniError(
      CNI.IncompatibleVersion,
      `cniVersion ${cniVersion} is not supported`,
      `supported: ${SUPPORTED_VERSIONS.join(', ')}`,
    );
  }
  const conf: NetConf = { cniVersion, name: '', type: '', datastore: '', nodename: '' };
  if (command === 'VERSION') return conf;
  for (const k of Object.keys(doc)) {
    if (!KNOWN_FIELDS.includes(k))
      throw new CniError(
        CNI.UnsupportedField,
        `network configuration: ${k}: unsupported field`,
        `vroute-cni takes ${['cniVersion', 'name', 'type', 'datastore', 'nodename', 'ipam'].join(', ')} and the spec's runtime fields`,
      );
  }
  conf.name = str('name', true)!;
  conf.type = str('type', true)!;
  conf.datastore = str('datastore', true)!;
  const nodename = str('nodename', false) ?? env.VROUTE_NODE ?? hostname();
  if (!NODE_NAME.test(nodename))
    throw new CniError(
      CNI.InvalidNetworkConfig,
      `network configuration: nodename: ${JSON.stringify(nodename)} is not a node name (letters, digits, '_', '-', '.')`,
    );
  conf.nodename = nodename;
  if (doc.ipam !== undefined) {
    if (!isObj(doc.ipam))
      throw new CniError(
        CNI.InvalidNetworkConfig,
        `network configuration: ipam: ${JSON.stringify(doc.ipam)} is not an object`,
      );
    for (const k of Object.keys(doc.ipam))
      if (k !== 'pool')
        throw new CniError(
          CNI.UnsupportedField,
          `network configuration: ipam.${k}: unsupported field`,
          'vroute-cni does its own IPAM; ipam takes only pool (an IPPool CIDR)',
        );
    const pool = doc.ipam.pool;
    if (pool !== undefined && (typeof pool !== 'string' || !cidrFamily(pool)))
      throw new CniError(
        CNI.InvalidNetworkConfig,
        `network configuration: ipam.pool: ${JSON.stringify(pool)} is not a CIDR`,
      );
    conf.pool = pool as string | undefined;
  }
  if (doc.dns !== undefined) conf.dns = doc.dns;
  if (doc.prevResult !== undefined) conf.prevResult = doc.prevResult;
  const va = doc['cni.dev/valid-attachments'];
  if (va !== undefined) {
    if (
      !Array.isArray(va) ||
      !va.every((x) => isObj(x) && typeof x.containerID === 'string' && typeof x.ifname === 'string')
    ) {
      throw new CniError(
        CNI.InvalidNetworkConfig,
        'network configuration: cni.dev/valid-attachments: expected a list of {containerID, ifname}',
      );
    }
    conf.validAttachments = va as NetConf['validAttachments'];
  }
  return conf;
}
