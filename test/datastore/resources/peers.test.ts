// Effective peers for a speaker, and the live PeerSource (added / changed / removed, debounced).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddedDatastore } from '../../../src/datastore/embedded';
import { parseDocuments, putResource, deleteResource } from '../../../src/datastore/resources/documents';
import { peersForNode, PeerSource, type PeerChanges } from '../../../src/datastore/resources/peers';
import {
  registerReflector,
  reflectorKey,
  StatusWriter,
  statusKey,
} from '../../../src/datastore/resources/registration';

const FABRIC = `
apiVersion: vroute/v1
kind: BGPConfiguration
metadata: {name: default}
spec: {asNumber: 65000, nodeToNodeMesh: false}
---
apiVersion: vroute/v1
kind: Node
metadata: {name: alpha, labels: {rack: a}}
spec: {bgp: {ipv4Address: 10.0.0.1}}
---
apiVersion: vroute/v1
kind: Node
metadata: {name: beta, labels: {rack: b}}
spec: {bgp: {ipv4Address: 10.0.0.2}}
---
apiVersion: vroute/v1
kind: Node
metadata: {name: rr1, labels: {role: rr}}
spec: {bgp: {ipv4Address: 10.0.0.10, routeReflectorClusterID: 10.0.0.10}}
---
apiVersion: vroute/v1
kind: BGPPeer
metadata: {name: tor-a}
spec: {peerIP: 10.0.0.254, asNumber: 64512, nodeSelector: "rack == 'a'"}
---
apiVersion: vroute/v1
kind: BGPPeer
metadata: {name: only-beta}
spec: {peerIP: 10.0.0.253, asNumber: 64513, node: beta, holdTime: 30}
---
apiVersion: vroute/v1
kind: BGPPeer
metadata: {name: to-rrs}
spec: {peerSelector: "role == 'rr'", nodeSelector: "!has(role)"}
---
apiVersion: vroute/v1
kind: BGPPeer
metadata: {name: rr-clients}
spec: {peerSelector: "has(rack)", nodeSelector: "role == 'rr'", routeReflectorClient: true}
---
apiVersion: vroute/v1
kind: BGPPeer
metadata: {name: everyone}
spec: {peerIP: 192.0.2.1, asNumber: 65099}
`;

async function fabric() {
  const ds = new EmbeddedDatastore();
  for (const r of parseDocuments(FABRIC)) await putResource(ds, r);
  return ds;
}

test('peersForNode: node, nodeSelector, neither, and peerSelector meshes', async () => {
  const ds = await fabric();
  const short = async (n: string) =>
    (await peersForNode(ds, n)).map(
      (p) => `${p.peerIP} ${p.asNumber} ${p.source}${p.routeReflectorClient ? ' rrc' : ''}`,
    );
  assert.deepEqual(await short('alpha'), [
    '10.0.0.10 65000 bgppeer/to-rrs',
    '10.0.0.254 64512 bgppeer/tor-a',
    '192.0.2.1 65099 bgppeer/everyone',
  ]);
  assert.deepEqual(await short('beta'), [
    '10.0.0.10 65000 bgppeer/to-rrs',
    '10.0.0.253 64513 bgppeer/only-beta',
    '192.0.2.1 65099 bgppeer/everyone',
  ]);
  assert.deepEqual(await short('rr1'), [
    '10.0.0.1 65000 bgppeer/rr-clients rrc',
    '10.0.0.2 65000 bgppeer/rr-clients rrc',
    '192.0.2.1 65099 bgppeer/everyone',
  ]);
  assert.equal((await peersForNode(ds, 'beta')).find((p) => p.peerIP === '10.0.0.253')?.holdTime, 30);
  await ds.close();
});

test('peersForNode: node-to-node mesh when on (default), explicit peers win', async () => {
  const ds = await fabric();
  await putResource(
    ds,
    parseDocuments(
      'apiVersion: vroute/v1\nkind: BGPConfiguration\nmetadata: {name: default}\nspec: {asNumber: 65000}',
    )[0]!,
  );
  const ps = await peersForNode(ds, 'alpha');
  assert.deepEqual(
    ps.map((p) => `${p.peerIP} ${p.source}`),
    ['10.0.0.10 bgppeer/to-rrs', '10.0.0.2 mesh/beta', '10.0.0.254 bgppeer/tor-a', '192.0.2.1 bgppeer/everyone'],
  );
  await ds.close();
});

test('PeerSource: first report adds all, then only differences, bursts debounced', async () => {
  const ds = await fabric();
  const reports: PeerChanges[] = [];
  const src = new PeerSource(ds, 'alpha', (c) => reports.push(c), { debounceMs: 50 });
  const wait = async (n: number) => {
    const end = Date.now() + 3000;
    while (reports.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  };
  await wait(1);
  assert.deepEqual(
    reports[0]!.added.map((p) => p.peerIP),
    ['10.0.0.10', '10.0.0.254', '192.0.2.1'],
  );
  // A burst: relabel alpha out of rack a (tor-a goes), change everyone's AS, add a peer.
  const docs = parseDocuments(`apiVersion: vroute/v1
kind: Node
metadata: {name: alpha, labels: {rack: c}}
spec: {bgp: {ipv4Address: 10.0.0.1}}
---
apiVersion: vroute/v1
kind: BGPPeer
metadata: {name: everyone}
spec: {peerIP: 192.0.2.1, asNumber: 65100}
---
apiVersion: vroute/v1
kind: BGPPeer
metadata: {name: new-one}
spec: {peerIP: 192.0.2.9, asNumber: 65101, node: alpha}`);
  for (const d of docs) await putResource(ds, d);
  await wait(2);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(reports.length, 2, 'one report for the burst');
  const r = reports[1]!;
  assert.deepEqual(
    r.added.map((p) => p.peerIP),
    ['192.0.2.9'],
  );
  assert.deepEqual(
    r.changed.map((p) => `${p.peerIP} ${p.asNumber}`),
    ['192.0.2.1 65100'],
  );
  assert.deepEqual(
    r.removed.map((p) => p.peerIP),
    ['10.0.0.254'],
  );
  await deleteResource(ds, 'BGPPeer', 'new-one');
  await wait(3);
  assert.deepEqual(
    reports[2]!.removed.map((p) => p.peerIP),
    ['192.0.2.9'],
  );
  src.cancel();
  await ds.close();
});

test('reflector registration lives under a lease; status writes are throttled', async () => {
  let now = 1000;
  const ds = new EmbeddedDatastore({ now: () => now, timers: false });
  const reg = await registerReflector(
    ds,
    'rr1',
    { routerId: '10.0.0.10', asn: 65000, clusterId: '10.0.0.10' },
    { ttlSeconds: 10 },
  );
  assert.equal(JSON.parse((await ds.get(reflectorKey('rr1')))!.value).routerId, '10.0.0.10');
  now += 9000;
  await reg.lease.keepAlive();
  now += 9000;
  assert.ok(await ds.get(reflectorKey('rr1')), 'kept alive');
  now += 11000; // no keepalive: the lease expires and the record goes
  assert.equal(await ds.get(reflectorKey('rr1')), undefined);

  const w = new StatusWriter(ds, 'alpha', 60000);
  for (let i = 0; i < 100; i++) w.report({ sessions: i });
  await w.flush();
  const kv = await ds.get(statusKey('alpha'));
  assert.equal(JSON.parse(kv!.value).status.sessions, 99);
  const history: number[] = [];
  ds.watch(statusKey('alpha'), kv!.revision, (e) => history.push(e.revision));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(history.length, 1, '100 reports became one write');
  w.close();
  await ds.close();
});

test('watchResources: typed upserts and deletes, invalid documents reported not thrown', async () => {
  const { watchResources } = await import('../../../src/datastore/resources/watch');
  const ds = new EmbeddedDatastore();
  await putResource(
    ds,
    parseDocuments(
      'apiVersion: vroute/v1\nkind: BGPConfiguration\nmetadata: {name: default}\nspec: {asNumber: 65000}',
    )[0]!,
  );
  const log: string[] = [];
  const w = watchResources(ds, 'BGPConfiguration', {
    onUpsert: (r) => log.push(`up ${r.metadata.name} ${r.spec.asNumber}`),
    onDelete: (n) => log.push(`del ${n}`),
    onSynced: () => log.push('synced'),
    onInvalid: (k) => log.push(`invalid ${k}`),
  });
  await new Promise((r) => setTimeout(r, 20));
  await putResource(
    ds,
    parseDocuments(
      'apiVersion: vroute/v1\nkind: BGPConfiguration\nmetadata: {name: default}\nspec: {asNumber: 65001}',
    )[0]!,
  );
  await ds.put('/vroute/v1/bgpconfig/broken', '{"kind": 1}');
  await deleteResource(ds, 'BGPConfiguration', 'default');
  await new Promise((r) => setTimeout(r, 20));
  w.cancel();
  assert.deepEqual(log, [
    'up default 65000',
    'synced',
    'up default 65001',
    'invalid /vroute/v1/bgpconfig/broken',
    'del default',
  ]);
  await ds.close();
});

test('registered reflectors match peerSelector; PeerSource follows register and lease end', async () => {
  const ds = await fabric();
  const reports: PeerChanges[] = [];
  const src = new PeerSource(ds, 'alpha', (c) => reports.push(c), { debounceMs: 30, reflectorGraceMs: 0 });
  const wait = async (n: number) => {
    const end = Date.now() + 3000;
    while (reports.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  };
  await wait(1);
  const reg = await registerReflector(ds, 'rr2', {
    routerId: '10.0.0.11',
    asn: 65000,
    addresses: ['10.0.0.11', 'fd00::11'],
    labels: { role: 'rr' },
  });
  assert.deepEqual(
    (await peersForNode(ds, 'alpha')).filter((p) => p.source === 'bgppeer/to-rrs').map((p) => p.peerIP),
    ['10.0.0.10', '10.0.0.11', 'fd00::11'],
  );
  await wait(2);
  assert.deepEqual(
    reports[1]!.added.map((p) => p.peerIP),
    ['10.0.0.11', 'fd00::11'],
  );
  await reg.stop();
  await wait(3);
  assert.deepEqual(
    reports[2]!.removed.map((p) => p.peerIP),
    ['10.0.0.11', 'fd00::11'],
  );
  src.cancel();
  await ds.close();
});
