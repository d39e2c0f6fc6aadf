// Desired ACL state, kept incrementally: each datastore change touches only what depends on
// it. A local endpoint's change moves its map entries to the chains of its profile list (made
// when the first endpoint with that list appears, deleted with the last); a profile's change,
// its two chains; a workload joining a profile anywhere adds its addresses to that tag's sets
// (one element each), never touching a chain. Tag sets exist while a profile in use by a
// local endpoint names the tag, profile chains while a local endpoint uses the profile.
import { type ChainSpec, type HostAccess, fixedChains, listChains, profileChains, profileTags } from './acl-rules';
import { DeltaTracker, ElementTracker } from './delta';
import type { Endpoint, Profile } from './model';
import type { KernelChain } from './nft-kernel';
import { MAP_FROM_EP, MAP_TO_EP, SET_EP_IFACES, listChainOf, listHash, profileChain, tagSet } from './names';

export function baseKey(c: ChainSpec): string | undefined {
  return c.base ? `${c.base.hook}:${c.base.priority}:accept` : undefined;
}

function chainInSync(d: ChainSpec, k: KernelChain): boolean {
  if (baseKey(d) !== k.base || d.rules.length !== k.ours.length) return false;
  for (let i = 0; i < d.rules.length; i++) if (d.rules[i]!.hash !== k.ours[i]!.hash) return false;
  return true;
}

/** The four trackers the nftables applier programs. */
export interface AclTrackers {
  chains: DeltaTracker<ChainSpec, KernelChain>;
  /** Sets and maps: name -> type (`ipv4_addr`, `ifname`, `map:ifname`). */
  sets: DeltaTracker<string>;
  /** Set -> element. */
  elements: ElementTracker<true>;
  /** Map -> ifname -> verdict. */
  mapElements: ElementTracker<string>;
  /** Whether our table is known to exist in the kernel (it is made even when empty). */
  table: { exists: boolean };
}

interface ListNames {
  hash: string;
  chainIn: string;
  chainOut: string;
  /** The map verdicts (`goto pl-in-HASH`), one string shared by every endpoint of the list. */
  gotoIn: string;
  gotoOut: string;
  uses: number;
}

/** The list without repeats; the list itself when it has none (the usual case: no copy). */
function unique(list: readonly string[]): readonly string[] {
  for (let i = 1; i < list.length; i++) if (list.lastIndexOf(list[i]!, i - 1) >= 0) return [...new Set(list)];
  return list;
}

function counter<K>(m: Map<K, number>, k: K, d: 1 | -1): number {
  const n = (m.get(k) ?? 0) + d;
  if (n <= 0) m.delete(k);
  else m.set(k, n);
  return n;
}

export class DesiredAcl {
  readonly t: AclTrackers = {
    chains: new DeltaTracker(chainInSync),
    sets: new DeltaTracker((a, b) => a === b),
    elements: new ElementTracker(() => true),
    mapElements: new ElementTracker((a, b) => a === b),
    table: { exists: false },
  };
  private readonly local = new Map<string, Endpoint>();
  private readonly profiles = new Map<string, Profile>();
  /** Per profile list (`\0`-joined): its chains, verdicts and local endpoints using it. */
  private readonly listNames = new Map<string, ListNames>();
  /** Local endpoints using each profile. */
  private readonly profileUse = new Map<string, number>();
  /** Tags named by the profiles in use (one count per profile naming it). */
  private readonly tagUse = new Map<string, number>();
  /** The tags each in-use profile was counted for (to undo exactly that). */
  private readonly countedTags = new Map<string, string[]>();
  /** Every endpoint (all nodes) by tag: its addresses are that tag's members. */
  private readonly members = new Map<string, Map<string, Endpoint>>();
  /** Endpoints by name (all nodes), to undo their membership on change. */
  private readonly all = new Map<string, Endpoint>();
  /** Element refcounts per set (two endpoints may briefly claim one address during a move). */
  private readonly elemRefs = new Map<string, Map<string, number>>();

  constructor(private readonly hostAccess: HostAccess = 'deny') {}

  /**
   * The base chains, maps and interface set exist while there is a local endpoint: a node
   * without workloads has an empty table of ours and no hook in its packet path (contract 6).
   */
  private fixed(d: 1 | -1): void {
    for (const c of fixedChains(this.hostAccess)) {
      if (d === 1) this.t.chains.setDesired(c.name, c);
      else this.t.chains.deleteDesired(c.name);
    }
    for (const [name, type] of [
      [MAP_FROM_EP, 'map:ifname'],
      [MAP_TO_EP, 'map:ifname'],
      [SET_EP_IFACES, 'ifname'],
    ] as const) {
      if (d === 1) this.t.sets.setDesired(name, type);
      else this.t.sets.deleteDesired(name);
    }
  }

  /** An endpoint (any node) was written (ep) or deleted (undefined); `local` if it is ours. */
  setEndpoint(name: string, ep: Endpoint | undefined, local: boolean): void {
    const old = this.all.get(name);
    if (old) this.membership(old, -1);
    if (ep) {
      this.all.set(name, ep);
      this.membership(ep, 1);
    } else this.all.delete(name);
    const oldLocal = this.local.get(name);
    if (oldLocal) this.localEndpoint(oldLocal, -1);
    const before = this.local.size;
    if (ep && local && ep.ifname) {
      this.local.set(name, ep);
      this.localEndpoint(ep, 1);
    } else this.local.delete(name);
    if (before === 0 && this.local.size > 0) this.fixed(1);
    if (before > 0 && this.local.size === 0) this.fixed(-1);
  }

  setProfile(name: string, p: Profile | undefined): void {
    const inUse = this.profileUse.has(name);
    if (inUse) this.profileInUse(name, -1);
    if (p) this.profiles.set(name, p);
    else this.profiles.delete(name);
    if (inUse) this.profileInUse(name, 1);
  }

  localEndpoints(): IterableIterator<Endpoint> {
    return this.local.values();
  }

  profile(name: string): Profile | undefined {
    return this.profiles.get(name);
  }

  /** A profile list's chain names and map verdicts (hashed once per list). */
  private listNamesOf(profiles: readonly string[], key = profiles.join('\0')): ListNames {
    let names = this.listNames.get(key);
    if (!names) {
      const hash = listHash(profiles);
      const chainIn = listChainOf('in', hash),
        chainOut = listChainOf('out', hash);
      names = { hash, chainIn, chainOut, gotoIn: `goto ${chainIn}`, gotoOut: `goto ${chainOut}`, uses: 0 };
      this.listNames.set(key, names);
    }
    return names;
  }

  /**
   * Whether anything an endpoint's traffic goes through is not (yet) in the kernel: its map
   * entries, its list's chains or its profiles' chains (to name it in an ACL failure).
   */
  endpointPending(ep: Endpoint): boolean {
    const c = this.t.chains.pendingUpdates,
      m = this.t.mapElements;
    if (m.pending(MAP_TO_EP, ep.ifname) || m.pending(MAP_FROM_EP, ep.ifname)) return true;
    const l = this.listNamesOf(ep.profiles);
    if (c.has(l.chainIn) || c.has(l.chainOut)) return true;
    return ep.profiles.some((p) => c.has(profileChain('in', p)) || c.has(profileChain('out', p)));
  }

  private localEndpoint(ep: Endpoint, d: 1 | -1): void {
    const listKey = ep.profiles.join('\0');
    const l = this.listNamesOf(ep.profiles, listKey);
    const uses = (l.uses += d);
    if (d === 1) {
      if (uses === 1) for (const c of listChains(ep.profiles, l.hash)) this.t.chains.setDesired(c.name, c);
      this.t.mapElements.setDesired(MAP_TO_EP, ep.ifname, l.gotoIn);
      this.t.mapElements.setDesired(MAP_FROM_EP, ep.ifname, l.gotoOut);
      this.t.elements.setDesired(SET_EP_IFACES, ep.ifname, true);
    } else {
      if (uses === 0) {
        this.t.chains.deleteDesired(l.chainIn);
        this.t.chains.deleteDesired(l.chainOut);
        this.listNames.delete(listKey);
      }
      this.t.mapElements.deleteDesired(MAP_TO_EP, ep.ifname);
      this.t.mapElements.deleteDesired(MAP_FROM_EP, ep.ifname);
      this.t.elements.deleteDesired(SET_EP_IFACES, ep.ifname);
    }
    for (const p of unique(ep.profiles)) {
      const n = counter(this.profileUse, p, d);
      if (d === 1 && n === 1) this.profileInUse(p, 1);
      if (d === -1 && n === 0) this.profileInUse(p, -1, true);
    }
  }

  /** A profile starts (1) or stops (-1) being used locally, or is re-read while in use. */
  private profileInUse(name: string, d: 1 | -1, gone = false): void {
    const chains = profileChains(this.profiles.get(name), name);
    if (d === 1) {
      for (const c of chains) this.t.chains.setDesired(c.name, c);
      const tags = profileTags(this.profiles.get(name));
      this.countedTags.set(name, tags);
      for (const tag of tags) if (counter(this.tagUse, tag, 1) === 1) this.tagSets(tag, 1);
    } else {
      if (gone) for (const c of chains) this.t.chains.deleteDesired(c.name);
      for (const tag of this.countedTags.get(name) ?? [])
        if (counter(this.tagUse, tag, -1) === 0) this.tagSets(tag, -1);
      this.countedTags.delete(name);
    }
  }

  private tagSets(tag: string, d: 1 | -1): void {
    for (const fam of [4, 6] as const) {
      const set = tagSet(fam, tag);
      if (d === 1) this.t.sets.setDesired(set, fam === 4 ? 'ipv4_addr' : 'ipv6_addr');
      else this.t.sets.deleteDesired(set);
    }
    for (const ep of this.members.get(tag)?.values() ?? []) this.elements(tag, ep, d);
  }

  private membership(ep: Endpoint, d: 1 | -1): void {
    for (const tag of unique(ep.profiles)) {
      let m = this.members.get(tag);
      if (d === 1) {
        if (!m) this.members.set(tag, (m = new Map()));
        m.set(ep.name, ep);
      } else {
        m?.delete(ep.name);
        if (m?.size === 0) this.members.delete(tag);
      }
      if (this.tagUse.has(tag)) this.elements(tag, ep, d);
    }
  }

  /** The two set names of each tag (not rebuilt for every member). */
  private readonly tagSetNames = new Map<string, [string, string]>();

  private elements(tag: string, ep: Endpoint, d: 1 | -1): void {
    let sets = this.tagSetNames.get(tag);
    if (!sets) this.tagSetNames.set(tag, (sets = [tagSet(4, tag), tagSet(6, tag)]));
    for (const a of ep.v4) this.element(sets[0], a, d);
    for (const a of ep.v6) this.element(sets[1], a, d);
  }

  private element(set: string, addr: string, d: 1 | -1): void {
    let refs = this.elemRefs.get(set);
    if (!refs) this.elemRefs.set(set, (refs = new Map()));
    const n = counter(refs, addr, d);
    if (refs.size === 0) this.elemRefs.delete(set);
    if (d === 1 && n === 1) this.t.elements.setDesired(set, addr, true);
    if (d === -1 && n === 0) this.t.elements.deleteDesired(set, addr);
  }
}
