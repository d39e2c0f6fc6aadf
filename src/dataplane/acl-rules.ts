// Profile rules (contract 7) as nftables rule text, and the fixed chains around them. Pure
// functions: a rule becomes one nft rule per address family it can match (a tag stands for
// an IPv4 and an IPv6 set, and `ip saddr` matches IPv4 packets only), in the rule's order.
import { type PortRange, type Profile, type Rule, ruleFamily } from './model';
import {
  CHAIN_WL_TO_HOST,
  MAP_FROM_EP,
  MAP_TO_EP,
  SET_EP_IFACES,
  listChainOf,
  listHash,
  profileChain,
  ruleHash,
  tagSet,
} from './names';

/** One rule of ours: its nft text (without comment) and its chained hash. */
export interface RuleLine {
  text: string;
  hash: string;
}

export interface ChainSpec {
  name: string;
  /** For base chains: `type filter hook forward priority 0; policy accept;`. */
  base?: BaseHook;
  rules: RuleLine[];
}

export interface BaseHook {
  hook: 'forward' | 'input';
  priority: number;
}

const PROTO_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'ipv6-icmp' };

function ports(list: PortRange[]): string {
  const items = list.map((p) => (p.lo === p.hi ? String(p.lo) : `${p.lo}-${p.hi}`));
  return items.length === 1 ? items[0]! : `{ ${items.join(', ')} }`;
}

/** The nft text of one rule for one family (undefined: both families in one rule). */
function ruleText(r: Rule, fam: 4 | 6 | undefined): string {
  const parts: string[] = [];
  const ipk = fam === 6 ? 'ip6' : 'ip';
  if (r.srcNet) parts.push(`${ipk} saddr ${r.srcNet.text}`);
  if (r.srcTag !== undefined) parts.push(`${ipk} saddr @${tagSet(fam ?? 4, r.srcTag)}`);
  if (r.dstNet) parts.push(`${ipk} daddr ${r.dstNet.text}`);
  const proto = r.protocol;
  if (proto !== undefined) {
    const name = PROTO_NAMES[proto] ?? String(proto);
    const l4 = proto === 6 ? 'tcp' : proto === 17 ? 'udp' : undefined;
    if (l4 && (r.srcPorts || r.dstPorts)) {
      // `tcp dport` carries its own protocol check; `meta l4proto` would only repeat it.
      if (r.srcPorts) parts.push(`${l4} sport ${ports(r.srcPorts)}`);
      if (r.dstPorts) parts.push(`${l4} dport ${ports(r.dstPorts)}`);
    } else if (r.icmpType !== undefined) {
      parts.push(proto === 58 ? `icmpv6 type ${r.icmpType}` : `icmp type ${r.icmpType}`);
    } else {
      parts.push(`meta l4proto ${name}`);
    }
  }
  parts.push(r.action === 'allow' ? 'accept' : 'drop');
  return parts.join(' ');
}

/** One rule as nft texts: two when it may match both families and names a tag. */
export function compileRule(r: Rule): string[] {
  const fam = ruleFamily(r);
  if (fam === null) return [];
  if (fam === undefined && r.srcTag !== undefined) return [ruleText(r, 4), ruleText(r, 6)];
  return [ruleText(r, fam)];
}

/** Gives each text its chained hash (names.ruleHash). */
export function chainOf(name: string, texts: string[], base?: BaseHook): ChainSpec {
  let prev = '';
  const rules = texts.map((text) => {
    prev = ruleHash(name, prev, text);
    return { text, hash: prev };
  });
  return { name, base, rules };
}

/**
 * A profile's two chains. An allow rule accepts (ending this base chain, so the packet goes on
 * to the next one: the destination endpoint's inbound check); a deny drops; no match returns
 * to the profile-list chain, which tries its next profile. A profile with a bad rule drops all.
 */
export function profileChains(p: Profile | undefined, name: string): ChainSpec[] {
  return (['in', 'out'] as const).map((dir) => {
    const rules = p ? (dir === 'in' ? p.inbound : p.outbound) : [];
    const texts = p?.error ? ['drop'] : rules.flatMap(compileRule);
    return chainOf(profileChain(dir, name), texts);
  });
}

/** The tags a profile's rules name (their sets must exist while the profile is in use). */
export function profileTags(p: Profile | undefined): string[] {
  if (!p || p.error) return [];
  return [...new Set([...p.inbound, ...p.outbound].flatMap((r) => (r.srcTag === undefined ? [] : [r.srcTag])))];
}

/** A profile list's chains: the profiles in order, then deny (no match, or no profile). */
export function listChains(profiles: readonly string[], hash = listHash(profiles)): ChainSpec[] {
  return (['in', 'out'] as const).map((dir) =>
    chainOf(listChainOf(dir, hash), [...profiles.map((p) => `jump ${profileChain(dir, p)}`), 'drop']),
  );
}

export type HostAccess = 'deny' | 'allow';

/**
 * The fixed chains. Two forward base chains at successive priorities: the first runs the
 * sending endpoint's outbound chain, the second the receiving endpoint's inbound chain; an
 * `accept` ends only the chain it is in, so traffic between two local workloads passes both
 * checks. Replies of allowed flows pass first (conntrack), invalid packets never.
 */
export function fixedChains(hostAccess: HostAccess): ChainSpec[] {
  const ct = 'ct state established,related accept';
  // Invalid packets are dropped only on workload interfaces: the host's own routed traffic
  // (asymmetric paths included) is none of our business.
  const invalid = (dir: 'iifname' | 'oifname'): string => `${dir} @${SET_EP_IFACES} ct state invalid drop`;
  // What a workload needs from its host whatever the policy: DHCP (RFC 2131 4.1 client port
  // 68 to server 67; RFC 8415 7.2 server port 547) and NDP (RFC 4861 4: router and neighbour
  // solicitations and advertisements). ARP is not IP and never reaches an inet table.
  const needs = [
    'udp sport 68 udp dport 67 accept',
    'udp dport 547 accept',
    'icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } accept',
  ];
  return [
    chainOf('fwd-from-ep', [ct, invalid('iifname'), `iifname vmap @${MAP_FROM_EP}`], { hook: 'forward', priority: 0 }),
    chainOf('fwd-to-ep', [ct, invalid('oifname'), `oifname vmap @${MAP_TO_EP}`], { hook: 'forward', priority: 1 }),
    chainOf('in-from-ep', [`iifname @${SET_EP_IFACES} jump ${CHAIN_WL_TO_HOST}`], { hook: 'input', priority: 0 }),
    chainOf(CHAIN_WL_TO_HOST, [ct, 'ct state invalid drop', ...needs, hostAccess === 'allow' ? 'accept' : 'drop']),
  ];
}
