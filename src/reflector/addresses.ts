// The addresses a reflector registers in the datastore (contract 4: /vroute/v1/reflector/NAME,
// `addresses`), which node agents with the mesh off peer with (contract 6): one IPv4 and, when
// the reflector has one, one IPv6 address, so dual-stack nodes carry ipv6-unicast over an IPv6
// session as Calico's BIRD6 did. Never the listener's wildcard: nobody can connect to it.
import type { DaemonConfig } from '../config';

/**
 * `reflector.advertiseAddress`, else the router ID; plus `reflector.advertiseAddress6`, else
 * `listen.address` when that is a specific IPv6 address (a `::` listener says nothing about
 * which IPv6 address is ours: set advertiseAddress6 then).
 */
export function registeredAddresses(cfg: Pick<DaemonConfig, 'routerId' | 'listen' | 'reflector'>): string[] {
  const first = cfg.reflector?.advertiseAddress ?? cfg.routerId;
  if (first.includes(':')) return [first];
  const listen = cfg.listen?.address;
  const v6 =
    cfg.reflector?.advertiseAddress6 ??
    (listen !== undefined && listen.includes(':') && !isWildcard6(listen) ? listen : undefined);
  return v6 === undefined ? [first] : [first, v6];
}

function isWildcard6(a: string): boolean {
  return /^[0:]+$/.test(a);
}
