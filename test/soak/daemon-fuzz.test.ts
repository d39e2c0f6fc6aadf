// Fuzz soak of the running reflector daemon (issue 9 evidence): one real `vroute reflector`
// process on loopback, sharing an embedded datastore file with this test, while for a bounded
// time (VROUTE_SOAK_SECONDS; 120 s under CI, 20 s otherwise):
//   - random BGPPeer resources, valid and invalid (written raw, past validation, as a broken
//     writer or a newer version could), are put, changed twice in a row and deleted;
//   - dynamic neighbors connect, announce, and drop (Cease, or the socket just closes);
//   - raw clients send mutated UPDATEs (bit flips and truncations of valid ones).
// It ends with: the daemon alive, its RSS flat between the first and the last quarter, every
// session that should be up Established (three BGPPeers nobody touches and one steady dynamic
// client), the steady client's routes reflected to the BGPPeers, and a clean exit on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  IPV4_UNICAST,
  KEEPALIVE_BYTES,
  packAnnouncements,
  parsePrefix,
  updateToJson,
  type CodecContext,
  type UpdateMessage,
} from '../../src/bgp/messages';
import { Speaker, type Peer } from '../../src/bgp/fsm';
import { EmbeddedDatastore, putResource, type Resource } from '../../src/datastore';
import { silentLogger } from '../../src/observability';
import { apiGet } from '../../src/cli/api-client';
import { IN_CI, REPO_ROOT } from '../helpers/env';
import { waitFor } from '../helpers/netns';
import { prng } from '../bgp/messages/fixture-rows';
import { sessionEvents } from '../helpers/sessions';
import { ip4 } from '../helpers/addr';
import { rawOpen, announce } from '../helpers/bgp-clients';

const SECONDS = Number(process.env.VROUTE_SOAK_SECONDS ?? (IN_CI ? 120 : 20));
const CTX4: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set() };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface Session {
  peer: string;
  state: string;
  lastError: string | null;
}

/** A vroute Speaker at its own loopback address; `got` holds the prefixes it currently has. */
async function speakerAt(addr: string, listenPort?: number): Promise<{ speaker: Speaker; held: Set<string> }> {
  const speaker = new Speaker({
    asn: 65000,
    routerId: addr,
    logger: silentLogger,
    ...(listenPort !== undefined ? { listen: { address: addr, port: listenPort } } : {}),
  });
  await speaker.start();
  return { speaker, held: new Set() };
}

function follow(peer: Peer, held: Set<string>): void {
  sessionEvents(peer).on('update', (m: UpdateMessage) => {
    const u = updateToJson(m) as { withdrawn?: string[]; nlri?: string[] };
    for (const w of u.withdrawn ?? []) held.delete(w);
    for (const n of u.nlri ?? []) held.add(n);
  });
  peer.on('stateChange', (_from: string, to: string) => {
    if (to !== 'Established') held.clear();
  });
}

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

/** A BGPPeer spec with each field drawn from valid and invalid values (fields may be absent). */
function randomPeerSpec(rnd: () => number, i: number): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  const maybe = (k: string, xs: readonly unknown[]): void => {
    if (rnd() < 0.6) spec[k] = pick(rnd, xs);
  };
  spec.peerIP = pick(rnd, [
    `127.0.9.${1 + (i % 200)}`,
    `127.0.9.${1 + (i % 200)}`,
    '::1',
    'not-an-ip',
    '127.0.0.1',
    '',
    5,
  ]);
  spec.asNumber = pick(rnd, [65000, 65000, 65001, 4200000000, 0, 4294967295, 4294967296, -1, 'x', 1.5]);
  maybe('holdTime', [0, 1, 2, 3, 9, 90, 65535, 65536, -3, '90']);
  maybe('keepaliveTime', [0, 1, 3, 30, 65535, 100000, -1]);
  maybe('port', [0, 1, 179, 65535, 70000, 'bgp']);
  maybe('passive', [true, false, 'yes']);
  maybe('routeReflectorClient', [true, false, 1]);
  maybe('maxPrefixes', [0, 1, 100, 100000, -5]);
  maybe('password', ['', 'secret', 'x'.repeat(81), 7]);
  maybe('ttlSecurity', [0, 1, 254, 255]);
  maybe('node', ['soak-rr', 'elsewhere', '', 3]);
  maybe('nodeSelector', ["rack == 'a'", 'all()', '((', '']);
  if (rnd() < 0.05) spec.unknownField = true;
  return spec;
}

/** A raw client from `local` that completes the OPEN exchange, sends mutated UPDATEs, and closes. */
async function mutantClient(rnd: () => number, local: string, rrPort: number, deadline: number): Promise<void> {
  const sock = net.connect({ host: '127.0.0.1', port: rrPort, localAddress: local });
  sock.on('error', () => undefined);
  sock.on('data', () => undefined);
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  try {
    await Promise.race([new Promise((r) => sock.once('connect', r)), closed, sleep(2000)]);
    if (sock.destroyed) return;
    sock.write(rawOpen(0x7f000400 + Math.floor(rnd() * 200), 9));
    sock.write(KEEPALIVE_BYTES);
    await Promise.race([sleep(200), closed]);
    const n = 1 + Math.floor(rnd() * 20);
    for (let k = 0; k < n && !sock.destroyed && Date.now() < deadline; k++) {
      const base = 10 + Math.floor(rnd() * 50);
      const msgs = packAnnouncements(
        {
          origin: 0,
          asPath: [{ type: 2, asns: [65000, 64512] }],
          nextHop: ip4('198.51.100.9'),
          localPref: 100,
          communities: [0xfde80001],
        } as Parameters<typeof packAnnouncements>[0],
        IPV4_UNICAST,
        [parsePrefix(`10.${base}.${k}.0/24`)!, parsePrefix(`10.${base}.${k + 1}.0/24`)!],
        CTX4,
      );
      for (const m of msgs) {
        const b = Buffer.from(m);
        const flips = 1 + Math.floor(rnd() * 4);
        for (let f = 0; f < flips; f++) {
          // Mostly past the header (the attributes and NLRI); sometimes the header itself.
          const at = rnd() < 0.9 ? 19 + Math.floor(rnd() * (b.length - 19)) : Math.floor(rnd() * 19);
          b[at] = b[at]! ^ (1 << Math.floor(rnd() * 8));
        }
        sock.write(rnd() < 0.1 ? b.subarray(0, Math.floor(rnd() * b.length)) : b);
      }
      await Promise.race([sleep(20 + rnd() * 100), closed]);
    }
  } finally {
    sock.destroy();
  }
}

test(`fuzz soak of the running daemon (${SECONDS} s): BGPPeer churn, dynamic neighbors, mutated UPDATEs`, {
  timeout: (SECONDS + 120) * 1000,
}, async () => {
  const seed = Number(process.env.VROUTE_SOAK_SEED ?? Date.now() % 1_000_000);
  const rnd = prng(seed);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vr-fuzz-'));
  const dsFile = path.join(dir, 'datastore.json');
  const [bgpPort, apiPort] = [await freePort(), await freePort()];
  const goodPorts = [await freePort('127.0.5.1'), await freePort('127.0.5.2'), await freePort('127.0.5.3')];
  const conf = path.join(dir, 'rr.json');
  writeFileSync(
    conf,
    JSON.stringify({
      name: 'soak-rr',
      routerId: '10.255.0.1',
      asn: 65000,
      listen: { address: '127.0.0.1', port: bgpPort },
      reflector: { clusterId: '10.255.0.1' },
      neighbors: [],
      dynamicNeighbors: [{ prefix: '127.0.0.0/8', asn: 65000, routeReflectorClient: true, holdTime: 9 }],
      datastore: `embedded:${dsFile}`,
      api: `127.0.0.1:${apiPort}`,
      log: 'warn',
    }),
  );
  const store = new EmbeddedDatastore({ path: dsFile });
  let log = '';
  const daemon: ChildProcess = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'bin', 'vroute'), 'reflector', '--config', conf],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VROUTE_DATA_DIR: dir } },
  );
  const keep = (b: Buffer): void => {
    log = (log + b.toString()).slice(-30_000);
  };
  daemon.stdout!.on('data', keep);
  daemon.stderr!.on('data', keep);
  const alive = (): boolean => daemon.exitCode === null && daemon.signalCode === null;
  const api = { host: '127.0.0.1', port: apiPort };
  const sessions = async (): Promise<Session[]> => ((await apiGet(api, '/status')) as { sessions: Session[] }).sessions;

  const good = await Promise.all(goodPorts.map((p, i) => speakerAt(`127.0.5.${i + 1}`, p)));
  const goodPeers = good.map((g) => {
    const peer = g.speaker.addPeer({
      address: '127.0.0.1',
      port: bgpPort,
      asn: 65000,
      passive: true,
      holdTime: 9,
      connectRetryTime: 1,
      families: [IPV4_UNICAST],
      routeReflectorClient: false,
    });
    follow(peer, g.held);
    return peer;
  });
  const steady = await speakerAt('127.0.2.1');
  const steadyPeer = steady.speaker.addPeer({
    address: '127.0.0.1',
    port: bgpPort,
    asn: 65000,
    localAddress: '127.0.2.1',
    passive: false,
    holdTime: 9,
    connectRetryTime: 1,
    families: [IPV4_UNICAST],
    routeReflectorClient: false,
  });
  const steadyRoutes = Array.from({ length: 50 }, (_, i) => `10.200.${i}.0/24`);
  const churners: Speaker[] = [];
  const stats = { puts: 0, invalid: 0, deletes: 0, doubles: 0, dynamic: 0, mutants: 0 };
  try {
    await waitFor(
      'the daemon API',
      async () =>
        alive() ? await sessions().catch(() => undefined) : Promise.reject(new Error(`daemon exited:\n${log}`)),
      20_000,
      200,
    );
    for (let i = 0; i < good.length; i++) {
      await putResource(store, {
        apiVersion: 'vroute/v1',
        kind: 'BGPPeer',
        metadata: { name: `good-${i + 1}` },
        spec: {
          peerIP: `127.0.5.${i + 1}`,
          asNumber: 65000,
          port: goodPorts[i],
          routeReflectorClient: true,
          holdTime: 9,
        },
      } as unknown as Resource);
    }
    await waitFor(
      'steady client and BGPPeers Established',
      () => (steadyPeer.state === 'Established' && goodPeers.every((p) => p.state === 'Established')) || undefined,
      30_000,
      100,
    );
    announce(steadyPeer, steadyRoutes, '198.51.100.21');

    const start = Date.now();
    const deadline = start + SECONDS * 1000;
    const rss: { t: number; mib: number }[] = [];
    const sampler = setInterval(() => {
      if (alive()) rss.push({ t: Date.now() - start, mib: rssMiB(daemon.pid!) });
    }, 1000);
    const names: string[] = [];
    const fuzzPeers = (async () => {
      for (let i = 0; Date.now() < deadline && alive(); i++) {
        const r = rnd();
        const name = `fuzz-${Math.floor(rnd() * 40)}`;
        const key = `/vroute/v1/bgppeer/${name}`;
        if (r < 0.45) {
          const doc = { apiVersion: 'vroute/v1', kind: 'BGPPeer', metadata: { name }, spec: randomPeerSpec(rnd, i) };
          await store.put(key, JSON.stringify(doc));
          stats.puts++;
          names.push(name);
        } else if (r < 0.55) {
          await store.put(
            key,
            pick(rnd, [
              '{',
              'null',
              '[]',
              '{"kind":"BGPPeer"}',
              '{"apiVersion":"vroute/v1","kind":"Node","metadata":{"name":"x"},"spec":{}}',
            ]),
          );
          stats.invalid++;
        } else if (r < 0.7) {
          // Two quick changes to one BGPPeer: the second lands while the first is being applied.
          const a = {
            apiVersion: 'vroute/v1',
            kind: 'BGPPeer',
            metadata: { name },
            spec: { peerIP: '127.0.9.250', asNumber: 65000, holdTime: 9 },
          };
          await store.put(key, JSON.stringify(a));
          await store.put(
            key,
            JSON.stringify({ ...a, spec: { ...a.spec, holdTime: 30, keepaliveTime: pick(rnd, [0, 10]) } }),
          );
          stats.doubles++;
        } else if (names.length > 0) {
          await store.delete(`/vroute/v1/bgppeer/${names.splice(Math.floor(rnd() * names.length), 1)[0]!}`);
          stats.deletes++;
        }
        await sleep(20 + rnd() * 150);
      }
    })();
    const dynamic = (async () => {
      for (let i = 0; Date.now() < deadline && alive(); i++) {
        const addr = `127.0.3.${1 + (i % 50)}`;
        const c = await speakerAt(addr);
        churners.push(c.speaker);
        const p = c.speaker.addPeer({
          address: '127.0.0.1',
          port: bgpPort,
          asn: 65000,
          localAddress: addr,
          passive: false,
          holdTime: pick(rnd, [0, 3, 9]),
          connectRetryTime: 1,
          families: [IPV4_UNICAST],
          routeReflectorClient: false,
        });
        const upBy = Date.now() + 3000;
        while (p.state !== 'Established' && Date.now() < upBy) await sleep(20);
        if (p.state === 'Established') announce(p, [`10.201.${i % 250}.0/24`], '198.51.100.31');
        await sleep(rnd() * 1500);
        await c.speaker.stop('soak: going away');
        churners.splice(churners.indexOf(c.speaker), 1);
        stats.dynamic++;
      }
    })();
    const mutants = (async () => {
      for (let i = 0; Date.now() < deadline && alive(); i++) {
        await mutantClient(rnd, `127.0.4.${1 + (i % 100)}`, bgpPort, deadline);
        stats.mutants++;
      }
    })();
    await Promise.all([fuzzPeers, dynamic, mutants]);
    clearInterval(sampler);
    assert.ok(alive(), `the daemon died (seed ${seed}):\n${log}`);

    // Settle: the fuzzed peers are deleted, and everything that should be up is up.
    for (let i = 0; i < 40; i++) await store.delete(`/vroute/v1/bgppeer/fuzz-${i}`);
    const want = ['127.0.5.1', '127.0.5.2', '127.0.5.3', '127.0.2.1'];
    await waitFor(
      'every steady session Established at the daemon',
      async () => {
        const s = await sessions();
        return want.every((a) => s.some((x) => x.peer === a && x.state === 'Established')) || undefined;
      },
      30_000,
      250,
    ).catch(async (e: Error) => {
      throw new Error(`${e.message} (seed ${seed}): ${JSON.stringify(await sessions().catch(() => 'no API'))}\n${log}`);
    });
    await waitFor(
      "the steady client's routes at every BGPPeer",
      () => good.every((g) => steadyRoutes.every((r) => g.held.has(r))) || undefined,
      30_000,
      100,
    );
    let left: Session[] = [];
    await waitFor(
      'no session left of a deleted BGPPeer',
      async () => {
        left = (await sessions()).filter((x) => x.peer.startsWith('127.0.9.') || x.peer === '::1');
        return left.length === 0 || undefined;
      },
      15_000,
      250,
    ).catch(() => assert.fail(`deleted BGPPeers left sessions behind (seed ${seed}): ${JSON.stringify(left)}\n${log}`));

    // Memory flat: the mean RSS of the last quarter against the second quarter (after warm-up).
    const q = (from: number, to: number): number => {
      const xs = rss.filter((r) => r.t >= from * SECONDS * 1000 && r.t < to * SECONDS * 1000).map((r) => r.mib);
      return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    };
    const early = q(0.25, 0.5);
    const late = q(0.75, 1.01);
    assert.ok(late < early * 1.25 + 16, `RSS grew from ${early.toFixed(1)} to ${late.toFixed(1)} MiB (seed ${seed})`);
    assert.ok(
      stats.puts > 0 && stats.dynamic > 0 && stats.mutants > 0,
      `the soak did little: ${JSON.stringify(stats)}`,
    );
    console.log(`# soak seed ${seed}: ${JSON.stringify(stats)}, RSS ${early.toFixed(1)} -> ${late.toFixed(1)} MiB`);

    // A clean stop: Cease to every peer, exit 0.
    const exited = new Promise<number | null>((r) => daemon.once('exit', (code) => r(code)));
    daemon.kill('SIGTERM');
    assert.equal(await Promise.race([exited, sleep(8000).then(() => -1)]), 0, `no clean exit on SIGTERM:\n${log}`);
  } finally {
    if (alive()) daemon.kill('SIGKILL');
    for (const c of churners) await c.stop('soak over').catch(() => undefined);
    await steady.speaker.stop('soak over').catch(() => undefined);
    for (const g of good) await g.speaker.stop('soak over').catch(() => undefined);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
