// What the tests' BGP clients send: the OPEN a raw socket client opens with (AS 65000, IPv4
// unicast, 4-octet AS: RFC 4760 and RFC 6793 capabilities), and announcements written on a
// vroute Peer in the context its session negotiated.
import type { Peer } from '../../src/bgp/fsm';
import {
  CapabilityCode,
  IPV4_UNICAST,
  encodeOpen,
  makeOpen,
  packAnnouncements,
  parsePrefix,
  type Capability,
} from '../../src/bgp/messages';
import { ip4 } from './addr';

/** An encoded OPEN of AS 65000 for IPv4 unicast with 4-octet AS, plus `more` capabilities. */
export function rawOpen(bgpId: number, holdTime: number, more: readonly Capability[] = []): Uint8Array {
  return encodeOpen(
    makeOpen({
      asn: 65000,
      holdTime,
      bgpId,
      capabilities: [
        { kind: 'multiprotocol', code: CapabilityCode.Multiprotocol, afi: 1, safi: 1 },
        { kind: 'four-octet-as', code: CapabilityCode.FourOctetAs, asn: 65000 },
        ...more,
      ],
    }),
  );
}

/** Announces `prefixes` (IPv4 unicast, ORIGIN IGP, LOCAL_PREF 100, `extra` attributes) on an Established peer. */
export function announce(p: Peer, prefixes: string[], nextHop: string, extra: Record<string, unknown> = {}): void {
  const attrs = { origin: 0, asPath: [], nextHop: ip4(nextHop), localPref: 100, ...extra } as Parameters<
    typeof packAnnouncements
  >[0];
  for (const m of packAnnouncements(
    attrs,
    IPV4_UNICAST,
    prefixes.map((x) => parsePrefix(x)!),
    p.negotiated!.tx,
  ))
    p.write(m);
}
