// Session builders: a config-file neighbor, a dynamic-neighbor range or a datastore BGPPeer
// turned into what a session needs (PeerSessionConfig, for the FSM and socket) and what the
// engine applies to it (SessionSettings: policies, ADD-PATH send, max-prefix). Every role that
// peers (reflector, node) builds its sessions here, so one setting means one thing everywhere.
import { parseFamilyName, type Family } from '../bgp/messages';
import { PrefixSet, type DynamicRange, type PeerSessionConfig } from '../bgp/fsm';
import type { DynamicNeighborConfig, NeighborConfig } from '../config';
import type { EffectivePeer } from '../datastore';
import type { SessionSettings } from './policies';

function families(names: readonly string[]): Family[] {
  return names.map((n) => parseFamilyName(n)!).filter((f) => f !== undefined);
}

export function neighborToSession(n: NeighborConfig): PeerSessionConfig {
  return {
    address: n.address,
    port: n.port,
    asn: n.asn,
    passive: n.passive,
    holdTime: n.holdTime,
    connectRetryTime: n.connectRetryTime,
    families: families(n.families),
    routeReflectorClient: n.routeReflectorClient,
    ...(n.localAddress ? { localAddress: n.localAddress } : {}),
    ...(n.keepaliveTime !== undefined ? { keepaliveTime: n.keepaliveTime } : {}),
    ...(n.addPath ? { addPath: n.addPath } : {}),
    ...(n.maxPrefixes ? { maxPrefixes: n.maxPrefixes } : {}),
    ...(n.password !== undefined ? { password: n.password } : {}),
    ...(n.ttlSecurity !== undefined ? { ttlSecurity: n.ttlSecurity } : {}),
    ...(n.sendHoldTime !== undefined ? { sendHoldTime: n.sendHoldTime } : {}),
  } as PeerSessionConfig;
}

/** A config dynamic-neighbor range as the Speaker takes it (the session's own settings type). */
export function dynamicRange(d: DynamicNeighborConfig): DynamicRange {
  return {
    prefix: d.prefix,
    asn: d.asn,
    holdTime: d.holdTime,
    families: families(d.families),
    routeReflectorClient: d.routeReflectorClient,
    ...(d.maxPeers !== undefined ? { maxPeers: d.maxPeers } : {}),
    ...(d.addPath ? { addPath: d.addPath } : {}),
    ...(d.password !== undefined ? { password: d.password } : {}),
    ...(d.ttlSecurity !== undefined ? { ttlSecurity: d.ttlSecurity } : {}),
    ...(d.sendHoldTime !== undefined ? { sendHoldTime: d.sendHoldTime } : {}),
  };
}

/** What the engine applies per session: policies, ADD-PATH send mode, max-prefix (RFC 4486). */
export function sessionSettings(n: NeighborConfig | DynamicNeighborConfig): SessionSettings {
  return {
    ...(n.importPolicy !== undefined ? { importPolicy: n.importPolicy } : {}),
    ...(n.exportPolicy !== undefined ? { exportPolicy: n.exportPolicy } : {}),
    ...(n.addPathSend !== undefined ? { addPathSend: n.addPathSend } : {}),
    ...(n.maxPrefixes !== undefined ? { maxPrefixes: n.maxPrefixes } : {}),
  };
}

/** The dynamic-neighbor range an address came from: the longest that holds it, as the Speaker matches. */
export function dynamicNeighborOf(
  ranges: readonly DynamicNeighborConfig[],
): (address: string) => DynamicNeighborConfig | undefined {
  const set = new PrefixSet<DynamicNeighborConfig>();
  for (const d of ranges) set.add(d.prefix, d);
  return (address) => set.match(address);
}

export function datastorePeerToSession(p: EffectivePeer): PeerSessionConfig {
  return {
    address: p.peerIP,
    port: p.port ?? 179,
    asn: p.asNumber,
    passive: p.passive,
    // keepaliveTime 0 (no KEEPALIVEs) offers hold time 0 unless one is set (RFC 4271 4.4).
    holdTime: p.holdTime ?? (p.keepaliveTime === 0 ? 0 : 90),
    connectRetryTime: 30,
    families: families(p.peerIP.includes(':') ? ['ipv6-unicast'] : ['ipv4-unicast']),
    routeReflectorClient: p.routeReflectorClient,
    ...(p.keepaliveTime !== undefined ? { keepaliveTime: p.keepaliveTime } : {}),
    ...(p.maxPrefixes ? { maxPrefixes: p.maxPrefixes } : {}),
    ...(p.password !== undefined ? { password: p.password } : {}),
    ...(p.ttlSecurity !== undefined ? { ttlSecurity: p.ttlSecurity } : {}),
    ...(p.localAddress !== undefined ? { localAddress: p.localAddress } : {}),
  } as PeerSessionConfig;
}
