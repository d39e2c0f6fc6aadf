// Issue 9: TCP-MD5 (RFC 2385) and GTSM (RFC 5082) against BIRD 2 and FRR, each in its own
// network namespace, with `vroute reflector` as operators start it.
// - MD5: the right key comes up; a wrong key, or a key on one side only, never does, and the
//   namespaces' kernel counters say why (TcpExtTCPMD5Failure: bad digest; TCPMD5NotFound: a
//   segment without the digest we expect; TCPMD5Unexpected: a digest where we hold no key).
// - GTSM: FRR `ttl-security hops 1` one hop away comes up (IPv4 and IPv6); two hops away
//   through a router namespace, our ttlSecurity 1 refuses it (TcpExtTCPMinTTLDrop counts the
//   dropped segments) and ttlSecurity 2 accepts it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createLab, waitFor, type Netns } from '../helpers/netns';
import { createRoutedLab, nstat } from '../helpers/routed';
import {
  birdProtocolState,
  configureFrr,
  frrNeighborState,
  reconfigureBird,
  startBird,
  startFrr,
  waitEstablished,
  type Daemon,
} from '../helpers/peers';
import { skipReason } from '../helpers/env';
import { spawnReflector, vrouteJson, type ReflectorProcess } from '../helpers/vroute';

const MD5 = ['TcpExtTCPMD5Failure', 'TcpExtTCPMD5NotFound', 'TcpExtTCPMD5Unexpected'] as const;
type Counters = Record<string, number>;

interface Session {
  peer: string;
  state: string;
  lastError: string | null;
}
const sessions = (ns: Netns): Session[] => vrouteJson<{ sessions: Session[] }>(ns, 'status').sessions;

function rrConfig(dir: string, listen: string, neighbors: object[]): object {
  return {
    name: 'rr-sec',
    routerId: '192.0.2.1',
    asn: 65000,
    listen: { address: listen, port: 179 },
    neighbors,
    datastore: `embedded:${path.join(dir, 'store.json')}`,
    api: '127.0.0.1:8179',
    log: 'info',
  };
}

async function waitVrouteUp(ns: Netns, peers: string[]): Promise<void> {
  await waitFor(
    `vroute sessions ${peers.join(', ')} Established`,
    () => {
      const s = sessions(ns);
      return peers.every((p) => s.find((x) => x.peer === p)?.state === 'Established') ? true : undefined;
    },
    45_000,
    250,
  );
}

/**
 * Watches for `ms`: no session may reach Established on either side (polled every 250 ms).
 * Returns the counters' growth in each namespace.
 */
async function neverUp(
  ms: number,
  probes: Array<() => boolean>,
  spaces: Record<string, Netns>,
  names: readonly string[],
): Promise<Record<string, Counters>> {
  const before = Object.fromEntries(Object.entries(spaces).map(([k, ns]) => [k, nstat(ns, ...names)]));
  const end = Date.now() + ms;
  while (Date.now() < end) {
    probes.forEach((up, i) => {
      assert.equal(up(), false, `probe ${i} saw Established`);
    });
    await new Promise((r) => setTimeout(r, 250));
  }
  const growth: Record<string, Counters> = {};
  for (const [k, ns] of Object.entries(spaces)) {
    const now = nstat(ns, ...names);
    growth[k] = Object.fromEntries(names.map((n) => [n, now[n]! - before[k]![n]!]));
  }
  return growth;
}

const birdConf = (password?: string): string => `router id 192.0.2.2;
protocol device {}
protocol bgp refl {
  local 192.0.2.2 as 65000; neighbor 192.0.2.1 as 65000;
  hold time 9; connect retry time 2; error wait time 1, 2;
  ${password ? `password "${password}";` : ''}
  ipv4 { import all; export none; };
}
`;

test('TCP-MD5 with BIRD 2: right key Established; wrong or missing key never, kernel counters say why', {
  skip: skipReason('netns', 'bird'),
  timeout: 150_000,
}, async () => {
  const lab = createLab(2, 'md5b');
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-md5b-'));
  let rr: ReflectorProcess | undefined;
  let bird: Daemon | undefined;
  try {
    const [h0, h1] = [lab.hosts[0]!, lab.hosts[1]!];
    // A specific listen address: also our source (no localAddress), which BIRD checks.
    rr = spawnReflector(
      h0.ns,
      dir,
      rrConfig(dir, '192.0.2.1', [
        { address: '192.0.2.2', asn: 65000, holdTime: 9, connectRetryTime: 2, password: 'Right-K3y' },
      ]),
    );
    bird = await startBird(h1.ns, birdConf('Right-K3y'));
    await waitEstablished(bird, 'refl', 45_000);
    await waitVrouteUp(h0.ns, ['192.0.2.2']);

    const b = bird;
    const birdUp = () => birdProtocolState(b, 'refl') === 'Established';
    const rrUp = () => sessions(h0.ns).some((s) => s.state === 'Established');
    // Wrong key at BIRD: each side's SYNs fail the other's digest check.
    reconfigureBird(bird, birdConf('wr0ng-key'));
    await waitFor('BIRD to drop the session', () => (birdUp() ? undefined : true), 20_000, 250);
    const wrong = await neverUp(10_000, [birdUp, rrUp], { vroute: h0.ns, bird: h1.ns }, MD5);
    console.log(
      `# wrong key: ${JSON.stringify(wrong)}; BIRD: ${/Last error:\s+(.*)/.exec(bird.query('show protocols all', 'refl'))?.[1] ?? '-'}`,
    );
    assert.ok(wrong.vroute!.TcpExtTCPMD5Failure! > 0, "our kernel dropped BIRD's badly signed SYNs");
    assert.ok(wrong.bird!.TcpExtTCPMD5Failure! > 0, "BIRD's kernel dropped our badly signed SYNs");

    // No key at BIRD: our signed SYNs are unexpected there; its unsigned ones lack ours.
    reconfigureBird(bird, birdConf());
    const missing = await neverUp(10_000, [birdUp, rrUp], { vroute: h0.ns, bird: h1.ns }, MD5);
    console.log(`# key only at vroute: ${JSON.stringify(missing)}`);
    assert.ok(missing.vroute!.TcpExtTCPMD5NotFound! > 0, "our kernel dropped BIRD's unsigned SYNs");
    assert.ok(missing.bird!.TcpExtTCPMD5Unexpected! > 0, "BIRD's kernel dropped our signed SYNs");

    // And the right key again: up.
    reconfigureBird(bird, birdConf('Right-K3y'));
    await waitEstablished(bird, 'refl', 45_000);
    await waitVrouteUp(h0.ns, ['192.0.2.2']);
  } catch (e) {
    throw new Error(
      `${(e as Error).message}\n--- vroute log (tail) ---\n${rr?.log().slice(-3000) ?? ''}\n--- bird log ---\n${bird?.log().slice(-2000) ?? ''}`,
    );
  } finally {
    await rr?.stop();
    await bird?.stop();
    lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

const frrMd5Conf = (password: string): string => `frr defaults traditional
hostname frr-md5
log stdout informational
router bgp 65001
 bgp router-id 192.0.2.2
 no bgp ebgp-requires-policy
 neighbor 192.0.2.1 remote-as 65000
 neighbor 192.0.2.1 timers 3 9
 neighbor 192.0.2.1 timers connect 2
 neighbor 192.0.2.1 password ${password}
 neighbor 2001:db8::1 remote-as 65000
 neighbor 2001:db8::1 timers 3 9
 neighbor 2001:db8::1 timers connect 2
 neighbor 2001:db8::1 password ${password}
 address-family ipv6 unicast
  neighbor 2001:db8::1 activate
 exit-address-family
`;

test('TCP-MD5 with FRR, IPv4 and IPv6 on a dual-stack listener: right key Established; wrong key never', {
  skip: skipReason('netns', 'frr'),
  timeout: 150_000,
}, async () => {
  const lab = createLab(2, 'md5f');
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-md5f-'));
  let rr: ReflectorProcess | undefined;
  let frr: Daemon | undefined;
  try {
    const [h0, h1] = [lab.hosts[0]!, lab.hosts[1]!];
    // '::' takes IPv4 peers as ::ffff:a.b.c.d: their keys go on in that form.
    rr = spawnReflector(
      h0.ns,
      dir,
      rrConfig(dir, '::', [
        { address: '192.0.2.2', asn: 65001, holdTime: 9, connectRetryTime: 2, password: 'frr-S3cret' },
        {
          address: '2001:db8::2',
          asn: 65001,
          holdTime: 9,
          connectRetryTime: 2,
          password: 'frr-S3cret',
          families: ['ipv6-unicast'],
        },
      ]),
    );
    frr = await startFrr(h1.ns, frrMd5Conf('frr-S3cret'), { zebra: true });
    await waitEstablished(frr, '192.0.2.1', 45_000);
    await waitEstablished(frr, '2001:db8::1', 45_000);
    await waitVrouteUp(h0.ns, ['192.0.2.2', '2001:db8::2']);

    const f = frr;
    configureFrr(
      frr,
      'router bgp 65001',
      'neighbor 192.0.2.1 password n0t-it',
      'neighbor 2001:db8::1 password n0t-it',
      'do clear bgp *',
    );
    await waitFor(
      'FRR to drop the sessions',
      () =>
        frrNeighborState(f, '192.0.2.1') !== 'Established' && frrNeighborState(f, '2001:db8::1') !== 'Established'
          ? true
          : undefined,
      20_000,
      250,
    );
    const frrUp = () =>
      frrNeighborState(f, '192.0.2.1') === 'Established' || frrNeighborState(f, '2001:db8::1') === 'Established';
    const rrUp = () => sessions(h0.ns).some((s) => s.state === 'Established');
    const wrong = await neverUp(10_000, [frrUp, rrUp], { vroute: h0.ns, frr: h1.ns }, MD5);
    console.log(`# FRR wrong key: ${JSON.stringify(wrong)}`);
    assert.ok(wrong.vroute!.TcpExtTCPMD5Failure! > 0, "our kernel dropped FRR's badly signed SYNs");
    assert.ok(wrong.frr!.TcpExtTCPMD5Failure! > 0, "FRR's kernel dropped our badly signed SYNs");
    const s = sessions(h0.ns);
    assert.ok(
      s.every((x) => x.state !== 'Established'),
      JSON.stringify(s),
    );
  } catch (e) {
    throw new Error(
      `${(e as Error).message}\n--- vroute log (tail) ---\n${rr?.log().slice(-3000) ?? ''}\n--- frr log ---\n${frr?.log().slice(-2000) ?? ''}`,
    );
  } finally {
    await rr?.stop();
    await frr?.stop();
    lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

const frrGtsmConf = (id: string, v4: string, v6: string, hops: number): string => `frr defaults traditional
hostname frr-gtsm
log stdout informational
router bgp 65001
 bgp router-id ${id}
 no bgp ebgp-requires-policy
 neighbor ${v4} remote-as 65000
 neighbor ${v4} timers 3 9
 neighbor ${v4} timers connect 2
 neighbor ${v4} ttl-security hops ${hops}
 neighbor ${v6} remote-as 65000
 neighbor ${v6} timers 3 9
 neighbor ${v6} timers connect 2
 neighbor ${v6} ttl-security hops ${hops}
 address-family ipv6 unicast
  neighbor ${v6} activate
 exit-address-family
`;

test('GTSM with FRR ttl-security: one hop comes up (IPv4, IPv6); two hops through a router: ttlSecurity 1 refuses, 2 accepts', {
  skip: skipReason('netns', 'frr'),
  timeout: 240_000,
}, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-gtsm-'));
  const neighbors = (v4: string, v6: string, hops: number) => [
    { address: v4, asn: 65001, holdTime: 9, connectRetryTime: 2, ttlSecurity: hops },
    { address: v6, asn: 65001, holdTime: 9, connectRetryTime: 2, ttlSecurity: hops, families: ['ipv6-unicast'] },
  ];
  // One hop: both sides send 255 and demand 255.
  {
    const lab = createLab(2, 'gtsm1');
    let rr: ReflectorProcess | undefined;
    let frr: Daemon | undefined;
    try {
      const [h0, h1] = [lab.hosts[0]!, lab.hosts[1]!];
      rr = spawnReflector(h0.ns, dir, rrConfig(dir, '::', neighbors('192.0.2.2', '2001:db8::2', 1)));
      frr = await startFrr(h1.ns, frrGtsmConf('192.0.2.2', '192.0.2.1', '2001:db8::1', 1), { zebra: true });
      await waitEstablished(frr, '192.0.2.1', 45_000);
      await waitEstablished(frr, '2001:db8::1', 45_000);
      await waitVrouteUp(h0.ns, ['192.0.2.2', '2001:db8::2']);
    } catch (e) {
      throw new Error(
        `one hop: ${(e as Error).message}\n--- vroute log ---\n${rr?.log().slice(-3000) ?? ''}\n--- frr log ---\n${frr?.log().slice(-2000) ?? ''}`,
      );
    } finally {
      await rr?.stop();
      await frr?.stop();
      lab.cleanup();
    }
  }
  // Two hops: FRR (hops 2) sends 255, which arrives as 254 after the router.
  const lab = createRoutedLab('gtsm2');
  let rr: ReflectorProcess | undefined;
  let frr: Daemon | undefined;
  try {
    frr = await startFrr(lab.b, frrGtsmConf('198.51.100.2', lab.aIpv4, lab.aIpv6, 2), { zebra: true });
    rr = spawnReflector(lab.a, dir, rrConfig(dir, '::', neighbors(lab.bIpv4, lab.bIpv6, 1)));
    const f = frr;
    const frrUp = () =>
      frrNeighborState(f, lab.aIpv4) === 'Established' || frrNeighborState(f, lab.aIpv6) === 'Established';
    const rrUp = () => sessions(lab.a).some((s) => s.state === 'Established');
    await waitFor('vroute API', () => (sessions(lab.a).length === 2 ? true : undefined), 20_000, 250);
    const refused = await neverUp(12_000, [frrUp, rrUp], { vroute: lab.a }, ['TcpExtTCPMinTTLDrop']);
    console.log(`# two hops, ttlSecurity 1: ${JSON.stringify(refused)}`);
    assert.ok(refused.vroute!.TcpExtTCPMinTTLDrop! > 0, 'our kernel dropped the segments that came with TTL 254');
    await rr.stop();
    rr = spawnReflector(lab.a, dir, rrConfig(dir, '::', neighbors(lab.bIpv4, lab.bIpv6, 2)));
    await waitEstablished(frr, lab.aIpv4, 45_000);
    await waitEstablished(frr, lab.aIpv6, 45_000);
    await waitVrouteUp(lab.a, [lab.bIpv4, lab.bIpv6]);
  } catch (e) {
    throw new Error(
      `two hops: ${(e as Error).message}\n--- vroute log ---\n${rr?.log().slice(-3000) ?? ''}\n--- frr log ---\n${frr?.log().slice(-2000) ?? ''}`,
    );
  } finally {
    await rr?.stop();
    await frr?.stop();
    lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
