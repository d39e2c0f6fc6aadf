// Which derived peers a node without an IPv6 address leaves out. Mesh peers and reflectors
// come from what others registered: a dual-stack reflector (or node) registers an IPv6
// address beside its IPv4 one, and an IPv4-only node simply peers over IPv4 with it, as a
// Calico node without an IPv6 address runs no BIRD6. A BGPPeer with an IPv6 peerIP that
// selects this node is an operator's explicit ask: that stays an error the agent reports.
import type { EffectivePeer } from '../datastore';

/** Why `p` is left out (logged once by the caller), or undefined when it is configured. */
export function familyNotCarried(
  p: Pick<EffectivePeer, 'peerIP' | 'source'>,
  ip6: string | undefined,
): string | undefined {
  if (ip6 !== undefined || !p.peerIP.includes(':')) return undefined;
  if (p.source.startsWith('mesh/') || p.source.startsWith('reflector/')) {
    return 'an IPv6 address of a mesh node or reflector, and this node has no ip6: peering over IPv4 only';
  }
  return undefined;
}
