// Contract 3's per-session counts: `received` is what the peer sent (before the import rules
// and RFC 7606 treat-as-withdraw), `accepted` what was kept, `advertised` what went to that
// peer (a client's own routes never go back to it); the refused paths are listed with their
// reason; and the Prometheus gauges (prefixes received/advertised, Loc-RIB size) are set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  IPV4_UNICAST,
  decodeUpdate,
  packAnnouncements,
  packWithdrawals,
  parsePrefix,
  type CodecContext,
} from '../../src/bgp/messages';
import type { SessionHandle } from '../../src/routing';
import { createMetrics } from '../../src/observability';
import { FakeSessionBase } from '../helpers/sessions';
import { ip4 } from '../helpers/addr';
import { testEngine } from '../helpers/engine';

const CTX: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set() };

class FakeSession extends FakeSessionBase implements SessionHandle {
  written = 0;
  counts = { received: 0, accepted: 0, advertised: 0 };
  negotiated = { families: [IPV4_UNICAST], fourOctetAs: true, tx: CTX };
  constructor(
    readonly config: SessionHandle['config'],
    readonly remoteBgpId: number,
  ) {
    super();
  }
  write(): boolean {
    this.written++;
    return true;
  }
  setPrefixCounts(c: { received: number; accepted: number; advertised: number }): void {
    this.counts = c;
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

function announce(s: FakeSession, nextHop: string, prefixes: string[], extra: Record<string, unknown> = {}): void {
  const attrs = { origin: 0, asPath: [], nextHop: ip4(nextHop), localPref: 100, ...extra };
  for (const m of packAnnouncements(
    attrs,
    IPV4_UNICAST,
    prefixes.map((p) => parsePrefix(p)!),
    CTX,
  ))
    s.deliver(decodeUpdate(m, CTX));
}

test('received / accepted / advertised per session; refused paths listed with the reason; gauges set', async () => {
  const engine = testEngine();
  const a = new FakeSession({ address: '192.0.2.2', asn: 65000, routeReflectorClient: true }, 0xc0000202);
  const b = new FakeSession({ address: '192.0.2.3', asn: 65000, routeReflectorClient: true }, 0xc0000203);
  engine.attach(a);
  engine.attach(b);
  a.established();
  b.established();
  await settle();

  // a: two good routes, three with a loopback next hop (RFC 7606 treat-as-withdraw), one
  // carrying our cluster ID (RFC 4456 8 loop). b: one good route.
  announce(a, '198.51.100.2', ['10.1.0.0/24', '10.1.1.0/24']);
  announce(a, '127.0.0.2', ['10.2.1.0/24', '10.2.2.0/24', '10.2.3.0/24']);
  announce(a, '198.51.100.2', ['10.3.0.0/24'], { clusterList: [ip4('10.0.0.1')], originatorId: ip4('192.0.2.9') });
  announce(b, '198.51.100.3', ['10.5.0.0/24']);
  await settle();
  assert.deepEqual(
    a.counts,
    { received: 6, accepted: 2, advertised: 1 },
    "a: all it sent, what was kept, only b's route went to it",
  );
  assert.deepEqual(b.counts, { received: 1, accepted: 1, advertised: 2 });

  const rejected = engine.rejected('ipv4-unicast') as Array<{ prefix: string; from: string; reason: string }>;
  assert.deepEqual(rejected.map((r) => r.prefix).sort(), ['10.2.1.0/24', '10.2.2.0/24', '10.2.3.0/24', '10.3.0.0/24']);
  for (const r of rejected) assert.equal(r.from, '192.0.2.2');
  assert.match(
    rejected.find((r) => r.prefix === '10.2.1.0/24')!.reason,
    /unusable NEXT_HOP 127\.0\.0\.2 \(RFC 7606 treat-as-withdraw\)/,
  );
  assert.match(rejected.find((r) => r.prefix === '10.3.0.0/24')!.reason, /RFC 4456 8/);
  assert.throws(() => engine.rejected('ipv9'), RangeError);

  // Prometheus: the gauges are read from the engine at scrape time.
  const metrics = createMetrics({ defaultMetrics: false });
  metrics.setRibSource({
    prefixCounts: () => engine.prefixCounts(),
    locRibSizes: () => [{ family: 'ipv4-unicast', size: engine.locRibSize(IPV4_UNICAST) }],
  });
  let text = await metrics.registry.metrics();
  assert.match(text, /vroute_bgp_prefixes_received\{peer="192\.0\.2\.2",family="ipv4-unicast"\} 6\n/);
  assert.match(text, /vroute_bgp_prefixes_received\{peer="192\.0\.2\.3",family="ipv4-unicast"\} 1\n/);
  assert.match(text, /vroute_bgp_prefixes_advertised\{peer="192\.0\.2\.2",family="ipv4-unicast"\} 1\n/);
  assert.match(text, /vroute_bgp_prefixes_advertised\{peer="192\.0\.2\.3",family="ipv4-unicast"\} 2\n/);
  assert.match(text, /vroute_rib_loc_rib_prefixes\{family="ipv4-unicast"\} 3\n/);

  // The peer withdraws a refused path, and sends another one again with a usable next hop.
  for (const m of packWithdrawals(IPV4_UNICAST, [parsePrefix('10.2.1.0/24')!], CTX)) a.deliver(decodeUpdate(m, CTX));
  announce(a, '198.51.100.2', ['10.2.2.0/24']);
  await settle();
  assert.deepEqual(a.counts, { received: 5, accepted: 3, advertised: 1 });
  assert.deepEqual(b.counts.advertised, 3);
  assert.deepEqual((engine.rejected('ipv4-unicast') as Array<{ prefix: string }>).map((r) => r.prefix).sort(), [
    '10.2.3.0/24',
    '10.3.0.0/24',
  ]);

  // a goes away: its series go from /metrics, its refused paths from the list.
  a.ended('test');
  await settle();
  text = await metrics.registry.metrics();
  assert.doesNotMatch(text, /peer="192\.0\.2\.2"/);
  assert.match(text, /vroute_rib_loc_rib_prefixes\{family="ipv4-unicast"\} 1\n/);
  assert.equal(engine.rejected('ipv4-unicast').length, 0);
  assert.deepEqual(b.counts, { received: 1, accepted: 1, advertised: 0 });
  engine.close();
});

test('a path refused by an import policy counts as received, not accepted, with the policy named', async () => {
  const engine = testEngine({ policies: { prefixLists: {}, policies: { deny_all: [{ action: 'reject' }] } } });
  const a = new FakeSession({ address: '192.0.2.2', asn: 65000, routeReflectorClient: true }, 0xc0000202);
  engine.attach(a, { importPolicy: 'deny_all' });
  a.established();
  await settle();
  announce(a, '198.51.100.2', ['10.1.0.0/24', '10.1.1.0/24']);
  await settle();
  assert.deepEqual(a.counts, { received: 2, accepted: 0, advertised: 0 });
  const r = engine.rejected('ipv4-unicast') as Array<{ reason: string }>;
  assert.equal(r.length, 2);
  assert.equal(r[0]!.reason, 'import policy deny_all');
  engine.close();
});
