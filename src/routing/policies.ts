// The config's named prefix lists and policies (src/config/policy-config.ts), compiled per
// address family into src/rib's PrefixList / Policy objects, once per (family, name). A
// prefix list holding only IPv4 entries matches nothing in IPv6 (so a term matching it does
// not apply there), which lets one policy serve both families.
import { IPV4_UNICAST, type Family } from '../bgp/messages';
import { communityValue, type PoliciesConfig, type PolicyTermConfig, type PrefixListsConfig } from '../config';
import { Policy, PrefixList, type AttrStore, type PolicyTerm } from '../rib';
import type { AddPathSend } from './export';

/** The policy part of a daemon config. */
export interface PolicyDefs {
  readonly prefixLists: PrefixListsConfig;
  readonly policies: PoliciesConfig;
}

/** Per-session routing settings the daemon hands to RoutingEngine.attach(). */
export interface SessionSettings {
  /** A name under PolicyDefs.policies: run on every path received, before the decision. */
  readonly importPolicy?: string;
  /** A name under PolicyDefs.policies: run on every path sent (part of the update-group signature). */
  readonly exportPolicy?: string;
  /** RFC 7911: paths per prefix where ADD-PATH send is negotiated for the family (default 'all'). */
  readonly addPathSend?: Exclude<AddPathSend, 'none'>;
  /** RFC 4486: overrides the session config's maxPrefixes. */
  readonly maxPrefixes?: number;
}

function communityList(xs: readonly string[] | undefined): number[] | undefined {
  // Validated by the config loader; anything else is dropped rather than matched wrongly.
  return xs?.map(communityValue).filter((c): c is number => c !== undefined);
}

/**
 * RFC 8212 2: an eBGP session with no import policy accepts no routes from the peer, and one
 * with no export policy sends none to it ("default deny"). iBGP sessions, RR clients included,
 * keep the RFC 4271 behaviour. This is what /status shows in place of a policy name.
 */
export const RFC8212_NONE = 'none (RFC 8212)';

/** What /status says of a session's policies: a name, RFC 8212's default deny, or null (iBGP, none). */
export function policyStatus(
  settings: SessionSettings,
  ebgp: boolean,
): { import: string | null; export: string | null } {
  const show = (name: string | undefined) => name ?? (ebgp ? RFC8212_NONE : null);
  return { import: show(settings.importPolicy), export: show(settings.exportPolicy) };
}

export class PolicyBook {
  private readonly lists = new Map<string, PrefixList>();
  /** RFC 8212 default deny, one rejecting policy per family (its name is in the group signature). */
  private readonly denyAll = new Map<Family, Policy>();
  /** By family, then name: the import filter looks a policy up per path (no string building). */
  private readonly compiled = new Map<Family, Map<string, Policy>>();

  constructor(
    private readonly store: AttrStore,
    private readonly defs: PolicyDefs = { prefixLists: {}, policies: {} },
  ) {}

  has(name: string): boolean {
    return Object.hasOwn(this.defs.policies, name);
  }

  /** The compiled policy for `family`, or undefined when no policy has that name. */
  get(family: Family, name: string): Policy | undefined {
    let byName = this.compiled.get(family);
    if (!byName) this.compiled.set(family, (byName = new Map()));
    const hit = byName.get(name);
    if (hit) return hit;
    if (!this.has(name)) return undefined;
    const terms = (this.defs.policies[name] ?? []).map((t) => this.term(family, t));
    // Falling off the end accepts (documented in README): a policy of only rewrites needs no
    // final term, and a deny-by-default policy ends with `{action: reject}`.
    const p = new Policy(this.store, terms, 'accept', name);
    byName.set(name, p);
    return p;
  }

  /**
   * The policy a session runs in one direction: the named one, else for eBGP RFC 8212's
   * reject-everything policy, else none (iBGP accepts and sends by RFC 4271 and RFC 4456 rules).
   */
  forSession(family: Family, name: string | undefined, ebgp: boolean): Policy | undefined {
    if (name !== undefined) return this.get(family, name);
    if (!ebgp) return undefined;
    let p = this.denyAll.get(family);
    if (!p) this.denyAll.set(family, (p = new Policy(this.store, [], 'reject', RFC8212_NONE)));
    return p;
  }

  private term(family: Family, t: PolicyTermConfig): PolicyTerm {
    const match: { prefixList?: PrefixList; anyCommunity?: readonly number[] } = {};
    if (t.match?.prefixList !== undefined) match.prefixList = this.prefixList(family, t.match.prefixList);
    const any = communityList(t.match?.community);
    if (any) match.anyCommunity = any;
    const c = t.set?.communities;
    const out: { -readonly [K in keyof PolicyTerm]: PolicyTerm[K] } = { action: t.action };
    if (t.match) out.match = match;
    const set = communityList(c?.set);
    const add = communityList(c?.add);
    const del = communityList(c?.delete);
    if (set) out.setCommunities = set;
    if (add) out.addCommunities = add;
    if (del) out.deleteCommunities = del;
    if (t.set?.localPref !== undefined) out.setLocalPref = t.set.localPref;
    if (t.set?.med !== undefined) out.setMed = t.set.med;
    return out;
  }

  private prefixList(family: Family, name: string): PrefixList {
    const key = `${family}/${name}`;
    let l = this.lists.get(key);
    if (!l) {
      const v4 = family === IPV4_UNICAST;
      const entries = (this.defs.prefixLists[name] ?? []).filter((e) => e.prefix.includes(':') !== v4);
      l = new PrefixList(family, entries);
      this.lists.set(key, l);
    }
    return l;
  }
}
