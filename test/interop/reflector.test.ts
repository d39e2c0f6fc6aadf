// Issue 4 interop: two `vroute reflector` daemons (same cluster ID, RFC 4456) between a BIRD 2
// client and an FRR client, each host in its own namespace on one bridge:
//   rr1 192.0.2.1, rr2 192.0.2.2 (vroute)   bird 192.0.2.3   frr 192.0.2.4   (AS 65000)
// A BIRD route reaches FRR with ORIGINATOR_ID and CLUSTER_LIST (RFC 4456 8), an FRR route
// reaches BIRD, a withdrawal follows, and with rr1 stopped the routes stay via rr2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createLab, waitFor, type Lab } from '../helpers/netns';
import { reconfigureBird, startBird, startFrr, waitEstablished, type Daemon } from '../helpers/peers';
import { skipReason } from '../helpers/env';
import { spawnReflector, type ReflectorProcess } from '../helpers/vroute';

const skip = skipReason('netns', 'bird', 'frr');
const CLUSTER = '10.255.0.1';

function rrConfig(name: string, routerId: string): string {
  return JSON.stringify({
    name,
    routerId,
    asn: 65000,
    listen: { address: '0.0.0.0', port: 179 },
    reflector: { clusterId: CLUSTER },
    neighbors: [
      { address: '192.0.2.3', asn: 65000, routeReflectorClient: true, holdTime: 9, connectRetryTime: 2 },
      { address: '192.0.2.4', asn: 65000, routeReflectorClient: true, holdTime: 9, connectRetryTime: 2 },
    ],
    datastore: 'memory',
    log: 'warn',
  });
}

function birdConf(routes: string[]): string {
  const bgp = (name: string, rr: string) => `protocol bgp ${name} {
  local 192.0.2.3 as 65000; neighbor ${rr} as 65000;
  hold time 9; connect retry time 2; error wait time 1, 4;
  ipv4 { import all; export where source = RTS_STATIC; next hop self; };
}
`;
  return `router id 192.0.2.3;
protocol device {}
protocol direct { ipv4; interface "vr0"; }
protocol kernel { ipv4 { export none; import none; }; }
protocol static { ipv4; ${routes.map((r) => `route ${r} blackhole;`).join(' ')} }
${bgp('rr1', '192.0.2.1')}${bgp('rr2', '192.0.2.2')}`;
}

const FRR_CONF = `frr defaults traditional
hostname frr1
router bgp 65000
 bgp router-id 192.0.2.4
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 192.0.2.1 remote-as 65000
 neighbor 192.0.2.1 timers 3 9
 neighbor 192.0.2.1 timers connect 2
 neighbor 192.0.2.2 remote-as 65000
 neighbor 192.0.2.2 timers 3 9
 neighbor 192.0.2.2 timers connect 2
 address-family ipv4 unicast
  network 10.88.0.0/24
  neighbor 192.0.2.1 activate
  neighbor 192.0.2.2 activate
 exit-address-family
`;

interface FrrPath {
  originatorId?: string;
  clusterList?: { list?: string[] };
  peer?: { peerId?: string };
}

function frrPaths(frr: Daemon, prefix: string): FrrPath[] {
  try {
    const j = JSON.parse(frr.query(`show bgp ipv4 unicast ${prefix} json`)) as { paths?: FrrPath[] };
    return j.paths ?? [];
  } catch {
    return [];
  }
}

test('reflector interop: BIRD and FRR clients, RFC 4456 attributes, withdrawal, redundancy', {
  skip,
  timeout: 180_000,
}, async () => {
  const lab: Lab = createLab(4, 'rri');
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-rri-'));
  const rrs: ReflectorProcess[] = [];
  let bird: Daemon | undefined;
  let frr: Daemon | undefined;
  try {
    const [h0, h1, h2, h3] = lab.hosts;
    for (const [i, h] of [h0!, h1!].entries()) {
      rrs.push(spawnReflector(h.ns, dir, rrConfig(`rr${i + 1}`, h.ipv4), `rr${i + 1}.json`));
    }
    bird = await startBird(h2!.ns, birdConf(['10.77.0.0/24', '10.77.1.0/24']));
    frr = await startFrr(h3!.ns, FRR_CONF, { zebra: true });
    await waitEstablished(bird, 'rr1', 60_000);
    await waitEstablished(bird, 'rr2', 30_000);
    await waitEstablished(frr, '192.0.2.1', 30_000);
    await waitEstablished(frr, '192.0.2.2', 30_000);

    // BIRD's route at FRR, once through each reflector, as RFC 4456 8 says.
    const paths = await waitFor(
      '10.77.0.0/24 at FRR via both reflectors',
      () => {
        const p = frrPaths(frr!, '10.77.0.0/24');
        return p.length >= 2 ? p : undefined;
      },
      30_000,
      250,
    );
    for (const p of paths) {
      assert.equal(p.originatorId, '192.0.2.3', JSON.stringify(p));
      assert.deepEqual(p.clusterList?.list, [CLUSTER], JSON.stringify(p));
    }
    // FRR's route at BIRD.
    await waitFor(
      '10.88.0.0/24 at BIRD',
      () => (/10\.88\.0\.0\/24/.test(bird!.query('show route 10.88.0.0/24')) ? true : undefined),
      30_000,
      250,
    );

    // A withdrawal follows.
    reconfigureBird(bird, birdConf(['10.77.0.0/24']));
    await waitFor(
      '10.77.1.0/24 withdrawn at FRR',
      () => (frrPaths(frr!, '10.77.1.0/24').length === 0 ? true : undefined),
      30_000,
      250,
    );
    assert.ok(frrPaths(frr, '10.77.0.0/24').length >= 1);

    // Redundancy: stop rr1 (SIGTERM: Cease to its peers); the routes stay through rr2.
    const rr1 = rrs[0]!.child;
    const exited = new Promise<number | null>((r) => rr1.once('exit', (code) => r(code)));
    rr1.kill('SIGTERM');
    assert.equal(await exited, 0, 'rr1 exits 0 on SIGTERM');
    await waitFor(
      'FRR sees rr1 gone',
      () => (frrPaths(frr!, '10.77.0.0/24').length === 1 ? true : undefined),
      30_000,
      250,
    );
    await new Promise((r) => setTimeout(r, 3000));
    const left = frrPaths(frr, '10.77.0.0/24');
    assert.equal(left.length, 1, 'one path left, via rr2');
    assert.equal(left[0]!.originatorId, '192.0.2.3');
    assert.match(bird.query('show route 10.88.0.0/24'), /10\.88\.0\.0\/24/);
  } finally {
    for (const c of rrs) c.kill();
    await bird?.stop();
    await frr?.stop();
    lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
