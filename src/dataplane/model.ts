// The dataplane's view of the datastore (contract 7): workload endpoints and profiles parsed
// from their stored documents. Parsing is lenient about the document's shape (the key gives
// the name) and strict about every rule field: a field we cannot enforce is an error naming
// it, never silently dropped (a dropped `dstPorts` would allow more than the operator meant).
import { formatIp, maskAddr, parseCidr as parsePrefix, parseIp } from '../net';

export type Action = 'allow' | 'deny';

/** One profile rule; every part present must match (contract 7). */
export interface Rule {
  action: Action;
  /** IP protocol number (tcp 6, udp 17, icmp 1, icmpv6 58). */
  protocol?: number;
  srcTag?: string;
  srcNet?: Net;
  srcPorts?: PortRange[];
  dstNet?: Net;
  dstPorts?: PortRange[];
  icmpType?: number;
}

export interface Net {
  family: 4 | 6;
  text: string;
}
export interface PortRange {
  lo: number;
  hi: number;
}

export interface Profile {
  name: string;
  inbound: Rule[];
  outbound: Rule[];
  /** Set when a rule could not be parsed: the profile then denies everything (fails closed). */
  error?: string;
}

export interface Endpoint {
  name: string;
  node: string;
  ifname: string;
  /** Host addresses (the workload's /32 and /128 networks), canonical text, no length. */
  v4: string[];
  v6: string[];
  profiles: string[];
  mac?: string;
  /** Set when the endpoint cannot be programmed (bad interface name, wide network...). */
  error?: string;
}

export const PROTOCOLS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58 };
const RULE_FIELDS = ['action', 'protocol', 'srcTag', 'srcNet', 'srcPorts', 'dstNet', 'dstPorts', 'icmpType'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

class RuleError extends Error {}

function fail(field: string, what: string): never {
  throw new RuleError(`${field}: ${what}`);
}

/**
 * An address or CIDR as {family, network text}: host bits cleared and the address in its
 * canonical form (RFC 5952 for IPv6), as nft prints it back. Undefined when not one.
 */
export function parseCidr(text: string): (Net & { len: number; addr: string }) | undefined {
  const t = text.trim();
  let p = t.includes('/') ? parsePrefix(t) : undefined;
  if (!t.includes('/')) {
    const a = parseIp(t);
    if (a) p = { addr: a, len: a.length * 8 };
  }
  if (!p) return undefined;
  const family = p.addr.length === 4 ? 4 : 6;
  const addr = formatIp(maskAddr(p.addr, p.len));
  return { family, len: p.len, addr, text: `${addr}/${p.len}` };
}

function parseNet(v: unknown, field: string): Net {
  const c = typeof v === 'string' ? parseCidr(v) : undefined;
  if (!c) fail(field, `${show(v)} is not a CIDR (address/length)`);
  return { family: c.family, text: c.text };
}

function parsePorts(v: unknown, field: string): PortRange[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) fail(field, 'is an empty list');
  return list.map((p, i) => {
    const f = Array.isArray(v) ? `${field}[${i}]` : field;
    if (typeof p === 'number' && Number.isInteger(p) && p >= 0 && p <= 65535) return { lo: p, hi: p };
    // Calico writes ranges as "lo:hi".
    const m = typeof p === 'string' ? /^(\d{1,5})(?::(\d{1,5}))?$/.exec(p) : null;
    if (m) {
      const lo = Number(m[1]),
        hi = m[2] === undefined ? lo : Number(m[2]);
      if (lo <= hi && hi <= 65535) return { lo, hi };
    }
    return fail(f, `${show(p)} is not a port (0..65535) or range "lo:hi"`);
  });
}

/** Parses one rule of a profile; throws RuleError naming `where` and the field. */
export function parseRule(v: unknown, where: string): Rule {
  if (!isObj(v)) fail(where, `${show(v)} is not a rule object`);
  for (const k of Object.keys(v)) {
    if (!RULE_FIELDS.includes(k)) fail(`${where}.${k}`, `unknown field (expected one of ${RULE_FIELDS.join(', ')})`);
  }
  if (v.action !== 'allow' && v.action !== 'deny') fail(`${where}.action`, `${show(v.action)} is not allow or deny`);
  const r: Rule = { action: v.action };
  if (v.protocol !== undefined) {
    const p = v.protocol;
    if (typeof p === 'string' && p.toLowerCase() in PROTOCOLS) r.protocol = PROTOCOLS[p.toLowerCase()];
    else if (typeof p === 'number' && Number.isInteger(p) && p >= 0 && p <= 255) r.protocol = p;
    else fail(`${where}.protocol`, `${show(p)} is not tcp, udp, icmp, icmpv6 or a number 0..255`);
  }
  if (v.srcTag !== undefined) {
    if (typeof v.srcTag !== 'string' || v.srcTag === '') fail(`${where}.srcTag`, `${show(v.srcTag)} is not a tag name`);
    r.srcTag = v.srcTag;
  }
  if (v.srcNet !== undefined) r.srcNet = parseNet(v.srcNet, `${where}.srcNet`);
  if (v.dstNet !== undefined) r.dstNet = parseNet(v.dstNet, `${where}.dstNet`);
  for (const k of ['srcPorts', 'dstPorts'] as const) {
    if (v[k] === undefined) continue;
    // Ports exist only in TCP and UDP headers: without one of them the match is meaningless.
    if (r.protocol !== 6 && r.protocol !== 17) fail(`${where}.${k}`, 'needs protocol tcp or udp');
    r[k] = parsePorts(v[k], `${where}.${k}`);
  }
  if (v.icmpType !== undefined) {
    if (r.protocol !== 1 && r.protocol !== 58) fail(`${where}.icmpType`, 'needs protocol icmp or icmpv6');
    const t = v.icmpType;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t > 255)
      fail(`${where}.icmpType`, `${show(t)} is not an integer 0..255`);
    r.icmpType = t;
  }
  if (r.srcNet && r.dstNet && r.srcNet.family !== r.dstNet.family)
    fail(`${where}.dstNet`, 'is of another address family than srcNet');
  const fam = ruleFamily(r);
  if (fam === null) fail(`${where}.protocol`, 'does not fit the address family of srcNet/dstNet');
  return r;
}

/**
 * The only family a rule can match (4 or 6), undefined when both, null when none (an ICMPv4
 * rule with an IPv6 net).
 */
export function ruleFamily(r: Rule): 4 | 6 | undefined | null {
  const fams = new Set<4 | 6>([4, 6]);
  if (r.protocol === 1) fams.delete(6);
  if (r.protocol === 58) fams.delete(4);
  for (const n of [r.srcNet, r.dstNet]) if (n) fams.delete(n.family === 4 ? 6 : 4);
  if (fams.size === 0) return null;
  return fams.size === 2 ? undefined : [...fams][0];
}

/** A stored Profile document (its name from the key); bad rules make it deny all. */
export function parseProfile(name: string, value: string): Profile {
  const p: Profile = { name, inbound: [], outbound: [] };
  try {
    const doc: unknown = JSON.parse(value);
    const spec = isObj(doc) && isObj(doc.spec) ? doc.spec : {};
    for (const dir of ['inbound', 'outbound'] as const) {
      const list = spec[dir];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) fail(`spec.${dir}`, `${show(list)} is not a list of rules`);
      p[dir] = list.map((r, i) => parseRule(r, `spec.${dir}[${i}]`));
    }
  } catch (e) {
    p.inbound = [];
    p.outbound = [];
    p.error = `profile ${name}: ${e instanceof RuleError ? e.message : 'is not JSON'}`;
  }
  return p;
}

/** A stored WorkloadEndpoint document; undefined when it names no node (not ours to judge). */
export function parseEndpoint(name: string, value: string): Endpoint | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(value);
  } catch {
    return undefined;
  }
  const spec = isObj(doc) && isObj(doc.spec) ? doc.spec : undefined;
  if (!spec || typeof spec.node !== 'string') return undefined;
  const ep: Endpoint = { name, node: spec.node, ifname: '', v4: [], v6: [], profiles: [] };
  const errors: string[] = [];
  if (typeof spec.interfaceName === 'string' && validIfnameText(spec.interfaceName)) ep.ifname = spec.interfaceName;
  else
    errors.push(
      `spec.interfaceName: ${show(spec.interfaceName)} is not an interface name (1..15 of A-Z a-z 0-9 _ . -)`,
    );
  if (Array.isArray(spec.profiles))
    ep.profiles = spec.profiles.filter((x): x is string => typeof x === 'string' && x !== '');
  if (typeof spec.mac === 'string' && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(spec.mac)) ep.mac = spec.mac.toLowerCase();
  const nets = Array.isArray(spec.ipNetworks) ? spec.ipNetworks : [];
  nets.forEach((n, i) => {
    const c = typeof n === 'string' && n.includes('/') ? parseCidr(n) : undefined;
    if (!c || c.len !== (c.family === 4 ? 32 : 128)) {
      // A wider network would need interval sets and a different route; not supported yet.
      errors.push(`spec.ipNetworks[${i}]: ${show(n)} is not a /32 or /128 network`);
      return;
    }
    (c.family === 4 ? ep.v4 : ep.v6).push(c.addr);
  });
  if (errors.length) ep.error = errors.join('; ');
  return ep;
}

function validIfnameText(s: string): boolean {
  return /^[A-Za-z0-9_.-]{1,15}$/.test(s);
}
