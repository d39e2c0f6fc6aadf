// Which next hops are on a connected network: the prefixes of the addresses on interfaces
// that are up (RTM_GETADDR + RTM_GETLINK). A gateway must lie in one of them (or be an IPv6
// link-local address with its interface given) for the kernel to accept it without a
// recursive lookup (fib_check_nh / ip6_validate_gw): BGP next hops of a fabric are
// neighbours, and one that is not is held back rather than installed through whatever route
// happens to cover it.
import {
  AF_INET,
  AF_INET6,
  formatInetAddr,
  isLinkLocal6,
  parseInetAddr,
  prefixCovers,
  type NlAddr,
  type NlLink,
} from '../../sys';

/** A next hop in kernel form, with the interface it leaves by. */
export interface ResolvedHop {
  readonly family: number;
  readonly gateway: Uint8Array;
  readonly ifindex: number;
  /** Canonical text of the gateway. */
  readonly text: string;
}

/** Why a next hop is not usable: bad text (an input error) or not (yet) on a connected network. */
export type HopProblem =
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'unreachable'; readonly reason: string };

export class ConnectedNetworks {
  private addrs: NlAddr[] = [];
  private up = new Set<number>();
  /** Interface name -> ifindex, for device routes (a workload's host-side veth). */
  private names = new Map<string, number>();
  /** Names device routes asked for: a change of one of these is a change of answer. */
  private readonly askedNames = new Set<string>();
  private readonly cache = new Map<string, ResolvedHop | HopProblem>();

  /** Replaces the view with fresh dumps; returns true when any cached answer changed. */
  update(links: readonly NlLink[], addrs: readonly NlAddr[]): boolean {
    this.up = new Set(links.filter((l) => (l.flags & 1) !== 0).map((l) => l.ifindex)); // IFF_UP
    this.addrs = addrs.filter(
      (a) => (a.family === AF_INET && a.address.length === 4) || (a.family === AF_INET6 && a.address.length === 16),
    );
    const names = new Map(links.map((l) => [l.name, l.ifindex]));
    let changed = false;
    // A veth deleted and made again gets a new ifindex: its device routes must follow.
    for (const n of this.askedNames) if (names.get(n) !== this.names.get(n)) changed = true;
    this.names = names;
    for (const [k, old] of this.cache) {
      const [gw, ifx] = k.split('%') as [string, string];
      const now = this.compute(gw, ifx === '' ? undefined : Number(ifx));
      if (!sameAnswer(old, now)) changed = true;
      this.cache.set(k, now);
    }
    return changed;
  }

  /** The ifindex of an interface by name, or undefined when there is none. */
  ifindexOf(name: string): number | undefined {
    // Bounded like the cache: names come from endpoints, not from peers, but never grow without limit.
    if (this.askedNames.size >= 65536) this.askedNames.clear();
    this.askedNames.add(name);
    return this.names.get(name);
  }

  /** The next hop in kernel form, or why it cannot be used. Cached per (gateway, ifindex). */
  resolve(gateway: string, ifindex?: number): ResolvedHop | HopProblem {
    const k = `${gateway}%${ifindex ?? ''}`;
    let r = this.cache.get(k);
    if (r === undefined) {
      r = this.compute(gateway, ifindex);
      // Bounded: a peer sending many distinct bad next hops cannot grow this without limit.
      if (this.cache.size >= 65536) this.cache.clear();
      this.cache.set(k, r);
    }
    return r;
  }

  private compute(gateway: string, ifindex?: number): ResolvedHop | HopProblem {
    const a = parseInetAddr(gateway);
    if (!a) return { kind: 'invalid', reason: `next hop "${gateway}" is not an IP address` };
    const text = formatInetAddr(a.bytes);
    if (ifindex !== undefined && (!Number.isInteger(ifindex) || ifindex <= 0)) {
      return { kind: 'invalid', reason: `next hop ${text}: ifindex ${ifindex} is not a positive integer` };
    }
    if (ifindex !== undefined) {
      if (!this.up.has(ifindex))
        return { kind: 'unreachable', reason: `interface ${ifindex} of next hop ${text} is not up` };
      // RFC 4291 2.5.6: a link-local address is on the link it is given with.
      if (isLinkLocal6(a.bytes)) return { family: a.family, gateway: a.bytes, ifindex, text };
      const on = this.addrs.some(
        (x) => x.ifindex === ifindex && x.family === a.family && prefixCovers(x.address, x.prefixLen, a.bytes),
      );
      return on
        ? { family: a.family, gateway: a.bytes, ifindex, text }
        : { kind: 'unreachable', reason: `next hop ${text} is not on a network of interface ${ifindex}` };
    }
    if (isLinkLocal6(a.bytes))
      return { kind: 'invalid', reason: `link-local next hop ${text} needs its interface (ifindex)` };
    for (const x of this.addrs) {
      if (x.family !== a.family || !this.up.has(x.ifindex)) continue;
      if (prefixCovers(x.address, x.prefixLen, a.bytes))
        return { family: a.family, gateway: a.bytes, ifindex: x.ifindex, text };
    }
    return { kind: 'unreachable', reason: `next hop ${text} is not on a connected network` };
  }
}

function sameAnswer(a: ResolvedHop | HopProblem, b: ResolvedHop | HopProblem): boolean {
  if ('kind' in a || 'kind' in b) return 'kind' in a && 'kind' in b && a.kind === b.kind;
  return a.ifindex === b.ifindex;
}
