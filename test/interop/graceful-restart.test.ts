// Graceful restart helper mode (RFC 4724 4.2) of the vroute reflector against a real BIRD 2
// that restarts, with FRR as the client that must not notice. Hosts in namespaces on one bridge:
//   rr 192.0.2.1 (vroute)   bird 192.0.2.2 (GR on, restart time 20 s)   frr 192.0.2.3   (AS 65000)
// BIRD is SIGKILLed (TCP closes, no NOTIFICATION): its routes stay at FRR and show as stale in
// our /routes. BIRD comes back with `-R` (graceful restart recovery: the Forwarding State bit
// set) announcing one route less: after its End-of-RIB the kept route is fresh and the other
// is withdrawn. Killed again and left down: after the restart time the routes go at FRR.
// Second test, enhanced route refresh (RFC 7313) with the same hosts: BIRD's `reload in` asks
// us for our routes and gets BoRR, the table, EoRR (seen in a capture decoded by `vroute
// decode`); its `reload out` sends us BoRR, its routes, EoRR, after which nothing is stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createLab, startCapture, waitFor, type Host, type Lab, type Netns } from '../helpers/netns';
import { BIRD, BIRDC, startBird, startFrr, waitEstablished, type Daemon } from '../helpers/peers';
import { skipReason } from '../helpers/env';
import {
  decodeWithVroute as decodeCapture,
  routesIn,
  spawnReflector,
  type DecodedMessage as Decoded,
  type ReflectorProcess,
  type RouteView,
} from '../helpers/vroute';

const skip = skipReason('netns', 'bird', 'frr');
const RESTART_TIME = 20;
const API_PORT = 8179;

const RR_CONFIG = JSON.stringify({
  name: 'rr-gr',
  routerId: '192.0.2.1',
  asn: 65000,
  listen: { address: '0.0.0.0', port: 179 },
  reflector: { clusterId: '192.0.2.1' },
  neighbors: [
    { address: '192.0.2.2', asn: 65000, routeReflectorClient: true, holdTime: 9, connectRetryTime: 2 },
    { address: '192.0.2.3', asn: 65000, routeReflectorClient: true, holdTime: 9, connectRetryTime: 2 },
  ],
  datastore: 'memory',
  api: `127.0.0.1:${API_PORT}`,
  log: 'info',
});

function birdConf(routes: string[]): string {
  return `router id 192.0.2.2;
protocol device {}
protocol direct { ipv4; interface "vr0"; }
protocol kernel { ipv4 { export none; import none; }; }
protocol static { ipv4; ${routes.map((r) => `route ${r} blackhole;`).join(' ')} }
protocol bgp refl {
  local 192.0.2.2 as 65000; neighbor 192.0.2.1 as 65000;
  hold time 9; connect retry time 2; connect delay time 1; error wait time 1, 4;
  graceful restart on; graceful restart time ${RESTART_TIME};
  ipv4 { import all; export where source = RTS_STATIC; next hop self; };
}
`;
}

const FRR_CONF = `frr defaults traditional
hostname frr-gr
router bgp 65000
 bgp router-id 192.0.2.3
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 192.0.2.1 remote-as 65000
 neighbor 192.0.2.1 timers 3 9
 neighbor 192.0.2.1 timers connect 2
 address-family ipv4 unicast
  network 10.88.0.0/24
  neighbor 192.0.2.1 activate
 exit-address-family
`;

const A = '10.66.0.0/24';
const B = '10.66.1.0/24';

function atFrr(frr: Daemon, prefix: string): boolean {
  try {
    const j = JSON.parse(frr.query(`show bgp ipv4 unicast ${prefix} json`)) as { paths?: unknown[] };
    return (j.paths?.length ?? 0) > 0;
  } catch {
    return false;
  }
}

/** Our /routes, read with `vroute routes` inside the reflector's namespace (its API is on its loopback). */
function ourRoutes(rr: Host): Map<string, RouteView> {
  return new Map(routesIn(rr.ns, `127.0.0.1:${API_PORT}`).map((r) => [r.prefix, r]));
}

/** SIGKILL by PID: the kernel closes BIRD's socket, no NOTIFICATION goes out. */
async function kill(pid: number, exited: () => boolean): Promise<void> {
  process.kill(pid, 'SIGKILL');
  await waitFor(`bird ${pid} gone`, () => (exited() ? true : undefined), 5000, 50);
}

/**
 * BIRD started with -R (graceful restart recovery), which startBird does not offer: then it
 * sets the Forwarding State bit (RFC 4724 3) for its GR families.
 */
async function startBirdRecovering(
  ns: Netns,
  dir: string,
  config: string,
): Promise<{ child: ChildProcess; query: (c: string) => string; exited: () => boolean }> {
  const conf = path.join(dir, 'bird-r.conf');
  const sock = path.join(dir, 'bird-r.ctl');
  writeFileSync(conf, config);
  const fd = openSync(path.join(dir, 'bird-r.log'), 'a');
  let child: ChildProcess;
  try {
    child = ns.spawn(BIRD, ['-f', '-R', '-c', conf, '-s', sock, '-P', path.join(dir, 'bird-r.pid')], {
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  let gone = false;
  child.once('exit', () => {
    gone = true;
  });
  const query = (c: string): string =>
    execFileSync(BIRDC, ['-s', sock, c], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  await waitFor(
    'recovering BIRD up',
    () => {
      if (gone) throw new Error(`bird -R exited: ${readFileSync(path.join(dir, 'bird-r.log'), 'utf8').slice(-300)}`);
      return query('show status').includes('Daemon is up') ? true : undefined;
    },
    10_000,
    100,
  );
  return { child, query, exited: () => gone };
}

interface GrLab {
  readonly rr: Host;
  readonly birdHost: Host;
  readonly dir: string;
  readonly bird: Daemon;
  readonly frr: Daemon;
  /** Extra cleanup (daemons a test starts itself), run before the lab goes. */
  readonly onCleanup: Array<() => void>;
}

/**
 * The three hosts with vroute (`vroute reflector`), BIRD (routes A and B) and FRR all
 * Established, then `body`; the vroute log tail joins any failure; everything is stopped and
 * removed afterwards.
 */
async function withGrLab(tag: string, body: (l: GrLab) => Promise<void>): Promise<void> {
  const lab: Lab = createLab(3, tag);
  const dir = mkdtempSync(path.join(tmpdir(), `vr-${tag}-`));
  let rr: ReflectorProcess | undefined;
  let bird: Daemon | undefined;
  let frr: Daemon | undefined;
  const onCleanup: Array<() => void> = [];
  try {
    const [h0, h1, h2] = lab.hosts as [Host, Host, Host];
    rr = spawnReflector(h0.ns, dir, RR_CONFIG);
    bird = await startBird(h1.ns, birdConf([A, B]));
    frr = await startFrr(h2.ns, FRR_CONF, { zebra: true });
    await waitEstablished(bird, 'refl', 60_000);
    await waitEstablished(frr, '192.0.2.1', 30_000);
    const f = frr;
    await waitFor('both BIRD routes at FRR', () => (atFrr(f, A) && atFrr(f, B) ? true : undefined), 30_000, 250);
    await body({ rr: h0, birdHost: h1, dir, bird, frr, onCleanup });
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- vroute log (tail) ---\n${rr?.log().slice(-4000) ?? ''}`);
  } finally {
    rr?.kill();
    for (const c of onCleanup) c();
    await bird?.stop();
    await frr?.stop();
    lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('graceful restart helper: BIRD killed, restarted with -R, killed again; FRR keeps the routes until the restart time', {
  skip,
  timeout: 180_000,
}, async () => {
  await withGrLab('grh', async ({ rr: h0, birdHost: h1, dir, bird, frr, onCleanup }) => {
    let bird2: Awaited<ReturnType<typeof startBirdRecovering>> | undefined;
    onCleanup.push(() => {
      if (bird2 && !bird2.exited()) process.kill(bird2.child.pid!, 'SIGKILL');
    });
    // 1. SIGKILL: the routes stay (stale) in our Loc-RIB and at FRR.
    const b1 = bird;
    await kill(b1.pid, () => b1.exited);
    const stale = await waitFor(
      'stale routes in /routes',
      () => {
        const r = ourRoutes(h0);
        return r.get(A)?.stale && r.get(B)?.stale ? r : undefined;
      },
      15_000,
      200,
    );
    assert.equal(stale.get(A)!.from, '192.0.2.2');
    // FRR must not lose them at any point while BIRD is away and coming back.
    let lost = '';
    const watch = setInterval(() => {
      if (!atFrr(frr!, A)) lost ||= `${A} gone at FRR`;
    }, 300);
    try {
      await new Promise((r) => setTimeout(r, 3000));
      assert.ok(atFrr(frr, A) && atFrr(frr, B), 'routes still at FRR while BIRD is down');

      // 2. Back with -R, without B: after BIRD's End-of-RIB, A is fresh and B withdrawn.
      bird2 = await startBirdRecovering(h1.ns, dir, birdConf([A]));
      const q = bird2.query;
      await waitFor(
        'recovering BIRD Established',
        () => (/BGP state:\s+Established/.test(q('show protocols all refl')) ? true : undefined),
        30_000,
        200,
      );
      await waitFor(`${B} withdrawn at FRR`, () => (atFrr(frr!, B) ? undefined : true), 20_000, 200);
      const fresh = await waitFor(
        'A fresh in /routes',
        () => {
          const r = ourRoutes(h0);
          return r.get(A) && !r.get(A)!.stale ? r : undefined;
        },
        10_000,
        200,
      );
      assert.equal(fresh.has(B), false, `${B} gone from our Loc-RIB`);
    } finally {
      clearInterval(watch);
    }
    assert.equal(lost, '', 'the kept route never left FRR during the restart');
    assert.ok(atFrr(frr, A));

    // 3. Killed again and left down: after the Restart Time the route goes at FRR too.
    const b2 = bird2;
    const killedAt = Date.now();
    await kill(b2.child.pid!, b2.exited);
    await waitFor('A stale again', () => (ourRoutes(h0).get(A)?.stale ? true : undefined), 15_000, 200);
    assert.ok(atFrr(frr, A), 'still at FRR right after the second kill');
    await waitFor(
      `${A} withdrawn at FRR after the restart time`,
      () => (atFrr(frr!, A) ? undefined : true),
      (RESTART_TIME + 15) * 1000,
      250,
    );
    const took = (Date.now() - killedAt) / 1000;
    assert.ok(took >= RESTART_TIME - 1, `withdrawn after ${took.toFixed(1)} s, not before the restart time`);
    assert.deepEqual([...ourRoutes(h0).keys()], ['10.88.0.0/24'], "only FRR's route left");
  });
});

test('enhanced route refresh with BIRD: `reload in` gets BoRR, the table, EoRR; `reload out` leaves nothing stale', {
  skip,
  timeout: 120_000,
}, async () => {
  await withGrLab('grr', async ({ rr: h0, dir, bird, frr }) => {
    const b = bird;
    await waitFor(
      '10.88.0.0/24 at BIRD',
      () => (/10\.88\.0\.0\/24/.test(b.query('show route 10.88.0.0/24')) ? true : undefined),
      30_000,
      250,
    );
    assert.match(b.query('show protocols all refl'), /enhanced refresh/i, 'BIRD negotiated enhanced route refresh');

    const pcap = path.join(dir, 'rr.pcap');
    const cap = await startCapture(h0.ns, 'vr0', pcap, 'tcp port 179 and host 192.0.2.2');
    try {
      b.query('reload in refl'); // BIRD asks us for our routes again (ROUTE-REFRESH)
      await new Promise((r) => setTimeout(r, 2000));
      b.query('reload out refl'); // and sends its own again
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      await cap.stop();
    }
    const msgs = decodeCapture(pcap);
    const toBird = msgs.filter((m) => m.dst?.startsWith('192.0.2.2:') && m.type !== 'KEEPALIVE');
    const fromBird = msgs.filter((m) => m.src?.startsWith('192.0.2.2:') && m.type !== 'KEEPALIVE');
    const shape = (ms: Decoded[]) =>
      ms.map((m) =>
        m.type === 'ROUTE-REFRESH'
          ? `RR${m.subtype}`
          : `${m.type}${m.withdrawn ? ` -${m.withdrawn.join(',-')}` : ''}${m.nlri ? ` +${m.nlri.join(',+')}` : ''}`,
      );
    const seen = JSON.stringify({ toBird: shape(toBird), fromBird: shape(fromBird) });
    assert.deepEqual(shape(fromBird.slice(0, 1)), ['RR0'], `BIRD's request first: ${seen}`);
    // RFC 7313 4: BoRR, the re-advertisement, EoRR. The table comes from Adj-RIB-Out state,
    // which for BIRD's own prefixes says "not advertised to it": withdrawals it ignores.
    const t = shape(toBird);
    assert.equal(t[0], 'RR1', seen);
    assert.equal(t.at(-1), 'RR2', seen);
    assert.deepEqual(
      toBird.slice(1, -1).flatMap((m) => m.nlri ?? []),
      ['10.88.0.0/24'],
      seen,
    );
    for (const w of toBird.slice(1, -1).flatMap((m) => m.withdrawn ?? [])) assert.ok(w === A || w === B, seen);
    await new Promise((r) => setTimeout(r, 500));
    assert.match(b.query('show route 10.88.0.0/24'), /10\.88\.0\.0\/24/, 'BIRD kept our route through its refresh');
    // BIRD's `reload out` is a refresh of its own: BoRR, its routes, EoRR; nothing stays stale.
    assert.deepEqual(
      shape(fromBird).filter((x) => x.startsWith('RR')),
      ['RR0', 'RR1', 'RR2'],
      seen,
    );
    const ours = ourRoutes(h0);
    assert.equal(ours.get(A)?.stale, undefined, JSON.stringify([...ours.values()]));
    assert.equal(ours.get(B)?.stale, undefined);
    assert.ok(atFrr(frr, A) && atFrr(frr, B));
  });
});
