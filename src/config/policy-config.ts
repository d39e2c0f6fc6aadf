// Routing policy in the daemon config: named prefix lists and named policies at the top
// level, referenced by name from neighbors' and dynamic neighbors' `importPolicy` /
// `exportPolicy`. Only plain validated data here; src/routing (policies.ts) compiles it per
// family into src/rib's PrefixList / Policy objects.
//
//   prefixLists:
//     pods: [{action: permit, prefix: 10.233.0.0/16, ge: 26, le: 32}]
//   policies:
//     from-nodes:
//       - {match: {prefixList: pods}, action: accept, set: {communities: {add: ["65000:100"]}}}
//       - {action: reject}
import { hasHostBits, parseCidr } from '../net';
import { checkKeys, ConfigError, intField, isObj, show } from './fields';

export interface PrefixListEntryConfig {
  action: 'permit' | 'deny';
  /** e.g. 10.0.0.0/8 or 2001:db8::/32; no host bits. */
  prefix: string;
  /** Lengths matched: ge..le (both default to the prefix's length; ge alone: up to the maximum). */
  ge?: number;
  le?: number;
}

export interface CommunitySetConfig {
  /** RFC 1997 communities as "high:low" or a well-known name (no-export, no-advertise, no-export-subconfed). */
  add?: string[];
  delete?: string[];
  /** Replaces every community the route had (then add/delete apply). */
  set?: string[];
}

export interface PolicyTermConfig {
  /** Both must hold when both are given; no match: the term applies to every route. */
  match?: { prefixList?: string; community?: string[] };
  /** accept / reject end the policy; next applies `set` and goes on to the next term. */
  action: 'accept' | 'reject' | 'next';
  set?: { localPref?: number; med?: number; communities?: CommunitySetConfig };
}

/** Policies are term lists: the first accept/reject decides; a route no term decides is accepted. */
export type PoliciesConfig = Record<string, PolicyTermConfig[]>;
export type PrefixListsConfig = Record<string, PrefixListEntryConfig[]>;

const WELL_KNOWN: Readonly<Record<string, number>> = {
  // RFC 1997
  'no-export': 0xffffff01,
  'no-advertise': 0xffffff02,
  'no-export-subconfed': 0xffffff03,
};

/** A community as uint32 (high << 16 | low), or undefined when the text is not one. */
export function communityValue(s: string): number | undefined {
  const wk = WELL_KNOWN[s];
  if (wk !== undefined) return wk;
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const hi = Number(m[1]);
  const lo = Number(m[2]);
  return hi > 65535 || lo > 65535 ? undefined : ((hi << 16) | lo) >>> 0;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function communities(v: unknown, path: string): string[] {
  if (!Array.isArray(v)) throw new ConfigError(path, `${show(v)} is not a list of communities`);
  return v.map((c, i) => {
    if (typeof c !== 'string' || communityValue(c) === undefined) {
      throw new ConfigError(
        `${path}[${i}]`,
        `${show(c)} is not a community (0-65535:0-65535, no-export, no-advertise, no-export-subconfed)`,
      );
    }
    return c;
  });
}

/** The prefix's length when it has no host bits set; a ConfigError otherwise. */
function prefixNoHostBits(v: unknown, path: string): { len: number; max: number } {
  const bad = () => new ConfigError(path, `${show(v)} is not a prefix like 10.0.0.0/8`);
  if (typeof v !== 'string') throw bad();
  const p = parseCidr(v);
  if (!p) throw bad();
  // Bits past the length must be zero, or the entry would silently match something else.
  if (hasHostBits(p.addr, p.len)) throw new ConfigError(path, `${v} has host bits set (past /${p.len})`);
  return { len: p.len, max: p.addr.length * 8 };
}

function prefixListEntry(v: unknown, path: string): PrefixListEntryConfig {
  if (!isObj(v)) throw new ConfigError(path, `${show(v)} is not a mapping {action, prefix, ge, le}`);
  checkKeys(v, path, ['action', 'prefix', 'ge', 'le']);
  if (v.action !== 'permit' && v.action !== 'deny')
    throw new ConfigError(`${path}.action`, `${show(v.action)} is not permit or deny`);
  if (v.prefix === undefined) throw new ConfigError(`${path}.prefix`, 'is required');
  const { len, max } = prefixNoHostBits(v.prefix, `${path}.prefix`);
  const e: PrefixListEntryConfig = { action: v.action, prefix: v.prefix as string };
  if (v.ge !== undefined) e.ge = intField(v.ge, `${path}.ge`, len, max);
  if (v.le !== undefined) e.le = intField(v.le, `${path}.le`, e.ge ?? len, max);
  return e;
}

function term(v: unknown, path: string, prefixLists: PrefixListsConfig): PolicyTermConfig {
  if (!isObj(v)) throw new ConfigError(path, `${show(v)} is not a mapping {match, action, set}`);
  checkKeys(v, path, ['match', 'action', 'set']);
  if (v.action !== 'accept' && v.action !== 'reject' && v.action !== 'next') {
    throw new ConfigError(
      `${path}.action`,
      v.action === undefined
        ? 'is required (accept, reject or next)'
        : `${show(v.action)} is not accept, reject or next`,
    );
  }
  const t: PolicyTermConfig = { action: v.action };
  if (v.match !== undefined) {
    const m = v.match;
    if (!isObj(m)) throw new ConfigError(`${path}.match`, `${show(m)} is not a mapping {prefixList, community}`);
    checkKeys(m, `${path}.match`, ['prefixList', 'community']);
    t.match = {};
    if (m.prefixList !== undefined) {
      if (typeof m.prefixList !== 'string' || !Object.hasOwn(prefixLists, m.prefixList)) {
        throw new ConfigError(
          `${path}.match.prefixList`,
          `${show(m.prefixList)} is not a prefix list defined under prefixLists`,
        );
      }
      t.match.prefixList = m.prefixList;
    }
    if (m.community !== undefined) t.match.community = communities(m.community, `${path}.match.community`);
  }
  if (v.set !== undefined) {
    const s = v.set;
    if (!isObj(s)) throw new ConfigError(`${path}.set`, `${show(s)} is not a mapping {localPref, med, communities}`);
    checkKeys(s, `${path}.set`, ['localPref', 'med', 'communities']);
    t.set = {};
    // RFC 4271 4.3: LOCAL_PREF and MULTI_EXIT_DISC are 4-octet unsigned integers.
    if (s.localPref !== undefined) t.set.localPref = intField(s.localPref, `${path}.set.localPref`, 0, 4294967295);
    if (s.med !== undefined) t.set.med = intField(s.med, `${path}.set.med`, 0, 4294967295);
    if (s.communities !== undefined) {
      const c = s.communities;
      const cp = `${path}.set.communities`;
      if (!isObj(c)) throw new ConfigError(cp, `${show(c)} is not a mapping {add, delete, set}`);
      checkKeys(c, cp, ['add', 'delete', 'set']);
      const out: CommunitySetConfig = {};
      for (const k of ['add', 'delete', 'set'] as const)
        if (c[k] !== undefined) out[k] = communities(c[k], `${cp}.${k}`);
      t.set.communities = out;
    }
  }
  if (t.action === 'reject' && t.set !== undefined)
    throw new ConfigError(`${path}.set`, 'does nothing on a reject term');
  return t;
}

function named<T>(v: unknown, path: string, item: (x: unknown, p: string) => T): Record<string, T[]> {
  if (!isObj(v)) throw new ConfigError(path, `${show(v)} is not a mapping of names to lists`);
  const out: Record<string, T[]> = {};
  for (const [name, list] of Object.entries(v)) {
    if (!NAME.test(name))
      throw new ConfigError(`${path}.${name}`, 'is not a name (letters, digits, ".", "_", "-"; at most 63)');
    if (!Array.isArray(list)) throw new ConfigError(`${path}.${name}`, `${show(list)} is not a list`);
    out[name] = list.map((x, i) => item(x, `${path}.${name}[${i}]`));
  }
  return out;
}

export function validatePrefixLists(v: unknown): PrefixListsConfig {
  return v === undefined ? {} : named(v, 'prefixLists', prefixListEntry);
}

export function validatePolicies(v: unknown, prefixLists: PrefixListsConfig): PoliciesConfig {
  return v === undefined ? {} : named(v, 'policies', (x, p) => term(x, p, prefixLists));
}

/** A neighbor's policy reference: the name must exist under `policies`. */
export function policyRef(v: unknown, path: string, policies: PoliciesConfig): string {
  if (typeof v !== 'string' || !Object.hasOwn(policies, v)) {
    throw new ConfigError(path, `${show(v)} is not a policy defined under policies`);
  }
  return v;
}
