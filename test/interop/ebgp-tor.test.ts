// Issue 4, eBGP towards a top-of-rack switch: FRR bgpd as the ToR in AS 64512, BIRD 2 as a
// route-reflector client in AS 65000, `vroute reflector` between them, each in a namespace on
// one bridge:   rr 192.0.2.1 (vroute, AS 65000)   bird 192.0.2.2 (client)   tor 192.0.2.3 (FRR, AS 64512)
// - BIRD's route reaches the ToR with our AS prepended (RFC 4271 5.1.2), next hop self: our
//   end of the session, with no localAddress configured (5.1.3), and no LOCAL_PREF, ORIGINATOR_ID
//   or CLUSTER_LIST (5.1.5, RFC 4456 8): checked on the wire with `vroute decode`.
// - The ToR's route reaches BIRD with AS_PATH 64512, the ToR's next hop and LOCAL_PREF 100.
// - A ToR route whose AS_PATH already holds 65000 is dropped (RFC 4271 9.1.2 loop detection):
//   not in our Loc-RIB, not at BIRD.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createLab, startCapture, waitFor, type Host, type Lab } from '../helpers/netns';
import { startBird, startFrr, waitEstablished, type Daemon } from '../helpers/peers';
import { skipReason } from '../helpers/env';
import {
  decodeWithVroute as decodeCapture,
  routesIn,
  spawnReflector,
  type DecodedMessage as Decoded,
  type ReflectorProcess,
} from '../helpers/vroute';

const skip = skipReason('netns', 'bird', 'frr');
const API_PORT = 8179;

const RR_CONFIG = JSON.stringify({
  name: 'rr-tor',
  routerId: '192.0.2.1',
  asn: 65000,
  listen: { address: '0.0.0.0', port: 179 },
  reflector: { clusterId: '192.0.2.1' },
  neighbors: [
    { address: '192.0.2.2', asn: 65000, routeReflectorClient: true, holdTime: 9, connectRetryTime: 2 },
    // RFC 8212: an eBGP session needs explicit policies to carry routes either way.
    { address: '192.0.2.3', asn: 64512, holdTime: 9, connectRetryTime: 2, importPolicy: 'all', exportPolicy: 'all' },
  ],
  policies: { all: [{ action: 'accept' }] },
  datastore: 'memory',
  api: `127.0.0.1:${API_PORT}`,
  log: 'warn',
});

const BIRD_CONF = `router id 192.0.2.2;
protocol device {}
protocol direct { ipv4; interface "vr0"; }
protocol kernel { ipv4 { export none; import none; }; }
protocol static { ipv4; route 10.90.0.0/24 blackhole; }
protocol bgp refl {
  local 192.0.2.2 as 65000; neighbor 192.0.2.1 as 65000;
  hold time 9; connect retry time 2; error wait time 1, 4;
  ipv4 { import all; export where source = RTS_STATIC; next hop self; };
}
`;

// The ToR announces 10.91.0.0/24 plainly and 10.92.0.0/24 with our AS already in the path.
const TOR_CONF = `frr defaults traditional
hostname tor
ip prefix-list LOOP seq 5 permit 10.92.0.0/24
route-map TO-RR permit 10
 match ip address prefix-list LOOP
 set as-path prepend 65000
route-map TO-RR permit 20
router bgp 64512
 bgp router-id 192.0.2.3
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 192.0.2.1 remote-as 65000
 neighbor 192.0.2.1 timers 3 9
 neighbor 192.0.2.1 timers connect 2
 address-family ipv4 unicast
  network 10.91.0.0/24
  network 10.92.0.0/24
  neighbor 192.0.2.1 activate
  neighbor 192.0.2.1 route-map TO-RR out
 exit-address-family
`;

interface FrrPath {
  aspath?: { string?: string };
  nexthops?: Array<{ ip?: string }>;
  valid?: boolean;
}

function torPaths(tor: Daemon, prefix: string): FrrPath[] {
  try {
    return (JSON.parse(tor.query(`show bgp ipv4 unicast ${prefix} json`)) as { paths?: FrrPath[] }).paths ?? [];
  } catch {
    return [];
  }
}

/** `show route P` at BIRD; birdc exits non-zero for "Network not found", which is an answer too. */
function birdShow(b: Daemon, prefix: string): string {
  try {
    return b.query(`show route ${prefix}`);
  } catch (e) {
    return String((e as { stdout?: unknown }).stdout ?? '');
  }
}

test('eBGP ToR (FRR, AS 64512): AS prepended, next hop self, no LOCAL_PREF/RFC 4456 attributes out; ToR routes in with LOCAL_PREF; AS-path loop dropped', {
  skip,
  timeout: 150_000,
}, async () => {
  const lab: Lab = createLab(3, 'tor');
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-tor-'));
  let rr: ReflectorProcess | undefined;
  let bird: Daemon | undefined;
  let tor: Daemon | undefined;
  try {
    const [h0, h1, h2] = lab.hosts as [Host, Host, Host];
    const pcap = path.join(dir, 'tor.pcap');
    const cap = await startCapture(h0.ns, 'vr0', pcap, 'tcp port 179 and host 192.0.2.3');
    rr = spawnReflector(h0.ns, dir, RR_CONFIG);
    bird = await startBird(h1.ns, BIRD_CONF);
    tor = await startFrr(h2.ns, TOR_CONF, { zebra: true });
    await waitEstablished(bird, 'refl', 60_000);
    await waitEstablished(tor, '192.0.2.1', 30_000);

    // Outbound to the ToR.
    const t = tor;
    const out = await waitFor('10.90.0.0/24 at the ToR', () => torPaths(t, '10.90.0.0/24')[0], 30_000, 250);
    assert.equal(out.aspath?.string, '65000', JSON.stringify(out));
    assert.equal(out.nexthops?.[0]?.ip, '192.0.2.1', 'next hop self without a configured localAddress');
    // Inbound from the ToR, reflected to the client.
    const b = bird;
    const inb = await waitFor(
      '10.91.0.0/24 at BIRD',
      () => {
        const s = b.query('show route 10.91.0.0/24 all');
        return /10\.91\.0\.0\/24/.test(s) ? s : undefined;
      },
      30_000,
      250,
    );
    assert.match(inb, /BGP\.as_path:\s+64512\s*$/m);
    assert.match(inb, /BGP\.next_hop:\s+192\.0\.2\.3/);
    assert.match(inb, /BGP\.local_pref:\s+100/);

    // Loop detection: the ToR did send 10.92.0.0/24 (path 64512 65000), we dropped it.
    // tcpdump -U writes each packet at once: wait until the capture holds that UPDATE.
    const fromTor = (ms: Decoded[]) =>
      ms.filter((m) => m.src?.startsWith('192.0.2.3:') && m.type === 'UPDATE' && m.nlri);
    const loop = await waitFor(
      "the ToR's looped route on the wire",
      () => fromTor(decodeCapture(pcap)).find((m) => m.nlri!.includes('10.92.0.0/24')),
      20_000,
      250,
    );
    await new Promise((r) => setTimeout(r, 1000)); // time for the reflector to (not) take it
    await cap.stop();
    const msgs = decodeCapture(pcap);
    assert.deepEqual(loop.attributes!.asPath, [{ type: 'AS_SEQUENCE', asns: [64512, 65000] }]);
    const routes = routesIn(h0.ns, `127.0.0.1:${API_PORT}`);
    assert.deepEqual(
      routes.map((r) => r.prefix).sort(),
      ['10.90.0.0/24', '10.91.0.0/24'],
      'the looped route is not in our Loc-RIB',
    );
    assert.doesNotMatch(birdShow(b, '10.92.0.0/24'), /10\.92\.0\.0\/24/);

    // What we sent the ToR, on the wire: AS_PATH 65000, next hop 192.0.2.1, no iBGP-only attributes.
    const toTor = msgs.filter(
      (m) => m.dst?.startsWith('192.0.2.3:') && m.type === 'UPDATE' && m.nlri?.includes('10.90.0.0/24'),
    );
    assert.equal(toTor.length, 1, JSON.stringify(toTor));
    const at = toTor[0]!.attributes!;
    assert.deepEqual(at.asPath, [{ type: 'AS_SEQUENCE', asns: [65000] }]);
    assert.equal(at.nextHop, '192.0.2.1');
    for (const k of ['localPref', 'originatorId', 'clusterList'])
      assert.equal(at[k], undefined, `${k} not sent to an external peer: ${JSON.stringify(at)}`);
    // Nothing the ToR sent us went back to it (10.91/10.92 are its own).
    assert.ok(
      !msgs.some(
        (m) => m.dst?.startsWith('192.0.2.3:') && m.nlri?.some((p) => p.startsWith('10.91.') || p.startsWith('10.92.')),
      ),
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- vroute log (tail) ---\n${rr?.log().slice(-4000) ?? ''}`);
  } finally {
    rr?.kill();
    await bird?.stop();
    await tor?.stop();
    lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
