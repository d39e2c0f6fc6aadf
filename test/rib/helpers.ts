// Small builders for RIB tests.
import { AttrStore, type RouteAttrs, SegmentType } from '../../src/rib/attrs';
import { type PeerConfig, PeerTable } from '../../src/rib/peer';
import { parseIpv4 } from '../../src/net';
import { nh } from '../helpers/addr';

export const LOCAL_AS = 65000;

export function ip(a: string): number {
  const w = parseIpv4(a);
  if (w === undefined) throw new Error(`bad address ${a}`);
  return w;
}

export function attrs(over: Partial<RouteAttrs> = {}): RouteAttrs {
  return { origin: 0, asPath: [], nextHop: nh('192.0.2.1'), ...over };
}

export function seq(...asns: number[]) {
  return [{ type: SegmentType.AsSequence, asns }];
}

export function ibgp(address: string, extra: Partial<PeerConfig> = {}): PeerConfig {
  return { address, asn: LOCAL_AS, localAsn: LOCAL_AS, routerId: ip(address), ...extra };
}

export function ebgp(address: string, asn: number, extra: Partial<PeerConfig> = {}): PeerConfig {
  return { address, asn, localAsn: LOCAL_AS, routerId: ip(address), ...extra };
}

export function setup() {
  return { store: new AttrStore(), peers: new PeerTable() };
}
