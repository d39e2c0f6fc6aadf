// Import/export policy hooks: prefix lists (with ge/le), community match, and actions that
// accept, reject or rewrite (communities set/add/delete, LOCAL_PREF, MED). Max-prefix lives
// on the peer (PeerConfig.maxPrefixes, RFC 4486) because it counts, it does not filter.
// A rewrite interns a new attribute set (STYLE.md): sets are never mutated.
import type { Family } from '../bgp/messages';
import { mask32 } from '../net';
import type { AttrSet, AttrStore, RouteAttrs } from './attrs';
import type { PeerInfo } from './peer';
import { parsePrefix, type PrefixId, type PrefixIndex, type PrefixValue } from './prefix-index';

export interface PrefixListEntry {
  readonly action: 'permit' | 'deny';
  /** e.g. "10.0.0.0/8" */
  readonly prefix: string;
  /** Match lengths >= ge (default: the entry's length, or exactly it without ge/le). */
  readonly ge?: number;
  readonly le?: number;
}

interface CompiledEntry {
  readonly permit: boolean;
  readonly p: PrefixValue;
  readonly ge: number;
  readonly le: number;
}

/** An ordered prefix list: the first entry that matches decides; no match is a deny. */
export class PrefixList {
  private readonly entries: CompiledEntry[];

  constructor(family: Family, entries: readonly PrefixListEntry[]) {
    const max = family >>> 8 === 1 ? 32 : 128;
    this.entries = entries.map((e) => {
      const p = parsePrefix(e.prefix, family);
      if (!p) throw new RangeError(`prefix list: bad prefix ${e.prefix}`);
      // Without ge/le only the exact length matches; ge alone opens up to the maximum.
      const ge = e.ge ?? p.len;
      const le = e.le ?? (e.ge !== undefined ? max : p.len);
      if (ge < p.len || le < ge || le > max) throw new RangeError(`prefix list: bad ge/le on ${e.prefix}`);
      return { permit: e.action === 'permit', p, ge, le };
    });
  }

  /** True when the first matching entry permits the prefix. */
  permits(ix: PrefixIndex, id: PrefixId): boolean {
    const len = ix.len(id);
    for (const e of this.entries) {
      if (len < e.ge || len > e.le || !covers(e.p, ix, id)) continue;
      return e.permit;
    }
    return false;
  }
}

/** Is prefix `id` inside `outer` (same leading outer.len bits)? */
function covers(outer: PrefixValue, ix: PrefixIndex, id: PrefixId): boolean {
  for (let i = 0, bits = outer.len; bits > 0; i++, bits -= 32) {
    if (mask32(ix.word(id, i), bits) !== mask32(outer.words[i], bits)) return false;
  }
  return true;
}

export interface PolicyMatch {
  readonly prefixList?: PrefixList;
  /** Matches when the set carries any of these communities (uint32 high:low). */
  readonly anyCommunity?: readonly number[];
}

export interface PolicyTerm {
  readonly match?: PolicyMatch;
  /** 'next': apply the rewrites and continue with the next term. */
  readonly action: 'accept' | 'reject' | 'next';
  readonly setCommunities?: readonly number[];
  readonly addCommunities?: readonly number[];
  readonly deleteCommunities?: readonly number[];
  readonly setLocalPref?: number;
  readonly setMed?: number;
}

const hasRewrite = (t: PolicyTerm): boolean =>
  t.setCommunities !== undefined ||
  t.addCommunities !== undefined ||
  t.deleteCommunities !== undefined ||
  t.setLocalPref !== undefined ||
  t.setMed !== undefined;

/** One term's community rewrite: set replaces, then add (no duplicates), then delete. */
export function rewriteCommunities(cur: readonly number[] | undefined, t: PolicyTerm): number[] {
  let comms = t.setCommunities ? [...t.setCommunities] : [...(cur ?? [])];
  if (t.addCommunities) for (const c of t.addCommunities) if (!comms.includes(c)) comms.push(c);
  if (t.deleteCommunities) comms = comms.filter((c) => !t.deleteCommunities?.includes(c));
  return comms;
}

const touchesCommunities = (t: PolicyTerm): boolean =>
  t.setCommunities !== undefined || t.addCommunities !== undefined || t.deleteCommunities !== undefined;

/** Applies one term's rewrites to plain attributes. */
export function rewrite(a: RouteAttrs, t: PolicyTerm): RouteAttrs {
  const comms = rewriteCommunities(a.communities, t);
  const { id: _i, key: _k, asPathLength: _l, neighborAs: _n, ...plain } = a as AttrSet;
  return {
    ...plain,
    communities: comms.length > 0 ? comms : undefined,
    localPref: t.setLocalPref ?? a.localPref,
    med: t.setMed ?? a.med,
  };
}

/**
 * An ordered list of terms; the first accept/reject ends it, falling off the end takes
 * `defaultAction`. Results of rewrites are cached per (input set, terms taken).
 */
export class Policy {
  private readonly cache = new WeakMap<AttrSet, Map<string, AttrSet>>();
  /** Per term: does a later term match on communities (then its rewrite must be tracked)? */
  private readonly commsMatchedLater: boolean[];

  constructor(
    private readonly store: AttrStore,
    private readonly terms: readonly PolicyTerm[],
    private readonly defaultAction: 'accept' | 'reject' = 'accept',
    /** Names the policy where it is part of an update group's signature. */
    readonly name = '',
  ) {
    this.commsMatchedLater = terms.map((_, i) => terms.slice(i + 1).some((t) => t.match?.anyCommunity !== undefined));
  }

  /** The set to use for this prefix, or undefined when rejected. */
  apply(ix: PrefixIndex, id: PrefixId, attrs: AttrSet): AttrSet | undefined {
    let taken = '';
    let accept = this.defaultAction === 'accept';
    // Later terms match on the communities as earlier `next` terms left them (a route tagged
    // by one term can be picked by the next); only the final set is interned.
    let comms: readonly number[] | undefined = attrs.communities;
    for (let i = 0; i < this.terms.length; i++) {
      const t = this.terms[i];
      if (!this.matches(t.match, ix, id, comms)) continue;
      if (t.action === 'reject') return undefined;
      if (hasRewrite(t)) taken += `${i},`;
      if (this.commsMatchedLater[i] && touchesCommunities(t)) comms = rewriteCommunities(comms, t);
      if (t.action === 'accept') {
        accept = true;
        break;
      }
    }
    if (!accept) return undefined;
    return taken === '' ? attrs : this.rewritten(attrs, taken);
  }

  /** This policy as a Rib import filter. */
  asImportFilter(): (peer: PeerInfo, ix: PrefixIndex, id: PrefixId, attrs: AttrSet) => AttrSet | undefined {
    return (_peer, ix, id, attrs) => this.apply(ix, id, attrs);
  }

  private matches(
    m: PolicyMatch | undefined,
    ix: PrefixIndex,
    id: PrefixId,
    comms: readonly number[] | undefined,
  ): boolean {
    if (!m) return true;
    if (m.prefixList && !m.prefixList.permits(ix, id)) return false;
    if (m.anyCommunity && !m.anyCommunity.some((c) => comms?.includes(c))) return false;
    return true;
  }

  private rewritten(attrs: AttrSet, taken: string): AttrSet {
    let byTerms = this.cache.get(attrs);
    if (!byTerms) {
      byTerms = new Map();
      this.cache.set(attrs, byTerms);
    }
    const hit = byTerms.get(taken);
    // A cached result the store has since forgotten must be interned again.
    if (hit && this.store.isLive(hit)) return hit;
    let a: RouteAttrs = attrs;
    for (const i of taken.split(',')) if (i !== '') a = rewrite(a, this.terms[Number(i)]);
    const out = this.store.intern(a);
    byTerms.set(taken, out);
    return out;
  }
}

/** Runs filters in order; the first to drop a path ends it. */
export function chainFilters<F extends (p: PeerInfo, ix: PrefixIndex, id: PrefixId, a: AttrSet) => AttrSet | undefined>(
  ...filters: F[]
): (p: PeerInfo, ix: PrefixIndex, id: PrefixId, a: AttrSet) => AttrSet | undefined {
  return (p, ix, id, a) => {
    let cur: AttrSet | undefined = a;
    for (const f of filters) {
      cur = f(p, ix, id, cur);
      if (!cur) return undefined;
    }
    return cur;
  };
}
