// Names of a workload's parts: the endpoint ID (the WorkloadEndpoint's name, contract 7:
// NODE.WORKLOAD.IFACE), the host side of its veth (a prefix and a hash of the endpoint ID, as
// Calico's `cali` + 11 hex, so it is stable, unique per endpoint and within IFNAMSIZ), and the
// checks on names that end up as file names (/run/netns/NAME) or interface names.
import { createHash } from 'node:crypto';

/** Host-side interface prefix: `vr` + 11 hex digits = 13 characters (Linux allows 15). */
export const HOST_IF_PREFIX = 'vr';

/** The host-side veth name of an endpoint: the same for every run, different per endpoint. */
export function hostInterfaceName(endpointId: string): string {
  return HOST_IF_PREFIX + createHash('sha256').update(endpointId).digest('hex').slice(0, 11);
}

/**
 * The workload side's MAC, derived from the endpoint ID: locally administered (bit 1 of the
 * first octet set) and unicast (bit 0 clear), IEEE 802 section 8.2. Deriving it saves reading
 * it back from the kernel, and CHECK can compare against it.
 */
export function workloadMac(endpointId: string): string {
  const h = createHash('sha256').update(`mac:${endpointId}`).digest();
  h[0] = (h[0]! & 0xfc) | 0x02;
  return [...h.subarray(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/**
 * The host side's MAC, Calico's fixed ee:ee:ee:ee:ee:ee: the workload only ever talks to the
 * host (169.254.1.1 answered by proxy ARP), so every host side may share it; the IPv6 default
 * route goes to its EUI-64 link-local address (RFC 4291 2.5.1).
 */
export const HOST_MAC = 'ee:ee:ee:ee:ee:ee';
export const HOST_LINK_LOCAL = 'fe80::ecee:eeff:feee:eeee';
/** The IPv4 next hop every workload routes through (Calico's), answered by the host's proxy ARP. */
export const GATEWAY_V4 = '169.254.1.1';

export function endpointId(node: string, workload: string, ifname: string): string {
  return `${node}.${workload}.${ifname}`;
}

/** Workload (network namespace) names: a file under /run/netns and part of the endpoint ID. */
export const WORKLOAD_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** Interface names inside the workload: Linux IFNAMSIZ is 16 with the NUL; kept to safe characters. */
export const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
/** Node names as they appear in endpoint IDs and `node:NAME` affinities. */
export const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** Profile names (also their tags): as the datastore's rule for Profile names. */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,252}$/;
