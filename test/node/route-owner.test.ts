// RouteOwner: BGP (FibFeed) and the dataplane write one FibSink; per prefix a local workload's
// device route wins, its removal puts BGP's route back, and the stale-route sweep waits for
// both writers. A recording sink stands in for the kernel (the real one: test/demo, test/dataplane/netns).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouteOwner, memoryFib, type FibSink } from '../../src/node';

function recordingSink(): FibSink & {
  routes(): unknown[];
  synced: number;
  resyncs: string[];
  failures: Map<string, string>;
} {
  const mem = memoryFib();
  const failures = new Map<string, string>();
  const resyncs: string[] = [];
  let synced = 0;
  return {
    ...mem,
    syncDone: () => {
      synced++;
    },
    failure: (p) => failures.get(p),
    resync: (what) => {
      resyncs.push(what);
    },
    routes: () => mem.routes(),
    get synced() {
      return synced;
    },
    resyncs,
    failures,
  };
}

test("a local device route wins over BGP for its prefix; removing it restores BGP's route", async () => {
  const sink = recordingSink();
  const owner = new RouteOwner(sink, true);
  const bgp = { prefix: '192.168.1.1/32', kind: 'unicast' as const, nextHops: [{ gateway: '172.17.8.102' }] };
  owner.bgpSink.set(bgp);
  owner.bgpSink.set({ prefix: '192.168.1.0/26', kind: 'blackhole', nextHops: [] });
  assert.deepEqual(sink.routes(), [{ prefix: '192.168.1.0/26', kind: 'blackhole', nextHops: [] }, bgp]);

  owner.routeTable.setDeviceRoute('192.168.1.1/32', 'vra');
  assert.deepEqual(await owner.routeTable.apply(false), new Map());
  assert.deepEqual(sink.routes()[1], { prefix: '192.168.1.1/32', kind: 'device', nextHops: [], device: 'vra' });
  assert.deepEqual(owner.overridden(), ['192.168.1.1/32']);
  assert.deepEqual(sink.resyncs, ['links'], 'a new device route re-reads the links first');

  // BGP changing its mind meanwhile does not touch the kernel route...
  const bgp2 = { ...bgp, nextHops: [{ gateway: '172.17.8.103' }] };
  owner.bgpSink.set(bgp2);
  assert.equal((sink.routes()[1] as { kind: string }).kind, 'device');
  // ...but is what comes back when the workload goes.
  owner.routeTable.delete('192.168.1.1/32');
  assert.deepEqual(sink.routes()[1], bgp2);
  assert.deepEqual(owner.overridden(), []);

  // Local only: removing it removes the route; BGP's delete under a local route keeps it.
  owner.routeTable.setDeviceRoute('192.168.1.2/32', 'vrb');
  owner.bgpSink.set({ prefix: '192.168.1.2/32', kind: 'unicast', nextHops: [{ gateway: '172.17.8.102' }] });
  owner.bgpSink.delete('192.168.1.2/32');
  assert.deepEqual(sink.routes()[2], { prefix: '192.168.1.2/32', kind: 'device', nextHops: [], device: 'vrb' });
  owner.routeTable.delete('192.168.1.2/32');
  assert.equal(sink.routes().length, 2);
});

test("failures come back in the dataplane's own prefix text; IPv6 keys are canonical", async () => {
  const sink = recordingSink();
  const owner = new RouteOwner(sink, true);
  owner.bgpSink.set({ prefix: '2001:db8::1/128', kind: 'unicast', nextHops: [{ gateway: '2001:db8:ff::1' }] });
  owner.routeTable.setDeviceRoute('2001:DB8:0::1/128', 'vra');
  owner.routeTable.setDeviceRoute('192.168.1.9/32', 'vrgone');
  sink.failures.set('192.168.1.9/32', 'interface vrgone does not exist');
  const failed = await owner.routeTable.apply(true);
  assert.deepEqual(failed, new Map([['192.168.1.9/32', 'interface vrgone does not exist']]));
  assert.deepEqual(sink.resyncs, ['links', 'table']);
  assert.deepEqual(owner.overridden(), ['2001:db8::1/128']);
  // Setting the same route again is no change: no re-read of the links.
  owner.routeTable.setDeviceRoute('2001:db8::1/128', 'vra');
  await owner.routeTable.apply(false);
  assert.deepEqual(sink.resyncs, ['links', 'table']);
});

test("the stale-route sweep waits for BGP's initial sync and the dataplane's first apply", () => {
  const sink = recordingSink();
  const owner = new RouteOwner(sink, true);
  owner.bgpSink.syncDone();
  assert.equal(sink.synced, 0, 'a restarted agent must not sweep the workload routes before the dataplane set them');
  owner.localSyncDone();
  assert.equal(sink.synced, 1);
  owner.localSyncDone();
  owner.bgpSink.syncDone();
  assert.equal(sink.synced, 1, 'once');
  const bgpOnly = recordingSink();
  new RouteOwner(bgpOnly, false).bgpSink.syncDone();
  assert.equal(bgpOnly.synced, 1, 'without a dataplane BGP alone decides');
});

test('BGP routes given as address words (setWords): a local route still wins, and what BGP gave comes back after', async () => {
  const sink = recordingSink();
  const owner = new RouteOwner(sink, true);
  const hops = [{ gateway: '172.17.8.102' }];
  const w = (a: number, b: number, c: number, d: number) => [((a << 24) | (b << 16) | (c << 8) | d) >>> 0];
  owner.bgpSink.setWords!(false, w(192, 168, 1, 1), 32, hops);
  owner.bgpSink.setWords!(false, w(192, 168, 1, 2), 32, hops);
  owner.routeTable.setDeviceRoute('192.168.1.1/32', 'vra');
  // Under the local route, BGP's change is remembered, not sent; elsewhere it goes through.
  const hops2 = [{ gateway: '172.17.8.103' }];
  owner.bgpSink.setWords!(false, w(192, 168, 1, 1), 32, hops2);
  owner.bgpSink.deleteWords!(false, w(192, 168, 1, 2), 32);
  assert.deepEqual(sink.routes(), [{ prefix: '192.168.1.1/32', kind: 'device', nextHops: [], device: 'vra' }]);
  assert.deepEqual(owner.overridden(), ['192.168.1.1/32']);
  owner.routeTable.delete('192.168.1.1/32');
  assert.deepEqual(sink.routes(), [{ prefix: '192.168.1.1/32', kind: 'unicast', nextHops: hops2 }]);
  owner.bgpSink.deleteWords!(false, w(192, 168, 1, 1), 32);
  assert.deepEqual(sink.routes(), []);
  assert.deepEqual(owner.overridden(), []);
});
