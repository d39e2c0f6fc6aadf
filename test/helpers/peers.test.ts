// Interop smoke test of the helpers later interop tests build on: two namespaces, BIRD in
// one and FRR in the other, an eBGP session over IPv4 that reaches Established and carries
// a route each way; then both daemons stop by PID and the namespaces go away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipReason } from './env';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createLab, startCapture, waitFor } from './netns';
import {
  startBird,
  startFrr,
  waitEstablished,
  frrSummary,
  reconfigureBird,
  configureFrr,
  birdProtocolState,
  type Daemon,
} from './peers';

test('BIRD and FRR reach Established in namespaces and exchange routes', {
  skip: skipReason('netns', 'bird', 'frr'),
  timeout: 60_000,
}, async () => {
  const lab = createLab(2, 'hlp');
  const daemons: Daemon[] = [];
  try {
    const [a, b] = lab.hosts;
    const cap = await startCapture(a.ns, a.ifname, path.join(mkdtempSync(path.join(tmpdir(), 'vr-cap-')), 'bgp.pcap'));
    const birdConf = `router id ${a.ipv4};
protocol device {}
protocol static st { ipv4; route 198.51.100.0/24 blackhole; }
protocol bgp frr { local ${a.ipv4} as 65001; neighbor ${b.ipv4} as 65002; ipv4 { import all; export all; }; }
`;
    const bird = await startBird(a.ns, birdConf);
    daemons.push(bird);
    const frr = await startFrr(
      b.ns,
      `frr defaults traditional
router bgp 65002
 bgp router-id ${b.ipv4}
 no bgp ebgp-requires-policy
 neighbor ${a.ipv4} remote-as 65001
 address-family ipv4 unicast
  network 203.0.113.0/24
 exit-address-family
`,
    );
    daemons.push(frr);
    await waitEstablished(bird, 'frr');
    await waitEstablished(frr, a.ipv4);
    // FRR received BIRD's route; BIRD received FRR's.
    await waitFor(
      'FRR to receive a prefix',
      () => {
        const s = frrSummary(frr) as { ipv4Unicast?: { peers?: Record<string, { pfxRcd?: number }> } };
        return (s.ipv4Unicast?.peers?.[a.ipv4]?.pfxRcd ?? 0) >= 1 ? true : undefined;
      },
      20_000,
      200,
    );
    await waitFor(
      'BIRD to receive 203.0.113.0/24',
      () => (bird.query('show route 203.0.113.0/24').includes('203.0.113.0/24') ? true : undefined),
      20_000,
      200,
    );
    // Reconfigure both: BIRD withdraws its static, FRR shuts the neighbor down.
    reconfigureBird(bird, birdConf.replace('route 198.51.100.0/24 blackhole;', ''));
    await waitFor(
      'FRR to see the withdrawal',
      () => {
        const s = frrSummary(frr) as { ipv4Unicast?: { peers?: Record<string, { pfxRcd?: number }> } };
        return s.ipv4Unicast?.peers?.[a.ipv4]?.pfxRcd === 0 ? true : undefined;
      },
      20_000,
      200,
    );
    assert.throws(() => reconfigureBird(bird, 'protocol bgp {'), /bird configure/);
    configureFrr(frr, 'router bgp 65002', `neighbor ${a.ipv4} shutdown`);
    await waitFor(
      'BIRD to leave Established',
      () => (birdProtocolState(bird, 'frr') !== 'Established' ? true : undefined),
      10_000,
      100,
    );
    await cap.stop();
    assert.ok(existsSync(cap.file) && statSync(cap.file).size > 24 + 5 * 80, 'capture holds the session');
    const pid = frr.pid;
    await frr.stop();
    assert.ok(frr.exited);
    assert.throws(() => process.kill(pid, 0), 'FRR process is gone');
  } finally {
    for (const d of daemons) await d.stop();
    lab.cleanup();
  }
});

test("startBird fails fast with BIRD's own message on a bad config", {
  skip: skipReason('netns', 'bird'),
}, async () => {
  const lab = createLab(2, 'hlp');
  try {
    const t0 = Date.now();
    await assert.rejects(startBird(lab.hosts[0].ns, 'protocol bgp {'), /did not come up.*(syntax error|unexpected)/s);
    assert.ok(Date.now() - t0 < 5000, 'no wait for the whole ready timeout');
  } finally {
    lab.cleanup();
  }
});

test("FRR with zebra accepts BIRD's IPv6 link-local next hop over an IPv6 session", {
  skip: skipReason('netns', 'bird', 'frr'),
  timeout: 60_000,
}, async () => {
  const lab = createLab(2, 'hlp');
  const daemons: Daemon[] = [];
  try {
    const [a, b] = lab.hosts;
    const bird = await startBird(
      a.ns,
      `router id ${a.ipv4};
protocol device {}
protocol static st { ipv6; route 2001:db8:100::/48 blackhole; }
protocol bgp frr { local ${a.ipv6} as 65001; neighbor ${b.ipv6} as 65002; ipv6 { import all; export all; }; }
`,
    );
    daemons.push(bird);
    const frr = await startFrr(
      b.ns,
      `frr defaults traditional
router bgp 65002
 bgp router-id ${b.ipv4}
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 neighbor ${a.ipv6} remote-as 65001
 address-family ipv6 unicast
  neighbor ${a.ipv6} activate
 exit-address-family
`,
      { zebra: true },
    );
    daemons.push(frr);
    await waitEstablished(frr, a.ipv6);
    // Without zebra FRR would treat this UPDATE as withdrawn (no interface for fe80::).
    const route = await waitFor(
      'FRR to install 2001:db8:100::/48',
      () => {
        const j = JSON.parse(frr.query('show bgp ipv6 unicast 2001:db8:100::/48 json')) as {
          paths?: Array<{ nexthops?: Array<{ ip?: string }> }>;
        };
        return j.paths?.length ? j.paths[0] : undefined;
      },
      20_000,
      200,
    );
    const hops = (route.nexthops ?? []).map((n) => n.ip);
    assert.ok(hops.includes(a.ipv6), hops.join(' '));
    assert.ok(hops.includes(a.linkLocal()), hops.join(' '));
  } finally {
    for (const d of daemons) await d.stop();
    lab.cleanup();
  }
});
