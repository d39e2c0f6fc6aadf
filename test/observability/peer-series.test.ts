// removePeerSeries: a departed peer's series go from every metric; departures in one turn of
// the event loop share one pass over the registry (one collect per metric, not one per peer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { removePeerSeries } from '../../src/observability/peer-series';

test('removePeerSeries: 200 of 300 peers leave in one turn: one collect per metric, only the 100 left keep series', async () => {
  const r = new Registry();
  let collects = 0;
  const sent = new Counter({ name: 't_sent', help: 'h', labelNames: ['peer', 'type'], registers: [r] });
  const hist = new Histogram({ name: 't_hist', help: 'h', labelNames: ['peer'], buckets: [1, 2], registers: [r] });
  const g = new Gauge({
    name: 't_gauge',
    help: 'h',
    labelNames: ['peer'],
    registers: [r],
    collect() {
      collects++;
    },
  });
  const other = new Counter({ name: 't_other', help: 'h', labelNames: ['family'], registers: [r] });
  other.inc({ family: 'ipv4-unicast' });
  const peer = (i: number): string => `127.1.${i >> 8}.${i & 255}`;
  for (let i = 0; i < 300; i++) {
    sent.inc({ peer: peer(i), type: 'UPDATE' });
    sent.inc({ peer: peer(i), type: 'KEEPALIVE' });
    hist.observe({ peer: peer(i) }, 1.5);
    g.set({ peer: peer(i) }, i);
  }
  const counts = await Promise.all(Array.from({ length: 200 }, (_, i) => removePeerSeries(r, peer(i))));
  // Two counter series, one histogram series (its buckets are one series), one gauge series.
  assert.deepEqual(new Set(counts), new Set([4]));
  assert.equal(collects, 1, 'one pass over the registry for the whole batch');
  const peersLeft = async (m: {
    get(): Promise<{ values: Array<{ labels: Record<string, string | number> }> }>;
  }): Promise<Set<string>> => new Set((await m.get()).values.map((v) => String(v.labels.peer)));
  for (const m of [sent, hist, g]) {
    const left = await peersLeft(m);
    assert.equal(left.size, 100);
    assert.ok(left.has(peer(200)) && left.has(peer(299)) && !left.has(peer(0)) && !left.has(peer(199)));
  }
  assert.equal((await other.get()).values.length, 1, 'metrics without a peer label are untouched');
  // A later turn is a new batch; an address with no series removes nothing.
  assert.equal(await removePeerSeries(r, peer(250)), 4);
  assert.equal(await removePeerSeries(r, '192.0.2.1'), 0);
  assert.equal((await peersLeft(sent)).size, 99);
});
