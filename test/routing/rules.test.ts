import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IPV4_UNICAST } from '../../src/bgp/messages/types';
import { nextHopText, SegmentType } from '../../src/rib/attrs';
import { Rib } from '../../src/rib/rib';
import { Exporter, exportAttrs, prependAs } from '../../src/routing/export';
import { hasAsLoop, isReflectionLoop, mayAdvertise, receiveFilter, roleOf } from '../../src/routing/rules';
import { attrs, ebgp, ibgp, ip, LOCAL_AS, seq, setup } from '../rib/helpers';
import { nh } from '../helpers/addr';

const RR = { asn: LOCAL_AS, routerId: ip('10.0.0.1'), clusterId: ip('10.0.0.100') };
const { store, peers } = setup();
const client = peers.add(ibgp('10.0.0.2', { rrClient: true }));
const nonClient = peers.add(ibgp('10.0.0.3'));
const tor = peers.add(ebgp('10.0.0.9', 64512));

test('roles', () => {
  assert.equal(roleOf(client), 'ibgp-client');
  assert.equal(roleOf(nonClient), 'ibgp-nonclient');
  assert.equal(roleOf(tor), 'ebgp');
});

test('RFC 4456 6 b): from a client, reflect to clients and non-clients', () => {
  assert.equal(mayAdvertise('ibgp-client', 'ibgp-client', true), true);
  assert.equal(mayAdvertise('ibgp-client', 'ibgp-nonclient', true), true);
  assert.equal(mayAdvertise('ibgp-client', 'ebgp', true), true);
});

test('RFC 4456 6 a): from a non-client, to clients only', () => {
  assert.equal(mayAdvertise('ibgp-nonclient', 'ibgp-client', true), true);
  assert.equal(mayAdvertise('ibgp-nonclient', 'ibgp-nonclient', true), false);
});

test('RFC 4456 6 c): eBGP-learned (and local) to all', () => {
  for (const to of ['ibgp-client', 'ibgp-nonclient', 'ebgp'] as const) {
    assert.equal(mayAdvertise('ebgp', to, true), true);
    assert.equal(mayAdvertise('local', to, false), true);
  }
});

test('RFC 4271 9.2: no iBGP to iBGP on a plain speaker', () => {
  assert.equal(mayAdvertise('ibgp-client', 'ibgp-client', false), false);
  assert.equal(mayAdvertise('ibgp-nonclient', 'ibgp-nonclient', false), false);
});

test('reflection sets ORIGINATOR_ID when absent and prepends CLUSTER_ID; next hop unchanged', () => {
  const a = store.intern(attrs({ nextHop: nh('10.9.9.9'), localPref: 120 }));
  const out = exportAttrs(RR, client, { role: 'ibgp-client', asn: LOCAL_AS }, a)!;
  assert.equal(out.originatorId, client.routerId);
  assert.deepEqual(out.clusterList, [RR.clusterId]);
  assert.equal(nextHopText(out.nextHop), '10.9.9.9');
  assert.equal(out.localPref, 120);
  const again = exportAttrs(
    RR,
    client,
    { role: 'ibgp-nonclient', asn: LOCAL_AS },
    store.intern(attrs({ originatorId: 77, clusterList: [5] })),
  )!;
  assert.equal(again.originatorId, 77, 'existing ORIGINATOR_ID kept');
  assert.deepEqual(again.clusterList, [RR.clusterId, 5]);
  assert.equal(exportAttrs(RR, nonClient, { role: 'ibgp-nonclient', asn: LOCAL_AS }, a), undefined);
});

test('eBGP-learned to iBGP: no ORIGINATOR_ID/CLUSTER_LIST, LOCAL_PREF added, next hop unchanged', () => {
  const a = store.intern(attrs({ asPath: seq(64512), nextHop: nh('10.0.0.9'), med: 5 }));
  const out = exportAttrs(RR, tor, { role: 'ibgp-client', asn: LOCAL_AS }, a)!;
  assert.equal(out.originatorId, undefined);
  assert.equal(out.clusterList, undefined);
  assert.equal(out.localPref, 100);
  assert.equal(nextHopText(out.nextHop), '10.0.0.9');
  assert.equal(out.med, 5);
});

test('eBGP export: AS prepended, next hop self, no LOCAL_PREF/ORIGINATOR_ID/CLUSTER_LIST', () => {
  const a = store.intern(attrs({ asPath: seq(65010), localPref: 300, originatorId: 9, clusterList: [1], med: 3 }));
  const out = exportAttrs(RR, client, { role: 'ebgp', asn: 64512, localAddress: '10.0.0.1' }, a)!;
  assert.deepEqual(out.asPath, seq(LOCAL_AS, 65010));
  assert.equal(nextHopText(out.nextHop), '10.0.0.1');
  assert.equal(out.localPref, undefined);
  assert.equal(out.originatorId, undefined);
  assert.equal(out.clusterList, undefined);
  assert.equal(out.med, 3, 'MED of an iBGP-learned route may go out');
  const fromEbgp = exportAttrs(
    RR,
    tor,
    { role: 'ebgp', asn: 64513, localAddress: '10.0.0.1' },
    store.intern(attrs({ asPath: seq(64512), med: 3 })),
  )!;
  assert.equal(fromEbgp.med, undefined, 'RFC 4271 5.1.4');
});

test('prependAs: full segment or AS_SET first gets a new segment; confed segments dropped', () => {
  const full = [{ type: SegmentType.AsSequence, asns: new Array(255).fill(1) }];
  assert.equal(prependAs(9, full).length, 2);
  assert.deepEqual(prependAs(9, [{ type: SegmentType.AsSet, asns: [1, 2] }])[0], {
    type: SegmentType.AsSequence,
    asns: [9],
  });
  assert.deepEqual(prependAs(9, [{ type: SegmentType.ConfedSequence, asns: [3] }, ...seq(4)]), seq(9, 4));
  assert.deepEqual(prependAs(9, []), seq(9));
});

test('RFC 4456 8: loops by CLUSTER_LIST or ORIGINATOR_ID', () => {
  assert.equal(isReflectionLoop(RR, attrs({ clusterList: [1, RR.clusterId] })), true);
  assert.equal(isReflectionLoop(RR, attrs({ originatorId: RR.routerId })), true);
  assert.equal(isReflectionLoop(RR, attrs({ clusterList: [1], originatorId: 5 })), false);
  assert.equal(
    isReflectionLoop({ asn: 1, routerId: 7 }, attrs({ clusterList: [7] })),
    true,
    'cluster ID defaults to router ID',
  );
});

test('AS-path loop detection (any segment, not confederation)', () => {
  assert.equal(hasAsLoop(LOCAL_AS, attrs({ asPath: seq(64512, LOCAL_AS) })), true);
  assert.equal(hasAsLoop(LOCAL_AS, attrs({ asPath: [{ type: SegmentType.AsSet, asns: [LOCAL_AS] }] })), true);
  assert.equal(hasAsLoop(LOCAL_AS, attrs({ asPath: [{ type: SegmentType.ConfedSequence, asns: [LOCAL_AS] }] })), false);
  assert.equal(hasAsLoop(LOCAL_AS, attrs({ asPath: seq(64512) })), false);
});

test('receive filter in a Rib: drops loops, cleans eBGP LOCAL_PREF/ORIGINATOR_ID/CLUSTER_LIST', () => {
  const rib = new Rib({ family: IPV4_UNICAST, peers, attrs: store, importFilter: receiveFilter(RR, store) });
  rib.announce4(client.index, 0x0a000000, 24, 0, store.intern(attrs({ clusterList: [RR.clusterId] })));
  rib.announce4(client.index, 0x0a000100, 24, 0, store.intern(attrs({ originatorId: RR.routerId })));
  rib.announce4(tor.index, 0x0a000200, 24, 0, store.intern(attrs({ asPath: seq(64512, LOCAL_AS) })));
  rib.announce4(
    tor.index,
    0x0a000300,
    24,
    0,
    store.intern(attrs({ asPath: seq(64512), localPref: 999, originatorId: 3, clusterList: [4] })),
  );
  rib.announce4(client.index, 0x0a000400, 24, 0, store.intern(attrs({ clusterList: [42] })));
  const ch = rib.decide();
  assert.deepEqual(ch.map((c) => rib.prefixes.format(c.prefix)).sort(), ['10.0.3.0/24', '10.0.4.0/24']);
  const e = ch.find((c) => c.best?.peer === tor)!.best!.attrs;
  assert.equal(e.localPref, undefined);
  assert.equal(e.originatorId, undefined);
  assert.equal(e.clusterList, undefined);
});

test('Exporter interns and caches per input set and source router ID', () => {
  const ex = new Exporter(store, RR, { role: 'ibgp-client', asn: LOCAL_AS });
  const a = store.intern(attrs({ nextHop: nh('10.7.7.7') }));
  const o1 = ex.export(client, a)!;
  assert.equal(ex.export(client, a), o1);
  assert.equal(store.intern({ ...o1 }), o1, 'interned');
  const other = peers.add(ibgp('10.0.0.4', { rrClient: true }));
  assert.notEqual(ex.export(other, a), o1);
  const toNonClient = new Exporter(store, RR, { role: 'ibgp-nonclient', asn: LOCAL_AS });
  assert.equal(toNonClient.export(nonClient, a), undefined);
  assert.equal(toNonClient.export(nonClient, a), undefined, 'negative result cached');
});

test('RFC 1997: NO_EXPORT stays in the AS, NO_ADVERTISE goes nowhere', async () => {
  const { NO_EXPORT, NO_ADVERTISE, NO_EXPORT_SUBCONFED } = await import('../../src/routing/export');
  const toClient = { role: 'ibgp-client' as const, asn: LOCAL_AS };
  const toTor = { role: 'ebgp' as const, asn: 64512, localAddress: '10.0.0.1' };
  const noExport = store.intern(attrs({ communities: [NO_EXPORT] }));
  assert.ok(exportAttrs(RR, client, toClient, noExport), 'reflected inside the AS');
  assert.equal(exportAttrs(RR, client, toTor, noExport), undefined);
  assert.equal(
    exportAttrs(RR, client, toTor, store.intern(attrs({ communities: [5, NO_EXPORT_SUBCONFED] }))),
    undefined,
  );
  const noAdv = store.intern(attrs({ communities: [NO_ADVERTISE] }));
  assert.equal(exportAttrs(RR, client, toClient, noAdv), undefined);
  assert.equal(exportAttrs(RR, tor, toClient, noAdv), undefined);
});
