// GET /routes of a big table is streamed: the event loop (every session's keepalives and hold
// timers) is never held for long while it runs, a client that stops reading stops the walk
// (back-pressure) instead of the daemon buffering the table, a client that leaves ends it,
// and the bytes are what JSON.stringify of the whole array gave before. A malformed prefix
// is a 400 with one line. The bound is a correctness bound (a 3 s hold time must survive),
// not a benchmark: building 400k routes' JSON in one go held the loop for seconds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { IPV4_UNICAST, IPV6_UNICAST, type Family } from '../../src/bgp/messages';
import { Rib } from '../../src/rib';
import { startApiServer, type ApiServer, type RouteEntry } from '../../src/observability';
import { locRibRoutes } from '../../src/routing/routes-view';
import { attrs, ibgp, ip, setup } from '../rib/helpers';
import { nh } from '../helpers/addr';

const N = 400_000;
const MAX_BUSY_MS = 500;

const { store, peers } = setup();
const ribs = new Map<Family, Rib>([
  [IPV4_UNICAST, new Rib({ family: IPV4_UNICAST, peers, attrs: store, initialPrefixes: N })],
  [IPV6_UNICAST, new Rib({ family: IPV6_UNICAST, peers, attrs: store })],
]);
let pulled = 0;
let api: ApiServer;

before(async () => {
  const rib = ribs.get(IPV4_UNICAST)!;
  const p = peers.add(ibgp('10.0.0.2'));
  const set = store.intern(
    attrs({ localPref: 100, med: 5, communities: [(65000 << 16) | 100], nextHop: nh('198.51.100.1') }),
  );
  const base = ip('10.0.0.0');
  for (let i = 0; i < N; i++) rib.announce4(p.index, (base + i * 256) >>> 0, 24, 0, set);
  while (rib.pendingDecisions > 0) rib.decide(100_000);
  api = await startApiServer(
    {
      registry: null as never,
      status: () => ({ name: 'rr1', routerId: '10.0.0.1', asn: 65000, sessions: [] }),
      routes: (family, prefix) => {
        const it = locRibRoutes(ribs, family, prefix);
        // Count what the server takes from the walk (back-pressure shows as fewer).
        return (function* counted() {
          for (const r of it) {
            pulled++;
            yield r as RouteEntry;
          }
        })();
      },
    },
    '127.0.0.1',
    0,
  );
});
after(() => api.close());

function getChunks(path: string): Promise<{ status: number; chunks: Buffer[] }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: api.port, path, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, chunks }));
      })
      .on('error', reject);
  });
}

async function get(path: string): Promise<{ status: number; body: Buffer }> {
  const r = await getChunks(path);
  return { status: r.status, body: Buffer.concat(r.chunks) };
}

test(`GET /routes of ${N} routes: the event loop is never held ${MAX_BUSY_MS} ms; the JSON is unchanged`, async () => {
  // A keepalive-like timer: between two of its ticks, how much CPU did this process use? A
  // synchronous stretch (the whole table as one string) shows as a tick that used seconds of
  // CPU. CPU, not wall time: on a loaded machine a starved process waits without working,
  // and that is not ours to bound. The wall-clock delay is printed alongside.
  const h = monitorEventLoopDelay({ resolution: 10 });
  let prev = process.cpuUsage();
  let maxBusy = 0;
  const tick = setInterval(() => {
    const d = process.cpuUsage(prev);
    prev = process.cpuUsage();
    maxBusy = Math.max(maxBusy, (d.user + d.system) / 1000);
  }, 10);
  h.enable();
  const started = performance.now();
  const rc = await getChunks('/routes?family=ipv4-unicast');
  const took = performance.now() - started;
  h.disable();
  clearInterval(tick);
  const r = { status: rc.status, body: Buffer.concat(rc.chunks) }; // after the measurement
  assert.equal(r.status, 200);
  // The numbers go in the message: a failure shows how far off it was.
  assert.ok(
    maxBusy < MAX_BUSY_MS,
    `${maxBusy.toFixed(0)} ms of CPU between two 10 ms ticks ` +
      `(max event-loop delay ${(h.max / 1e6).toFixed(0)} ms, stream ${took.toFixed(0)} ms)`,
  );
  // Byte for byte what the API sent before streaming (one JSON.stringify of the array).
  const expected = JSON.stringify([...locRibRoutes(ribs, 'ipv4-unicast')]) + '\n';
  assert.equal(r.body.length, Buffer.byteLength(expected));
  assert.ok(r.body.equals(Buffer.from(expected)), 'same bytes');
  const parsed = JSON.parse(r.body.toString('utf8')) as RouteEntry[];
  assert.equal(parsed.length, N);
  assert.deepEqual(parsed[0], {
    prefix: '10.0.0.0/24',
    nextHop: '198.51.100.1',
    asPath: '',
    origin: 'IGP',
    from: '10.0.0.2',
    best: true,
    localPref: 100,
    med: 5,
    communities: ['65000:100'],
  });
});

test('a client that stops reading stops the walk (back-pressure); one that leaves ends it', {
  timeout: 180_000,
}, async () => {
  pulled = 0;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  // Wait until the walk stands still (or 20 s pass) while the client reads nothing.
  async function settled(): Promise<number> {
    let last = -1;
    for (let i = 0; i < 100 && pulled !== last; i++) {
      last = pulled;
      await sleep(200);
    }
    return pulled;
  }
  let res!: http.IncomingMessage;
  // A fresh connection (agent: false): a keep-alive socket left by the test before may be
  // closed by the server (its keep-alive timeout) just as this request is put on it.
  const req = http.get({ host: '127.0.0.1', port: api.port, path: '/routes', agent: false });
  let leaving = false;
  res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', (e) => (leaving ? undefined : reject(e))); // an error after our destroy below is expected
  });
  res.pause();
  // Listen for the end of the response before anything can end it: under a heavy load the
  // wait below is long, and a close that happened before the listener would hang the test.
  const closed = new Promise<void>((resolve) => res.on('close', resolve));
  const whilePaused = await settled();
  // Socket buffers hold some MB at most: far less than the table (~60 MB).
  assert.ok(
    whilePaused > 0 && whilePaused < N / 4,
    `${whilePaused} of ${N} routes walked while the client read nothing`,
  );
  let bytes = 0;
  res.on('data', (c: Buffer) => {
    bytes += c.length;
    if (bytes > 1_000_000) {
      leaving = true;
      req.destroy(); // and now leave, mid-stream
    }
  });
  res.resume();
  await closed;
  const after = await settled();
  assert.ok(after < N, `the walk went on to ${after} after the client left`);
  // The server is fine afterwards.
  assert.equal((await get('/routes?prefix=10.0.1.0/24')).status, 200);
});

test('/routes: a malformed prefix or family is a 400 with one line; a valid absent prefix is []', async () => {
  for (const [q, msg] of [
    ['prefix=10.0.0.300/24', 'prefix "10.0.0.300/24" is not an IPv4 prefix like 10.0.0.0/24'],
    ['prefix=10.0.0.0/', 'prefix "10.0.0.0/" is not an IPv4 prefix'],
    ['prefix=10.0.0.0/33', 'prefix "10.0.0.0/33" is not an IPv4 prefix'],
    ['prefix=bogus', 'prefix "bogus" is not an IPv4 prefix'],
    ['prefix=2001:db8::/32', 'prefix "2001:db8::/32" is not an IPv4 prefix'],
    ['family=ipv6-unicast&prefix=10.0.0.0/8', 'prefix "10.0.0.0/8" is not an IPv6 prefix'],
    ['family=ipv9', 'unknown family "ipv9"'],
  ] as const) {
    const r = await get(`/routes?${q}`);
    assert.equal(r.status, 400, q);
    const text = r.body.toString('utf8');
    assert.equal(text.trimEnd().split('\n').length, 1, text);
    assert.ok((JSON.parse(text) as { error: string }).error.startsWith(msg), `${q}: ${text}`);
  }
  const none = await get('/routes?prefix=192.0.2.0/24');
  assert.deepEqual([none.status, none.body.toString()], [200, '[]\n']);
  const one = JSON.parse((await get('/routes?prefix=10.0.1.0/24')).body.toString()) as RouteEntry[];
  assert.deepEqual(
    one.map((r) => [r.prefix, r.best]),
    [['10.0.1.0/24', true]],
  );
  assert.equal((await get('/routes?family=ipv6-unicast')).body.toString(), '[]\n');
});
