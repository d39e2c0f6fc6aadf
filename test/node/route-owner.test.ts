// RouteOwner: the one writer of the FibSink. Per prefix a local workload's device route wins
// over our block's blackhole, which wins over BGP's route; removing one puts the next back
// (BGP's read from its owner, FibFeed, not copied); the stale-route sweep waits for both
// writers. A recording sink stands in for the kernel (the real one: route-owner-kernel.test.ts,
// test/demo, test/dataplane/netns).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FibFeed, RouteOwner, memoryFib, type FibRoute, type FibSink } from '../../src/node';
import { AttrStore, PeerTable, Rib } from '../../src/rib';
import { IPV4_UNICAST } from '../../src/bgp/messages';
import { nh } from '../helpers/addr';
import { bgpStandIn } from '../helpers/bgp-routes';

function recordingSink(): FibSink & {
  routes(): FibRoute[];
  synced: number;
  writes: number;
  resyncs: string[];
  failures: Map<string, string>;
} {
  const mem = memoryFib();
  const failures = new Map<string, string>();
  const resyncs: string[] = [];
  const s = {
    ...mem,
    synced: 0,
    writes: 0,
    resyncs,
    failures,
    set: (r: FibRoute) => {
      s.writes++;
      mem.set(r);
    },
    delete: (p: string) => {
      s.writes++;
      mem.delete(p);
    },
    setWords: (...a: Parameters<FibSink['setWords']>) => {
      s.writes++;
      mem.setWords(...a);
    },
    deleteWords: (...a: Parameters<FibSink['deleteWords']>) => {
      s.writes++;
      mem.deleteWords(...a);
    },
    syncDone: () => {
      s.synced++;
    },
    failure: (p: string) => failures.get(p),
    resync: (what: 'links' | 'table') => {
      resyncs.push(what);
    },
  };
  return s;
}

const A = [{ gateway: '172.17.8.102' }];
const B = [{ gateway: '172.17.8.103' }];
const unicast = (prefix: string, nextHops: typeof A): FibRoute => ({ prefix, kind: 'unicast', nextHops });
const device = (prefix: string, dev: string): FibRoute => ({ prefix, kind: 'device', nextHops: [], device: dev });
const blackhole = (prefix: string): FibRoute => ({ prefix, kind: 'blackhole', nextHops: [] });

test('priority per prefix: device over blackhole over BGP; removing one puts the next back; BGP changes under them are remembered', () => {
  const sink = recordingSink();
  const owner = new RouteOwner(sink, true);
  const bgp = bgpStandIn(owner);
  const P = '192.168.1.1/32';
  const route = (): FibRoute | undefined => sink.routes().find((r) => r.prefix === P);
  bgp.set(P, A);
  assert.deepEqual(route(), unicast(P, A));
  owner.setBlackhole(P);
  assert.deepEqual(route(), blackhole(P), 'blackhole over BGP');
  owner.routeTable.setDeviceRoute(P, 'vra');
  assert.deepEqual(route(), device(P, 'vra'), 'device over blackhole');

  // Under the device route: BGP's change, the blackhole going and coming back send nothing.
  const writes = sink.writes;
  bgp.set(P, B);
  owner.deleteBlackhole(P);
  owner.setBlackhole(P);
  owner.setBlackhole(P);
  owner.routeTable.setDeviceRoute(P, 'vra');
  assert.equal(sink.writes, writes, 'the kernel route stays as it is');
  assert.deepEqual(route(), device(P, 'vra'));
  assert.deepEqual(owner.overridden(), [P]);

  owner.routeTable.delete(P);
  assert.deepEqual(route(), blackhole(P), 'the device route goes: the blackhole is next');
  bgp.set(P, A);
  assert.deepEqual(route(), blackhole(P));
  owner.deleteBlackhole(P);
  assert.deepEqual(route(), unicast(P, A), 'the blackhole goes: BGP as it is now');
  assert.deepEqual(owner.overridden(), []);

  // An interface change is a replace; BGP withdrawing under the device route leaves nothing after.
  owner.routeTable.setDeviceRoute(P, 'vra');
  owner.routeTable.setDeviceRoute(P, 'vrb');
  assert.deepEqual(route(), device(P, 'vrb'));
  bgp.delete(P);
  assert.deepEqual(route(), device(P, 'vrb'));
  owner.routeTable.delete(P);
  assert.equal(route(), undefined);
  // Deleting what is not there sends nothing.
  const w = sink.writes;
  owner.routeTable.delete(P);
  owner.deleteBlackhole(P);
  assert.equal(sink.writes, w);
  // A prefix with no override is BGP's alone, straight through.
  bgp.set('10.0.0.0/24', A);
  bgp.delete('10.0.0.0/24');
  assert.equal(sink.writes, w + 2);
  assert.deepEqual(sink.routes(), []);
});

test("failures come back in the dataplane's own prefix text; IPv6 keys are canonical; a new device route re-reads the links", async () => {
  const sink = recordingSink();
  const owner = new RouteOwner(sink, true);
  const bgp = bgpStandIn(owner);
  bgp.set('2001:db8::1/128', [{ gateway: '2001:db8:ff::1' }]);
  bgp.set('2001:db8::2/128', [{ gateway: '2001:db8:ff::1' }]);
  owner.routeTable.setDeviceRoute('2001:DB8:0::1/128', 'vra');
  owner.routeTable.setDeviceRoute('192.168.1.9/32', 'vrgone');
  sink.failures.set('192.168.1.9/32', 'interface vrgone does not exist');
  const failed = await owner.routeTable.apply(true);
  assert.deepEqual(failed, new Map([['192.168.1.9/32', 'interface vrgone does not exist']]));
  assert.deepEqual(sink.resyncs, ['links', 'table']);
  assert.deepEqual(owner.overridden(), ['2001:db8::1/128']);
  // An IPv6 BGP change at the overridden prefix is held; one at a prefix of the same length goes.
  bgp.set('2001:db8::1/128', [{ gateway: '2001:db8:ff::2' }]);
  bgp.delete('2001:db8::2/128');
  assert.deepEqual(
    sink.routes().filter((r) => r.prefix.includes(':')),
    [device('2001:db8::1/128', 'vra')],
  );
  // Setting the same route again is no change: no re-read of the links.
  owner.routeTable.setDeviceRoute('2001:db8::1/128', 'vra');
  await owner.routeTable.apply(false);
  assert.deepEqual(sink.resyncs, ['links', 'table']);
  owner.routeTable.delete('2001:db8::1/128');
  assert.deepEqual(
    sink.routes().find((r) => r.prefix === '2001:db8::1/128'),
    unicast('2001:db8::1/128', [{ gateway: '2001:db8:ff::2' }]),
  );
  // A blackhole that is not a prefix goes to the sink, which counts it.
  owner.setBlackhole('10.1.1.1/24');
  assert.equal(sink.stats().failed, 1);
});

test("the stale-route sweep waits for BGP's initial sync and the dataplane's first apply", () => {
  const sink = recordingSink();
  const owner = new RouteOwner(sink, true);
  owner.bgpSyncDone();
  assert.equal(sink.synced, 0, 'a restarted agent must not sweep the workload routes before the dataplane set them');
  owner.localSyncDone();
  assert.equal(sink.synced, 1);
  owner.localSyncDone();
  owner.bgpSyncDone();
  assert.equal(sink.synced, 1, 'once');
  const bgpOnly = recordingSink();
  new RouteOwner(bgpOnly, false).bgpSyncDone();
  assert.equal(bgpOnly.synced, 1, 'without a dataplane BGP alone decides');
});

test("with FibFeed: BGP's table is held by the feed, as words to the sink, and read back from it when an override goes", async () => {
  const peers = new PeerTable();
  const attrs = new AttrStore();
  const rib = new Rib({ family: IPV4_UNICAST, peers, attrs, multipath: true });
  const p1 = peers.add({ address: '172.17.8.102', asn: 64512, routerId: 2, localAsn: 64512 });
  const sink = recordingSink();
  let text = 0;
  const counted = {
    ...sink,
    set: (r: FibRoute) => {
      text++;
      sink.set(r);
    },
    delete: (p: string) => {
      text++;
      sink.delete(p);
    },
  };
  const owner = new RouteOwner(counted, true);
  const feed = new FibFeed(owner, new Set(['172.17.8.101']));
  const viaA = attrs.intern({ origin: 0, asPath: [], localPref: 100, nextHop: nh('172.17.8.102') });
  const viaB = attrs.intern({ origin: 0, asPath: [], localPref: 100, nextHop: nh('172.17.8.103') });
  const w = (a: number, b: number, c: number, d: number): number[] => [((a << 24) | (b << 16) | (c << 8) | d) >>> 0];
  rib.announce(p1.index, w(192, 168, 1, 1), 32, 0, viaA);
  rib.announce(p1.index, w(192, 168, 1, 0), 26, 0, viaA);
  rib.announce(p1.index, w(10, 0, 0, 0), 24, 0, viaA);
  feed.apply(IPV4_UNICAST, rib, rib.decide());
  assert.equal(text, 0, 'learned routes go as address words');
  assert.equal(sink.routes().length, 3);

  owner.setBlackhole('192.168.1.0/26');
  owner.routeTable.setDeviceRoute('192.168.1.1/32', 'vra');
  // BGP changes both while they are overridden; the feed keeps the change, the kernel the override.
  rib.announce(p1.index, w(192, 168, 1, 1), 32, 0, viaB);
  rib.announce(p1.index, w(192, 168, 1, 0), 26, 0, viaB);
  feed.apply(IPV4_UNICAST, rib, rib.decide());
  assert.deepEqual(sink.routes(), [
    unicast('10.0.0.0/24', A),
    blackhole('192.168.1.0/26'),
    device('192.168.1.1/32', 'vra'),
  ]);
  assert.deepEqual(owner.overridden(), ['192.168.1.1/32']);
  owner.routeTable.delete('192.168.1.1/32');
  owner.deleteBlackhole('192.168.1.0/26');
  assert.deepEqual(sink.routes(), [
    unicast('10.0.0.0/24', A),
    unicast('192.168.1.0/26', B),
    unicast('192.168.1.1/32', B),
  ]);
  // Withdrawn under an override: nothing to put back.
  owner.setBlackhole('10.0.0.0/24');
  rib.withdraw(p1.index, w(10, 0, 0, 0), 24, 0);
  feed.apply(IPV4_UNICAST, rib, rib.decide());
  owner.deleteBlackhole('10.0.0.0/24');
  assert.equal(
    sink.routes().find((r) => r.prefix === '10.0.0.0/24'),
    undefined,
  );
  assert.equal(feed.learnedCount, 2);
});
