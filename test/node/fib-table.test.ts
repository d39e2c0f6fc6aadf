// The FIB's slot tables (src/node/fib/table.ts) and the feed's binary hand-over, without a
// kernel: a slot gives its prefix id back once nothing is kept for it (a table that came and
// went leaves no ids behind), the dirty queue is first in first out across growth and wrap,
// and FibFeed (through the RouteOwner) gives the sink the prefixes as address words (no
// text), also when the Rib recycles a prefix id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DirtyQueue, FamilyTable, SCATTER_MIN } from '../../src/node/fib/table';
import { FibFeed, memoryFib, RouteOwner, type FibNextHop, type FibSink } from '../../src/node';
import { AttrStore, PeerTable, Rib } from '../../src/rib';
import { IPV4_UNICAST } from '../../src/bgp/messages';
import { nh } from '../helpers/addr';

test('FamilyTable: a slot lives while anything is kept for it; its prefix id is given back after', () => {
  const t = new FamilyTable(false);
  const w = new Uint32Array(1);
  const hops: FibNextHop[] = [{ gateway: '192.0.2.2' }];
  const ids: number[] = [];
  for (let i = 0; i < 5000; i++) {
    w[0] = 0x0b000000 + i * 256;
    const id = t.slot(w, 24);
    t.setDesired(id, hops);
    ids.push(id);
  }
  assert.equal(t.prefixes.size, 5000);
  assert.equal(t.desiredEntries, 1, 'one shared next-hop array, one entry');
  assert.equal(t.desired(ids[9]!), hops);
  // A writer that makes a new array per route: one entry each, forgotten when replaced.
  for (let i = 0; i < 10; i++) t.setDesired(ids[i]!, [{ gateway: '192.0.2.3' }]);
  assert.equal(t.desiredEntries, 11);
  assert.deepEqual(t.desired(ids[3]!), [{ gateway: '192.0.2.3' }]);
  for (let i = 0; i < 10; i++) t.setDesired(ids[i]!, hops);
  assert.equal(t.desiredEntries, 1);
  t.setDesired(ids[4]!, hops); // the same entry again keeps it
  assert.equal(t.desired(ids[4]!), hops);
  w[0] = 0x0b000000 + 7 * 256;
  assert.equal(t.find(w, 24), ids[7]);
  assert.deepEqual([...t.kernelDst(ids[7]!).bytes], [11, 0, 7, 0]);
  assert.equal(t.text(ids[7]!), '11.0.7.0/24');
  // Installed, then no longer desired: still live until the delete took effect.
  t.setInstalled(ids[0]!, 3);
  assert.equal(t.installedCount, 1);
  for (const id of ids) {
    t.setDesired(id, undefined);
    t.release(id);
  }
  assert.equal(t.prefixes.size, 1, 'the installed one stays');
  assert.equal(t.desiredEntries, 0, 'no slot names an entry: none kept');
  assert.equal(t.hasDesired(ids[0]!), false);
  t.setInstalled(ids[0]!, -1);
  t.release(ids[0]!);
  assert.equal(t.installedCount, 0);
  assert.equal(t.prefixes.size, 0, 'every prefix id given back');
  w[0] = 0x0b000000 + 7 * 256;
  assert.equal(t.find(w, 24), -1);
});

test('DirtyQueue: first in, first out, across growth and wrap-around', () => {
  const q = new DirtyQueue();
  const out: number[] = [];
  for (let i = 0; i < 700; i++) q.push(i);
  for (let i = 0; i < 600; i++) out.push(q.shift());
  for (let i = 700; i < 3000; i++) q.push(i); // wraps, then grows with a wrapped ring
  while (q.size > 0) out.push(q.shift());
  assert.deepEqual(
    out,
    Array.from({ length: 3000 }, (_, i) => i),
  );
  assert.equal(q.shift(), -1);
});

test('DirtyQueue: a backlog of SCATTER_MIN or more drains scattered, each tag once; what comes after keeps its turn', () => {
  const q = new DirtyQueue();
  const n = SCATTER_MIN * 4 + 37;
  for (let i = 0; i < 100; i++) q.push(0); // a few changes first, taken in order
  for (let i = 0; i < 100; i++) assert.equal(q.shift(), 0);
  for (let i = 0; i < n; i++) q.push(i); // a table arriving sorted
  const out: number[] = [];
  for (let i = 0; i < n / 2; i++) out.push(q.shift());
  for (let i = n; i < n + 10; i++) q.push(i); // changes during the drain: after the backlog
  while (q.size > 0) out.push(q.shift());
  const backlog = out.slice(0, n);
  assert.deepEqual(
    [...backlog].sort((a, b) => a - b),
    Array.from({ length: n }, (_, i) => i),
    'every tag of the backlog exactly once',
  );
  assert.deepEqual(out.slice(n), [n, n + 1, n + 2, n + 3, n + 4, n + 5, n + 6, n + 7, n + 8, n + 9]);
  // Neither order of arrival nor its reverse: the second half of the table starts early.
  const late = backlog.findIndex((t) => t >= n / 2);
  assert.ok(late >= 0 && late < n / 8, `a late tag comes early (at ${late})`);
  assert.notDeepEqual(
    backlog.slice(0, 64),
    Array.from({ length: 64 }, (_, i) => n - 1 - i),
  );
  // Below SCATTER_MIN the order is kept.
  for (let i = 0; i < SCATTER_MIN - 1; i++) q.push(i);
  const small: number[] = [];
  while (q.size > 0) small.push(q.shift());
  assert.deepEqual(
    small,
    Array.from({ length: SCATTER_MIN - 1 }, (_, i) => i),
  );
});

test('FibFeed: the sink gets address words, no text calls; recycled prefix ids; a blackhole over a learned route and back', () => {
  const peers = new PeerTable();
  const attrs = new AttrStore();
  const rib = new Rib({ family: IPV4_UNICAST, peers, attrs, multipath: true });
  const p1 = peers.add({ address: '192.0.2.2', asn: 64512, routerId: 2, localAsn: 64512 });
  const mem = memoryFib();
  const calls = { words: 0, text: 0 };
  const sink: FibSink = {
    ...mem,
    set: (r) => {
      calls.text++;
      mem.set(r);
    },
    delete: (p) => {
      calls.text++;
      mem.delete(p);
    },
    setWords: (...a) => {
      calls.words++;
      mem.setWords(...a);
    },
    deleteWords: (...a) => {
      calls.words++;
      mem.deleteWords(...a);
    },
  };
  const owner = new RouteOwner(sink, false);
  const feed = new FibFeed(owner, new Set(['192.0.2.1']));
  const a = attrs.intern({ origin: 0, asPath: [], localPref: 100, nextHop: nh('192.0.2.2') });
  for (let i = 0; i < 100; i++) rib.announce(p1.index, [0x0a000000 + i * 256], 24, 0, a);
  feed.apply(IPV4_UNICAST, rib, rib.decide());
  assert.equal(mem.routes().length, 100);
  assert.deepEqual(
    mem.routes().find((r) => r.prefix === '10.0.5.0/24'),
    { prefix: '10.0.5.0/24', kind: 'unicast', nextHops: [{ gateway: '192.0.2.2' }] },
  );
  assert.equal(feed.learnedCount, 100);
  // Half withdrawn, then new prefixes announced: the Rib hands the freed ids to them.
  for (let i = 0; i < 50; i++) rib.withdraw(p1.index, [0x0a000000 + i * 256], 24, 0);
  feed.apply(IPV4_UNICAST, rib, rib.decide());
  for (let i = 0; i < 50; i++) rib.announce(p1.index, [0x0b000000 + i * 256], 24, 0, a);
  feed.apply(IPV4_UNICAST, rib, rib.decide());
  const got = mem.routes().map((r) => r.prefix);
  assert.equal(got.length, 100);
  assert.ok(got.includes('11.0.49.0/24') && got.includes('10.0.50.0/24') && !got.includes('10.0.49.0/24'));
  assert.equal(feed.learnedCount, 100);
  // The blackhole of a block wins over the learned route and gives it back when it goes.
  owner.setBlackhole('10.0.60.0/24');
  assert.equal(mem.routes().find((r) => r.prefix === '10.0.60.0/24')!.kind, 'blackhole');
  rib.withdraw(p1.index, [0x0a000000 + 60 * 256], 24, 0);
  rib.announce(p1.index, [0x0a000000 + 60 * 256], 24, 0, a);
  feed.apply(IPV4_UNICAST, rib, rib.decide());
  assert.equal(mem.routes().find((r) => r.prefix === '10.0.60.0/24')!.kind, 'blackhole');
  owner.deleteBlackhole('10.0.60.0/24');
  assert.deepEqual(mem.routes().find((r) => r.prefix === '10.0.60.0/24')!.nextHops, [{ gateway: '192.0.2.2' }]);
  assert.equal(calls.words, 201, 'every learned route through the word calls, and the one put back');
  assert.equal(calls.text, 1, 'only the blackhole as text');
  rib.peerDown(p1.index);
  feed.apply(IPV4_UNICAST, rib, rib.decide());
  assert.deepEqual(
    mem.routes().map((r) => r.prefix),
    [],
  );
  assert.equal(feed.learnedCount, 0);
});
