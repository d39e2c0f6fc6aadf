// RFC 7606 5.3 / RFC 4760 7, AFI/SAFI disable, over real sessions: a client sends an IPv6
// MP_REACH_NLRI whose NLRI cannot be parsed. Its IPv6 routes go (the other client sees them
// withdrawn), later IPv6 routes from it are ignored, and it is sent no more IPv6 (the routes
// it had from us are withdrawn at it); IPv4 on the same session carries on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  IPV4_UNICAST,
  IPV6_UNICAST,
  packAnnouncements,
  parsePrefix,
  updateToJson,
  type PathAttributes,
  type UpdateMessage,
} from '../../src/bgp/messages';
import { Speaker, type Peer } from '../../src/bgp/fsm';
import { brokenFamilies } from '../../src/routing';
import { silentLogger } from '../../src/observability';
import { apiGet } from '../../src/cli/api-client';
import { clientSession, startTestReflector, waitFor as waitForIn } from '../helpers/reflector';
import { sessionEvents } from '../helpers/sessions';
import { ip4 } from '../helpers/addr';

const waitFor = <T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 10000) =>
  waitForIn<T>(what, probe, ms, 25);

/** The keys of an UPDATE's contract-1 JSON (updateToJson) these checks read. */
interface Json {
  nlri?: string[];
  withdrawn?: string[];
  attributes?: { mpReach?: { nlri?: string[] }; mpUnreach?: { withdrawn?: string[] } };
}

function client(addr: string, rrPort: number): { speaker: Speaker; peer: Peer; got: Json[] } {
  const speaker = new Speaker({ asn: 65000, routerId: addr, logger: silentLogger });
  const peer = speaker.addPeer(clientSession(addr, rrPort, { families: [IPV4_UNICAST, IPV6_UNICAST] }));
  const got: Json[] = [];
  sessionEvents(peer).on('update', (u: UpdateMessage) => got.push(updateToJson(u) as Json));
  return { speaker, peer, got };
}

const announced = (got: Json[], p: string) =>
  got.some((u) => (u.nlri ?? u.attributes?.mpReach?.nlri ?? []).includes(p));
const withdrawn = (got: Json[], p: string) =>
  got.some((u) => (u.withdrawn ?? u.attributes?.mpUnreach?.withdrawn ?? []).includes(p));

function v6(nh: string): PathAttributes {
  return {
    origin: 0,
    asPath: [],
    localPref: 100,
    mpReach: {
      afi: 2,
      safi: 1,
      nextHop: Uint8Array.from(Buffer.from(nh, 'hex')),
      nlri: { afi: 2, safi: 1, addPath: false, bytes: new Uint8Array(0), count: 0 },
    },
  } as never;
}

function send(p: Peer, attrs: PathAttributes, fam: number, prefixes: string[]): Uint8Array[] {
  const msgs = packAnnouncements(
    attrs,
    fam,
    prefixes.map((x) => parsePrefix(x)!),
    p.negotiated!.tx,
  );
  for (const m of msgs) p.write(m);
  return msgs;
}

test("AFI/SAFI disable: a peer's unparseable IPv6 NLRI removes its IPv6 routes, stops IPv6 both ways, keeps IPv4 up", {
  timeout: 30000,
}, async () => {
  const { rr, store } = await startTestReflector('rr-afi', {
    dynamicNeighbors: [
      {
        prefix: '127.0.0.0/8',
        asn: 65000,
        routeReflectorClient: true,
        holdTime: 9,
        families: ['ipv4-unicast', 'ipv6-unicast'],
      },
    ],
  });
  const api = { host: '127.0.0.1', port: rr.api!.port };
  const a = client('127.0.0.2', rr.speaker.listenPort!);
  const b = client('127.0.0.3', rr.speaker.listenPort!);
  const v4 = { origin: 0, asPath: [], nextHop: ip4('198.51.100.2'), localPref: 100 } as PathAttributes;
  const routes = async (fam: string) =>
    ((await apiGet(api, `/routes?family=${fam}`)) as Array<{ prefix: string }>).map((r) => r.prefix).sort();
  try {
    await waitFor('both Established', () => a.peer.state === 'Established' && b.peer.state === 'Established');
    send(a.peer, v6('20010db8000000000000000000000002'), IPV6_UNICAST, ['2001:db8:1::/48']);
    send(a.peer, v4, IPV4_UNICAST, ['10.60.0.0/24']);
    send(b.peer, v6('20010db8000000000000000000000003'), IPV6_UNICAST, ['2001:db8:2::/48']);
    await waitFor(
      'routes reflected',
      () =>
        announced(b.got, '2001:db8:1::/48') && announced(b.got, '10.60.0.0/24') && announced(a.got, '2001:db8:2::/48'),
    );

    // MP_REACH_NLRI (first attribute) with a prefix length of 129: the NLRI cannot be parsed.
    const [bad] = packAnnouncements(
      v6('20010db8000000000000000000000002'),
      IPV6_UNICAST,
      [parsePrefix('2001:db8:3::/48')!],
      a.peer.negotiated!.tx,
    );
    const nlriAt = 19 + 2 + 2 + 4 + 2 + 1 + 1 + 16 + 1;
    assert.equal(bad![nlriAt], 48);
    bad![nlriAt] = 129;
    a.peer.write(bad!);

    await waitFor("A's IPv6 route withdrawn at B", () => withdrawn(b.got, '2001:db8:1::/48'));
    await waitFor("B's IPv6 route withdrawn at A", () => withdrawn(a.got, '2001:db8:2::/48'));
    assert.deepEqual(await routes('ipv6-unicast'), ['2001:db8:2::/48']);

    // Later IPv6 from A is ignored; IPv4 behind it (same session, in order) still counts.
    send(a.peer, v6('20010db8000000000000000000000002'), IPV6_UNICAST, ['2001:db8:4::/48']);
    send(a.peer, v4, IPV4_UNICAST, ['10.60.1.0/24']);
    await waitFor("A's later IPv4 route", async () => (await routes('ipv4-unicast')).includes('10.60.1.0/24'));
    assert.deepEqual(await routes('ipv6-unicast'), ['2001:db8:2::/48']);
    // And A is sent no more IPv6: B's next IPv6 route reaches the RIB, not A; B's IPv4 does.
    send(b.peer, v6('20010db8000000000000000000000003'), IPV6_UNICAST, ['2001:db8:5::/48']);
    send(b.peer, v4, IPV4_UNICAST, ['10.61.0.0/24']);
    await waitFor("B's IPv4 route at A", () => announced(a.got, '10.61.0.0/24'));
    assert.ok((await routes('ipv6-unicast')).includes('2001:db8:5::/48'));
    assert.ok(!announced(a.got, '2001:db8:5::/48'), 'no IPv6 sent to A after the disable');
    assert.equal(a.peer.state, 'Established');
  } finally {
    await rr.stop();
    await a.speaker.stop();
    await b.speaker.stop();
    await store.close();
  }
});

test('brokenFamilies names the AFI/SAFI of an MP attribute the decoder could not parse, and nothing for a sound one', () => {
  const attrs = (bytes: number[], decoded: Record<string, unknown>) =>
    ({ attrBytes: Uint8Array.from(bytes), attributes: decoded }) as unknown as UpdateMessage;
  const mp = [0x90, 14, 0, 5, 0, 2, 1, 0, 0];
  assert.deepEqual(brokenFamilies(attrs(mp, {})), [IPV6_UNICAST]);
  assert.deepEqual(brokenFamilies(attrs(mp, { mpReach: {} })), []);
  assert.deepEqual(brokenFamilies(attrs([0x40, 1, 1, 0, 0x80, 15, 3, 0, 1, 1], {})), [IPV4_UNICAST]);
});
