// Resource documents (contract 5): calicoctl-shaped `apiVersion/kind/metadata/spec`, one
// key per resource at /vroute/v1/<kind lowercase>/<name>, the whole document as JSON.
export const API_VERSION = 'vroute/v1';
export const ROOT = '/vroute/v1/';

export interface Metadata {
  name: string;
  labels?: Record<string, string>;
  /** Filled on read: the store's mod revision, for compare-and-swap updates. */
  resourceVersion?: number;
}

export interface Resource<S = Record<string, unknown>> {
  apiVersion: string;
  kind: Kind;
  metadata: Metadata;
  spec: S;
}

export type Kind =
  | 'BGPConfiguration'
  | 'Node'
  | 'BGPPeer'
  | 'IPPool'
  | 'IPAMBlock'
  | 'WorkloadEndpoint'
  | 'Profile'
  | 'Policy';

export const KINDS: Record<Kind, { key: string; aliases: string[] }> = {
  BGPConfiguration: { key: 'bgpconfig', aliases: ['bgpconfiguration', 'bgpconfigurations', 'bgpconfig', 'bgpconfigs'] },
  Node: { key: 'node', aliases: ['node', 'nodes'] },
  BGPPeer: { key: 'bgppeer', aliases: ['bgppeer', 'bgppeers'] },
  IPPool: { key: 'ippool', aliases: ['ippool', 'ippools', 'pool', 'pools'] },
  IPAMBlock: { key: 'ipamblock', aliases: ['ipamblock', 'ipamblocks', 'block', 'blocks'] },
  WorkloadEndpoint: { key: 'workloadendpoint', aliases: ['workloadendpoint', 'workloadendpoints', 'wep', 'weps'] },
  Profile: { key: 'profile', aliases: ['profile', 'profiles'] },
  Policy: { key: 'policy', aliases: ['policy', 'policies'] },
};

/** Kind names are case-insensitive (`BGPPeer`, `bgppeer`, plurals too); undefined if unknown. */
export function kindOf(text: string): Kind | undefined {
  const t = text.toLowerCase();
  for (const [k, v] of Object.entries(KINDS) as [Kind, (typeof KINDS)[Kind]][]) {
    if (k.toLowerCase() === t || v.aliases.includes(t)) return k;
  }
  return undefined;
}

export function kindPrefix(kind: Kind): string {
  return `${ROOT}${KINDS[kind].key}/`;
}

export function resourceKey(kind: Kind, name: string): string {
  return kindPrefix(kind) + name;
}

/** An IPAM block's name: its CIDR with `.`, `:` and `/` turned into `-` (contract 5). */
export function blockName(cidr: string): string {
  return cidr.replace(/[.:/]/g, '-');
}

export interface BGPConfigurationSpec {
  asNumber?: number;
  nodeToNodeMesh?: boolean;
  listenPort?: number;
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  communities?: string[];
}

export interface NodeSpec {
  bgp?: { ipv4Address?: string; ipv6Address?: string; asNumber?: number; routeReflectorClusterID?: string };
}

export interface BGPPeerSpec {
  peerIP: string;
  asNumber: number;
  node?: string;
  nodeSelector?: string;
  peerSelector?: string;
  /** RFC 2385 TCP-MD5 key for the session. */
  password?: string;
  /** RFC 5082 GTSM: the peer is at most this many hops away (1..254). */
  ttlSecurity?: number;
  /** Our source address for the session (contract 2). */
  localAddress?: string;
  holdTime?: number;
  keepaliveTime?: number;
  maxPrefixes?: number;
  routeReflectorClient?: boolean;
  passive?: boolean;
  /** The TCP port the peer listens on (default 179, the IANA BGP port). */
  port?: number;
}

export interface IPPoolSpec {
  cidr: string;
  blockSize: number;
  disabled: boolean;
}

export interface IPAMBlockSpec {
  cidr: string;
  /** `node:NAME` or null (a block no node holds). */
  affinity: string | null;
  /** Allocated address -> handle (who holds it). */
  allocations: Record<string, string>;
}

export interface WorkloadEndpointSpec {
  node: string;
  workload?: string;
  interfaceName?: string;
  ipNetworks: string[];
  profiles?: string[];
  mac?: string;
}
