// Validation of resource documents: each rule names the resource, the field and what is
// wrong (`BGPPeer tor-a: spec.peerIP: "10.0.0.999" is not an IP address`), and defaults are
// filled in (IPPool blockSize 26 for IPv4, 122 for IPv6). Unknown spec fields are refused so
// that a typo never silently does nothing.
import { ipVersion } from '../../net';
import { parseCidr } from '../cidr';
import { parseSelector } from './selector';
import { API_VERSION, type Kind, kindOf, type Resource } from './types';

export class ResourceError extends Error {
  readonly expose = true;
  constructor(message: string) {
    super(message);
    this.name = 'ResourceError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => JSON.stringify(v) ?? String(v);
const NAME = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
// Profiles and endpoints keep Calico's first model's names (contract 7): a profile's name is
// also its tag (`PROF_A_C_E`), an endpoint's is NODE.WORKLOAD.IFACE (`alpha.workload-A.eth0`).
const MIXED_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,252}$/;
const NAME_RULES: Partial<Record<Kind, { re: RegExp; text: string }>> = {
  WorkloadEndpoint: { re: MIXED_NAME, text: "letters, digits, '_', '-', '.'" },
  Profile: { re: MIXED_NAME, text: "letters, digits, '_', '-', '.'" },
};

class Checker {
  constructor(
    readonly where: string,
    readonly spec: Obj,
  ) {}
  fail(field: string, what: string): never {
    throw new ResourceError(`${this.where}: ${field}: ${what}`);
  }
  only(obj: Obj, path: string, allowed: string[]): void {
    for (const k of Object.keys(obj))
      if (!allowed.includes(k)) this.fail(`${path}.${k}`, `unknown field (expected one of ${allowed.join(', ')})`);
  }
  str(obj: Obj, path: string, k: string, required = false): string | undefined {
    const v = obj[k];
    if (v === undefined || v === null) {
      if (required) this.fail(`${path}.${k}`, 'is required');
      return undefined;
    }
    if (typeof v !== 'string' || v === '') this.fail(`${path}.${k}`, `${show(v)} is not a non-empty string`);
    return v;
  }
  int(obj: Obj, path: string, k: string, min: number, max: number, required = false): number | undefined {
    const v = obj[k];
    if (v === undefined || v === null) {
      if (required) this.fail(`${path}.${k}`, 'is required');
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      this.fail(`${path}.${k}`, `${show(v)} is not an integer in ${min}..${max}`);
    return v;
  }
  bool(obj: Obj, path: string, k: string): boolean | undefined {
    const v = obj[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') this.fail(`${path}.${k}`, `${show(v)} is not true or false`);
    return v;
  }
  ip(obj: Obj, path: string, k: string, family?: 4 | 6, required = false): string | undefined {
    const v = this.str(obj, path, k, required);
    if (v === undefined) return undefined;
    const f = ipVersion(v);
    if (f === 0) this.fail(`${path}.${k}`, `${show(v)} is not an IP address`);
    if (family && f !== family) this.fail(`${path}.${k}`, `${show(v)} is not an IPv${family} address`);
    return v;
  }
  cidr(obj: Obj, path: string, k: string, required = false): string | undefined {
    const v = this.str(obj, path, k, required);
    if (v === undefined) return undefined;
    if (!parseCidr(v, false)) this.fail(`${path}.${k}`, `${show(v)} is not a CIDR (address/length)`);
    if (!parseCidr(v, true)) this.fail(`${path}.${k}`, `${show(v)} has host bits set`);
    return v;
  }
  selector(obj: Obj, path: string, k: string): string | undefined {
    const v = this.str(obj, path, k);
    if (v === undefined) return undefined;
    try {
      parseSelector(v);
    } catch (e) {
      this.fail(`${path}.${k}`, `${show(v)} is not a selector: ${(e as Error).message}`);
    }
    return v;
  }
  array(obj: Obj, path: string, k: string): unknown[] | undefined {
    const v = obj[k];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) this.fail(`${path}.${k}`, `${show(v)} is not a list`);
    return v;
  }
}

const AS_MAX = 4294967295; // RFC 6793: four-octet AS numbers

const SPEC_RULES: Record<Kind, (c: Checker, s: Obj) => void> = {
  BGPConfiguration: (c, s) => {
    c.only(s, 'spec', ['asNumber', 'nodeToNodeMesh', 'listenPort', 'logLevel', 'communities']);
    c.int(s, 'spec', 'asNumber', 1, AS_MAX);
    c.bool(s, 'spec', 'nodeToNodeMesh');
    c.int(s, 'spec', 'listenPort', 1, 65535);
    const lvl = c.str(s, 'spec', 'logLevel');
    if (lvl && !['trace', 'debug', 'info', 'warn', 'error', 'fatal'].includes(lvl))
      c.fail('spec.logLevel', `${show(lvl)} is not one of trace, debug, info, warn, error, fatal`);
    (c.array(s, 'spec', 'communities') ?? []).forEach((x, i) => {
      // RFC 1997 communities as ASN:value, each half 16 bits.
      const m = typeof x === 'string' ? /^(\d+):(\d+)$/.exec(x) : null;
      if (!m || Number(m[1]) > 65535 || Number(m[2]) > 65535)
        c.fail(`spec.communities[${i}]`, `${show(x)} is not a community (0-65535:0-65535)`);
    });
  },
  Node: (c, s) => {
    c.only(s, 'spec', ['bgp']);
    if (s.bgp === undefined) return;
    if (!isObj(s.bgp)) c.fail('spec.bgp', `${show(s.bgp)} is not an object`);
    const b = s.bgp as Obj;
    c.only(b, 'spec.bgp', ['ipv4Address', 'ipv6Address', 'asNumber', 'routeReflectorClusterID']);
    c.ip(b, 'spec.bgp', 'ipv4Address', 4);
    c.ip(b, 'spec.bgp', 'ipv6Address', 6);
    c.int(b, 'spec.bgp', 'asNumber', 1, AS_MAX);
    c.ip(b, 'spec.bgp', 'routeReflectorClusterID', 4); // RFC 4456 8: a 4-octet cluster ID, written as an IPv4 address
  },
  BGPPeer: (c, s) => {
    c.only(s, 'spec', [
      'peerIP',
      'asNumber',
      'node',
      'nodeSelector',
      'peerSelector',
      'password',
      'ttlSecurity',
      'localAddress',
      'holdTime',
      'keepaliveTime',
      'maxPrefixes',
      'routeReflectorClient',
      'passive',
      'port',
    ]);
    if (s.peerIP === undefined && s.peerSelector === undefined)
      c.fail('spec.peerIP', 'is required (or spec.peerSelector)');
    c.ip(s, 'spec', 'peerIP');
    c.int(s, 'spec', 'asNumber', 1, AS_MAX, s.peerSelector === undefined);
    c.str(s, 'spec', 'node');
    c.selector(s, 'spec', 'nodeSelector');
    c.selector(s, 'spec', 'peerSelector');
    if (s.node !== undefined && s.nodeSelector !== undefined)
      c.fail('spec.nodeSelector', 'cannot be set together with spec.node');
    // RFC 2385 keys on Linux are at most 80 octets (TCP_MD5SIG_MAXKEYLEN).
    const pw = c.str(s, 'spec', 'password');
    if (pw !== undefined && Buffer.byteLength(pw, 'utf8') > 80)
      c.fail(
        'spec.password',
        `is ${Buffer.byteLength(pw, 'utf8')} octets; a TCP-MD5 key is at most 80 (RFC 2385, Linux TCP_MD5SIG_MAXKEYLEN)`,
      );
    // RFC 5082 GTSM: the peer is at most N hops away (we accept TTL >= 256 - N).
    c.int(s, 'spec', 'ttlSecurity', 1, 254);
    c.ip(s, 'spec', 'localAddress');
    // RFC 4271 4.2: hold time is 0 or at least 3 seconds.
    const hold = c.int(s, 'spec', 'holdTime', 0, 65535);
    if (hold !== undefined && hold > 0 && hold < 3) c.fail('spec.holdTime', `${hold} must be 0 or at least 3`);
    // RFC 4271 4.4: KEEPALIVEs go out only with a non-zero hold time, and more often than it.
    // keepaliveTime 0 (none at all) offers hold time 0 when spec.holdTime is not set.
    const ka = c.int(s, 'spec', 'keepaliveTime', 0, 21845);
    if (ka === 0 && hold !== undefined && hold > 0)
      c.fail(
        'spec.keepaliveTime',
        `0 (no KEEPALIVEs) needs spec.holdTime 0: a peer holding us to ${hold} s would drop the session (RFC 4271 4.4)`,
      );
    if (ka !== undefined && ka > 0 && hold === 0)
      c.fail(
        'spec.keepaliveTime',
        `${ka} cannot be honoured with spec.holdTime 0: no KEEPALIVEs are sent then (RFC 4271 4.4); use 0 or leave it out`,
      );
    if (ka !== undefined && ka > 0 && ka >= (hold ?? 90))
      c.fail('spec.keepaliveTime', `${ka} must be less than spec.holdTime ${hold ?? '(default 90)'}`);
    c.int(s, 'spec', 'maxPrefixes', 1, 2 ** 31);
    c.bool(s, 'spec', 'routeReflectorClient');
    c.bool(s, 'spec', 'passive');
    c.int(s, 'spec', 'port', 1, 65535);
  },
  IPPool: (c, s) => {
    c.only(s, 'spec', ['cidr', 'blockSize', 'disabled']);
    const cidr = parseCidr(c.cidr(s, 'spec', 'cidr', true)!)!;
    const max = cidr.family === 4 ? 32 : 128;
    s.blockSize ??= cidr.family === 4 ? 26 : 122;
    const bs = c.int(s, 'spec', 'blockSize', cidr.len, max)!;
    if (max - bs > 20) c.fail('spec.blockSize', `${bs} makes blocks of more than 2^20 addresses`);
    s.disabled = c.bool(s, 'spec', 'disabled') ?? false;
  },
  IPAMBlock: (c, s) => {
    c.only(s, 'spec', ['cidr', 'affinity', 'allocations']);
    const cidr = parseCidr(c.cidr(s, 'spec', 'cidr', true)!)!;
    if (s.affinity === undefined) s.affinity = null;
    if (s.affinity !== null && (typeof s.affinity !== 'string' || !/^node:.+$/.test(s.affinity)))
      c.fail('spec.affinity', `${show(s.affinity)} is not node:NAME or null`);
    s.allocations ??= {};
    if (!isObj(s.allocations)) c.fail('spec.allocations', `${show(s.allocations)} is not a map of address to handle`);
    for (const [ip, h] of Object.entries(s.allocations as Obj)) {
      const p = parseCidr(`${ip}/${cidr.family === 4 ? 32 : 128}`);
      if (
        !p ||
        p.family !== cidr.family ||
        p.base < cidr.base ||
        p.base >= cidr.base + (1n << BigInt((cidr.family === 4 ? 32 : 128) - cidr.len))
      )
        c.fail(`spec.allocations.${ip}`, `is not an address inside ${s.cidr}`);
      if (typeof h !== 'string') c.fail(`spec.allocations.${ip}`, `${show(h)} is not a handle string`);
    }
  },
  WorkloadEndpoint: (c, s) => {
    c.str(s, 'spec', 'node', true);
    (c.array(s, 'spec', 'ipNetworks') ?? []).forEach((x, i) => {
      if (typeof x !== 'string' || !parseCidr(x, false)) c.fail(`spec.ipNetworks[${i}]`, `${show(x)} is not a CIDR`);
    });
    s.ipNetworks ??= [];
    (c.array(s, 'spec', 'profiles') ?? []).forEach((x, i) => {
      if (typeof x !== 'string') c.fail(`spec.profiles[${i}]`, `${show(x)} is not a profile name`);
    });
  },
  Profile: (c, s) => {
    c.array(s, 'spec', 'ingress');
    c.array(s, 'spec', 'egress');
  },
  Policy: (c, s) => {
    c.selector(s, 'spec', 'selector');
    c.int(s, 'spec', 'order', 0, 2 ** 31);
    c.array(s, 'spec', 'ingress');
    c.array(s, 'spec', 'egress');
  },
};

/** Checks one document and returns it normalised (canonical kind, defaults). `where`: "file.yaml document 2". */
export function validateResource(doc: unknown, where = 'document'): Resource {
  if (!isObj(doc)) throw new ResourceError(`${where}: not a mapping (apiVersion, kind, metadata, spec)`);
  if (doc.apiVersion !== API_VERSION)
    throw new ResourceError(`${where}: apiVersion: ${show(doc.apiVersion)} is not ${API_VERSION}`);
  const kind = typeof doc.kind === 'string' ? kindOf(doc.kind) : undefined;
  if (!kind)
    throw new ResourceError(
      `${where}: kind: ${show(doc.kind)} is not one of BGPConfiguration, Node, BGPPeer, IPPool, IPAMBlock, WorkloadEndpoint, Profile, Policy`,
    );
  if (!isObj(doc.metadata)) throw new ResourceError(`${where}: ${kind}: metadata: is required (with a name)`);
  const md = doc.metadata;
  const name = md.name;
  const rule = NAME_RULES[kind] ?? { re: NAME, text: "lower case letters, digits, '-', '.'" };
  if (typeof name !== 'string' || !rule.re.test(name)) {
    throw new ResourceError(`${where}: ${kind}: metadata.name: ${show(name)} is not a name (${rule.text})`);
  }
  const c = new Checker(`${kind} ${name}`, {});
  if (md.labels !== undefined) {
    if (!isObj(md.labels)) c.fail('metadata.labels', `${show(md.labels)} is not a map`);
    for (const [k, v] of Object.entries(md.labels as Obj))
      if (typeof v !== 'string') c.fail(`metadata.labels.${k}`, `${show(v)} is not a string`);
  }
  const spec = doc.spec === undefined ? {} : doc.spec;
  if (!isObj(spec)) c.fail('spec', `${show(spec)} is not a mapping`);
  const copy = structuredClone(spec) as Obj;
  SPEC_RULES[kind](c, copy);
  const metadata: Resource['metadata'] = { name };
  if (md.labels) metadata.labels = md.labels as Record<string, string>;
  return { apiVersion: API_VERSION, kind, metadata, spec: copy };
}
