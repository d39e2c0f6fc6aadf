// Dynamic neighbors under churn: the longest matching range wins, a range holds at most
// maxPeers sessions (the rest get Cease / Connection Rejected, RFC 4486 subcode 5), refusal log
// lines are rate limited per range, and a departed peer's metric series are removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { Writable } from 'node:stream';
import { IPV4_UNICAST } from '../../../src/bgp/messages';
import { PrefixSet, Speaker, type Peer } from '../../../src/bgp/fsm';
import { createLogger, createMetrics } from '../../../src/observability';

async function until(what: string, pred: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Connect from `from` and collect what the server sends until it closes (bounded). */
function refusedBytes(port: number, from: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ host: '127.0.0.1', port, localAddress: from });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`${from}: not closed within 5 s`));
    }, 5000);
    s.on('data', (c) => chunks.push(c));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

test('PrefixSet: the longest prefix wins whatever the order; the first added on a tie', () => {
  const s = new PrefixSet<string>();
  s.add('10.0.0.0/8', 'wide');
  s.add('10.1.0.0/16', 'mid');
  s.add('10.1.2.0/24', 'narrow');
  s.add('10.1.2.0/24', 'second narrow');
  s.add('2001:db8::/32', 'v6');
  s.add('2001:db8:1::/48', 'v6 narrow');
  assert.equal(s.match('10.1.2.3'), 'narrow');
  assert.equal(s.match('10.1.3.3'), 'mid');
  assert.equal(s.match('10.2.0.1'), 'wide');
  assert.equal(s.match('::ffff:10.1.2.9'), 'narrow');
  assert.equal(s.match('2001:db8:1::5'), 'v6 narrow');
  assert.equal(s.match('2001:db8:2::5'), 'v6');
  assert.equal(s.match('192.0.2.1'), undefined);
});

test('dynamic ranges: longest match, maxPeers with Cease / Connection Rejected, rate-limited refusals, metric series removed', {
  timeout: 30_000,
}, async () => {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      cb();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const metrics = createMetrics({ defaultMetrics: false });
  let now = Date.now();
  const sp = new Speaker({
    asn: 65000,
    routerId: '10.0.0.1',
    listen: { address: '127.0.0.1', port: 0 },
    logger,
    metrics,
    clock: () => now,
    refusalLogWindowMs: 60_000,
    dynamicNeighbors: [
      // Listed wide first: a first-match lookup would put 127.0.6.x in the /8.
      {
        prefix: '127.0.0.0/8',
        asn: 65000,
        routeReflectorClient: true,
        holdTime: 30,
        families: [IPV4_UNICAST],
        maxPeers: 2,
      },
      { prefix: '127.0.6.0/24', asn: 65006, routeReflectorClient: false, holdTime: 30, families: [IPV4_UNICAST] },
    ],
  });
  const held: net.Socket[] = [];
  const hold = async (from: string): Promise<Peer> => {
    const s = net.connect({ host: '127.0.0.1', port: sp.listenPort!, localAddress: from });
    s.on('error', () => undefined);
    s.on('data', () => undefined); // our OPEN; the raw client never answers, so the session waits
    held.push(s);
    await until(`${from} accepted`, () => sp.peer(from) !== undefined);
    return sp.peer(from)!;
  };
  const refusedLines = () => lines.filter((l) => String(l.msg).startsWith('dynamic neighbor refused'));
  try {
    await sp.start();
    const narrow = await hold('127.0.6.5');
    assert.equal(narrow.config.asn, 65006, 'the /24 wins over the /8 listed before it');
    assert.equal(narrow.config.routeReflectorClient, false);

    const a = await hold('127.0.7.1');
    await hold('127.0.7.2');
    assert.equal(a.config.asn, 65000);
    // The /8 is full (the /24's peer does not count against it).
    const bytes = await refusedBytes(sp.listenPort!, '127.0.7.3');
    assert.equal(bytes.length, 21, `one bare NOTIFICATION, no OPEN first: ${bytes.toString('hex')}`);
    assert.deepEqual([bytes[18], bytes[19], bytes[20]], [3, 6, 5], 'NOTIFICATION Cease / Connection Rejected');
    assert.equal(sp.peer('127.0.7.3'), undefined);
    for (let i = 4; i < 8; i++) await refusedBytes(sp.listenPort!, `127.0.7.${i}`);
    assert.equal(refusedLines().length, 1, 'five refusals in one window log one line');
    assert.equal(refusedLines()[0]!.prefix, '127.0.0.0/8');
    now += 60_000;
    await refusedBytes(sp.listenPort!, '127.0.7.8');
    assert.equal(refusedLines().length, 2);
    assert.equal(refusedLines()[1]!.suppressed, 4, 'the next line counts what was not logged');

    // A peer that goes frees its place and its metric series.
    const text = () => metrics.registry.metrics();
    assert.match(await text(), /peer="127\.0\.7\.1"/);
    const gone = new Promise<Peer>((r) =>
      sp.on('peerRemoved', (p: Peer) => {
        if (p === a) r(p);
      }),
    );
    held[1]!.destroy();
    await gone;
    await until('the series of 127.0.7.1 removed', async () => !(await text()).includes('peer="127.0.7.1"'));
    assert.match(await text(), /peer="127\.0\.7\.2"/, 'the others stay');
    const again = await hold('127.0.7.9');
    assert.equal(again.config.dynamic, true, 'a place in the range is free again');
  } finally {
    for (const s of held) s.destroy();
    await sp.stop();
  }
});
