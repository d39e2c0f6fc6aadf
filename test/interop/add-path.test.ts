// Issue 4 interop: ADD-PATH send (RFC 7911) and import policy through `vroute reflector`,
// with BIRD 2 clients, each host in its own namespace on one bridge (AS 65000):
//   rr 192.0.2.1 (vroute)   a 192.0.2.2   b 192.0.2.3   multi 192.0.2.4 (add paths rx)   plain 192.0.2.5
//   frr 192.0.2.6 (FRR bgpd, which advertises ADD-PATH receive by default)
// a and b announce 10.50.0.0/24 with their own next hops. The reflector's import policy on a
// raises LOCAL_PREF, adds a community and rejects 10.66.0.0/24. `multi` (ADD-PATH receive;
// the reflector sends all paths) holds both paths; `plain` holds only the best (a's), with
// the community; nobody ever sees 10.66.0.0/24. multi announces the prefix too (a third,
// worst path); FRR is sent the best 2 of the 3 (addPathSend: 2).
// Second test: a BIRD client over maxPrefixes gets RFC 4486 Cease subcode 1 from the daemon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createLab, waitFor, type Lab } from '../helpers/netns';
import { startBird, startFrr, waitEstablished, type Daemon } from '../helpers/peers';
import { skipReason } from '../helpers/env';
import { spawnReflector, vrouteJson, type ReflectorProcess, type RouteView } from '../helpers/vroute';

const skip = skipReason('netns', 'bird', 'frr');

const RR_CONFIG = JSON.stringify({
  name: 'rr-ap',
  routerId: '192.0.2.1',
  asn: 65000,
  listen: { address: '0.0.0.0', port: 179 },
  reflector: { clusterId: '192.0.2.1' },
  prefixLists: { denied: [{ action: 'permit', prefix: '10.66.0.0/16', le: 32 }] },
  policies: {
    'from-a': [
      { match: { prefixList: 'denied' }, action: 'reject' },
      { action: 'accept', set: { localPref: 200, communities: { add: ['65000:42'] } } },
    ],
  },
  neighbors: [
    {
      address: '192.0.2.2',
      asn: 65000,
      routeReflectorClient: true,
      holdTime: 9,
      connectRetryTime: 2,
      importPolicy: 'from-a',
    },
    { address: '192.0.2.3', asn: 65000, routeReflectorClient: true, holdTime: 9, connectRetryTime: 2 },
    {
      address: '192.0.2.4',
      asn: 65000,
      routeReflectorClient: true,
      holdTime: 9,
      connectRetryTime: 2,
      addPath: 'both',
      addPathSend: 'all',
    },
    { address: '192.0.2.5', asn: 65000, routeReflectorClient: true, holdTime: 9, connectRetryTime: 2 },
    {
      address: '192.0.2.6',
      asn: 65000,
      routeReflectorClient: true,
      holdTime: 9,
      connectRetryTime: 2,
      addPath: 'send',
      addPathSend: 2,
    },
  ],
  datastore: 'memory',
  api: '127.0.0.1:8179',
  log: 'warn',
});

function birdConf(self: string, routes: string[], channelExtra = ''): string {
  return `router id ${self};
protocol device {}
protocol direct { ipv4; interface "vr0"; }
protocol kernel { ipv4 { export none; import none; }; }
protocol static { ipv4; ${routes.map((r) => `route ${r} blackhole;`).join(' ')} }
protocol bgp vr1 {
  local ${self} as 65000; neighbor 192.0.2.1 as 65000;
  hold time 9; connect retry time 2; error wait time 1, 4;
  ipv4 { import all; export where source = RTS_STATIC; next hop self; ${channelExtra} };
}
`;
}

const FRR_CONF = `frr defaults traditional
hostname frr1
router bgp 65000
 bgp router-id 192.0.2.6
 no bgp ebgp-requires-policy
 neighbor 192.0.2.1 remote-as 65000
 neighbor 192.0.2.1 timers 3 9
 neighbor 192.0.2.1 timers connect 2
 address-family ipv4 unicast
  neighbor 192.0.2.1 activate
 exit-address-family
`;

/** FRR's paths of a prefix: their next hops, sorted. */
function frrNextHops(frr: Daemon, prefix: string): string[] {
  try {
    const j = JSON.parse(frr.query(`show bgp ipv4 unicast ${prefix} json`)) as {
      paths?: Array<{ nexthops?: Array<{ ip?: string }> }>;
    };
    return (j.paths ?? []).map((p) => p.nexthops?.[0]?.ip ?? '?').sort();
  } catch {
    return [];
  }
}

/** BGP next hops BIRD holds for a prefix (`show route PREFIX all`: one BGP.next_hop line per path). */
function nextHops(d: Daemon, prefix: string): string[] {
  try {
    return [...d.query('show route', prefix, 'all').matchAll(/BGP\.next_hop:\s+(\S+)/g)].map((m) => m[1]!).sort();
  } catch {
    return [];
  }
}

test('ADD-PATH interop: BIRD (add paths rx) gets all paths, FRR the best 2 of 3, a plain BIRD the best; import policy over the wire', {
  skip,
  timeout: 180_000,
}, async () => {
  const lab: Lab = createLab(6, 'addp');
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-addp-'));
  let rr: ReflectorProcess | undefined;
  const birds: Daemon[] = [];
  let frr: Daemon | undefined;
  try {
    const [h0, h1, h2, h3, h4, h5] = lab.hosts;
    rr = spawnReflector(h0!.ns, dir, RR_CONFIG);
    const a = await startBird(h1!.ns, birdConf(h1!.ipv4, ['10.50.0.0/24', '10.66.0.0/24', '10.51.0.0/24']));
    birds.push(a);
    const b = await startBird(h2!.ns, birdConf(h2!.ipv4, ['10.50.0.0/24']));
    birds.push(b);
    // multi announces the prefix too: a third path, the worst (RFC 4456 9: higher ORIGINATOR_ID).
    const multi = await startBird(h3!.ns, birdConf(h3!.ipv4, ['10.50.0.0/24'], 'add paths rx;'));
    birds.push(multi);
    const plain = await startBird(h4!.ns, birdConf(h4!.ipv4, []));
    birds.push(plain);
    frr = await startFrr(h5!.ns, FRR_CONF, { zebra: true });
    for (const d of birds) await waitEstablished(d, 'vr1', 60_000);
    await waitEstablished(frr, '192.0.2.1', 30_000);

    // RFC 7911: both other paths (never its own), each with its own next hop, at the ADD-PATH receiver.
    const both = await waitFor(
      'two paths of 10.50.0.0/24 at the ADD-PATH client',
      () => {
        const h = nextHops(multi, '10.50.0.0/24');
        return h.length === 2 ? h : undefined;
      },
      30_000,
      250,
    );
    assert.deepEqual(both, ['192.0.2.2', '192.0.2.3'], multi.query('show route', '10.50.0.0/24', 'all'));
    assert.match(
      multi.query('show protocols all', 'vr1'),
      /Neighbor capabilities[\s\S]*ADD-PATH\s+RX: ipv4\s+TX: ipv4/,
      'BIRD saw our ADD-PATH capability (send and receive for IPv4 unicast)',
    );

    // FRR (ADD-PATH receive by default; we send it the best 2 of 3 paths), from vtysh: a's
    // (LOCAL_PREF 200) and b's (lower ORIGINATOR_ID than multi's, RFC 4456 9), not multi's.
    const atFrr = await waitFor(
      'two paths of 10.50.0.0/24 at FRR',
      () => {
        const h = frrNextHops(frr!, '10.50.0.0/24');
        return h.length === 2 ? h : undefined;
      },
      30_000,
      250,
    );
    assert.deepEqual(atFrr, ['192.0.2.2', '192.0.2.3']);
    // The reflector itself holds all three (its /routes, read with `vroute routes` in its namespace).
    const held = vrouteJson<RouteView[]>(h0!.ns, 'routes', '--prefix', '10.50.0.0/24');
    assert.deepEqual(held.map((r) => r.nextHop).sort(), ['192.0.2.2', '192.0.2.3', '192.0.2.4']);
    const best = held.find((r) => r.best)!;
    assert.deepEqual([best.nextHop, best.localPref, best.communities], ['192.0.2.2', 200, ['65000:42']]);
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(frrNextHops(frr, '10.50.0.0/24'), ['192.0.2.2', '192.0.2.3'], 'still best 2 of 3');

    // The plain client: the best path only, a's (LOCAL_PREF 200 from the import policy), with its community.
    const one = await waitFor(
      'the best path at the plain client',
      () => {
        const h = nextHops(plain, '10.50.0.0/24');
        return h.length > 0 ? h : undefined;
      },
      30_000,
      250,
    );
    assert.deepEqual(one, ['192.0.2.2']);
    const shown = plain.query('show route', '10.50.0.0/24', 'all');
    assert.match(shown, /BGP\.local_pref:\s+200/, shown);
    assert.match(shown, /BGP\.community:.*\(65000,\s*42\)/, shown);
    await waitFor(
      '10.51.0.0/24 at the plain client',
      () => (nextHops(plain, '10.51.0.0/24').length === 1 ? true : undefined),
      30_000,
      250,
    );

    // The denied prefix went nowhere: by now the rest of a's routes have arrived everywhere.
    await new Promise((r) => setTimeout(r, 2000));
    for (const d of [b, multi, plain]) {
      assert.deepEqual(nextHops(d, '10.66.0.0/24'), [], `10.66.0.0/24 must not reach ${d.ns.name}`);
    }
    assert.deepEqual(frrNextHops(frr, '10.66.0.0/24'), []);
    // b (no ADD-PATH) learns a's better path over BGP; its own is never sent back to it.
    assert.deepEqual(nextHops(b, '10.50.0.0/24'), ['192.0.2.2']);
  } finally {
    await rr?.stop();
    for (const d of birds) await d.stop();
    await frr?.stop();
    lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('max-prefix interop: BIRD sending more than maxPrefixes gets Cease / Maximum Number of Prefixes Reached (RFC 4486)', {
  skip,
  timeout: 120_000,
}, async () => {
  const lab: Lab = createLab(2, 'maxp');
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-maxp-'));
  let rr: ReflectorProcess | undefined;
  let bird: Daemon | undefined;
  const vroute = (h: (typeof lab.hosts)[number], ...args: string[]): unknown => vrouteJson(h.ns, ...args);
  try {
    const [h0, h1] = lab.hosts;
    rr = spawnReflector(h0!.ns, dir, {
      name: 'rr-maxp',
      routerId: '192.0.2.1',
      asn: 65000,
      listen: { address: '0.0.0.0', port: 179 },
      reflector: { clusterId: '192.0.2.1' },
      neighbors: [
        { address: '192.0.2.2', asn: 65000, routeReflectorClient: true, holdTime: 9, passive: true, maxPrefixes: 5 },
      ],
      datastore: 'memory',
      api: '127.0.0.1:8179',
      log: 'warn',
    });
    const routes = Array.from({ length: 8 }, (_, i) => `10.70.${i}.0/24`);
    // A long error wait: BIRD stays down after the Cease, so what we see is the first one.
    bird = await startBird(
      h1!.ns,
      birdConf(h1!.ipv4, routes).replace('error wait time 1, 4;', 'error wait time 120, 240;'),
    );
    const last = await waitFor(
      'BIRD reports the Cease',
      () => {
        const m = /Last error:\s+(.*)/.exec(bird!.query('show protocols all', 'vr1'));
        return m && /Maximum number of prefixes reached/i.test(m[1]!) ? m[1]! : undefined;
      },
      60_000,
      250,
    );
    assert.match(last, /Received/i, 'BIRD received the NOTIFICATION from us');
    console.log(`# BIRD: Last error: ${last}`);
    const st = await waitFor(
      'the daemon /status lastError',
      () => {
        const s = (
          vroute(h0!, 'status') as { sessions: Array<{ peer: string; state: string; lastError: string | null }> }
        ).sessions.find((x) => x.peer === '192.0.2.2');
        return s && s.state !== 'Established' && s.lastError ? s : undefined;
      },
      10_000,
      250,
    );
    assert.match(st.lastError!, /sent .*Maximum Number of Prefixes Reached/);
    assert.deepEqual(vroute(h0!, 'routes'), [], "the peer's routes are gone");
  } finally {
    await rr?.stop();
    await bird?.stop();
    lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
