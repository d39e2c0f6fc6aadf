// The JSON gateway client of short-lived commands against a real etcd, beside the gRPC client
// the daemons use: the same keys, revisions and compare-and-swap seen from both; IPAM through
// it; a dead endpoint skipped; nothing listening is one 'unavailable' error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { skipReason } from '../helpers/env';
import { freePort, startEtcd, type EtcdCluster } from '../helpers/etcd';
import { EtcdDatastore } from '../../src/datastore/etcd';
import { EtcdGatewayDatastore } from '../../src/datastore/etcd-gateway';
import { DatastoreError } from '../../src/datastore/store';
import { allocate, assign, blocksForNode, releaseIfAllocated } from '../../src/datastore/ipam';
import { putResource } from '../../src/datastore/resources/documents';

const skip = skipReason('etcd');
let cluster: EtcdCluster | undefined;
let grpc: EtcdDatastore;
let gw: EtcdGatewayDatastore;
const isConflict = (e: unknown) => e instanceof DatastoreError && e.code === 'conflict';

before(async () => {
  if (skip) return;
  cluster = await startEtcd(1);
  grpc = new EtcdDatastore({ endpoints: cluster.endpoints });
  gw = new EtcdGatewayDatastore({ endpoints: cluster.endpoints });
});
after(async () => {
  await gw?.close();
  await grpc?.close();
  await cluster?.destroy();
});

test('what one client writes the other reads: values, revisions, lists, non-ASCII keys', { skip }, async () => {
  const r1 = await grpc.put('/gw/a', 'from grpc');
  const g = await gw.get('/gw/a');
  assert.deepEqual([g?.value, g?.revision, g?.createRevision], ['from grpc', r1, r1]);
  const r2 = await gw.put('/gw/b/ü', 'vom Gateway €');
  const back = await grpc.get('/gw/b/ü');
  assert.deepEqual([back?.value, back?.revision], ['vom Gateway €', r2]);
  const [lg, lr] = [await gw.list('/gw/'), await grpc.list('/gw/')];
  assert.deepEqual(lg.items, lr.items);
  assert.deepEqual(
    lg.items.map((i) => i.key),
    ['/gw/a', '/gw/b/ü'],
  );
  assert.ok(lg.revision >= r2);
  assert.deepEqual((await gw.list('/gw/none/')).items, []);
  assert.equal(await gw.get('/gw/missing'), undefined);
});

test('compare-and-swap holds across the two clients', { skip }, async () => {
  const r = await gw.put('/gw/cas', 'v1', { expectRevision: 0 });
  await assert.rejects(grpc.put('/gw/cas', 'again', { expectRevision: 0 }), isConflict);
  const r2 = await grpc.put('/gw/cas', 'v2', { expectRevision: r });
  await assert.rejects(gw.put('/gw/cas', 'stale', { expectRevision: r }), isConflict);
  await assert.rejects(gw.delete('/gw/cas', { expectRevision: r }), isConflict);
  assert.equal(await gw.delete('/gw/cas', { expectRevision: r2 }), true);
  assert.equal(await gw.delete('/gw/cas'), false);
  assert.equal(await grpc.get('/gw/cas'), undefined);
});

test('IPAM through the gateway: claims, fixed addresses and releases the gRPC client sees', { skip }, async () => {
  await putResource(gw, {
    apiVersion: 'vroute/v1',
    kind: 'IPPool',
    metadata: { name: 'gw' },
    spec: { cidr: '10.88.0.0/24', blockSize: 28 },
  });
  const [a] = await allocate(gw, { node: 'gw-n1', pool: '10.88.0.0/24' });
  assert.equal(a, '10.88.0.1', 'the pool network address is never handed out');
  const [b] = await allocate(grpc, { node: 'gw-n1', pool: '10.88.0.0/24' });
  assert.equal(b, '10.88.0.2', 'the gRPC client sees the gateway client claim');
  assert.equal(await assign(gw, { node: 'gw-n2', address: '10.88.0.40' }), '10.88.0.40');
  assert.deepEqual(await blocksForNode(grpc, 'gw-n2'), ['10.88.0.32/28']);
  await assert.rejects(assign(grpc, { node: 'gw-n1', address: '10.88.0.40' }), /already allocated/);
  assert.equal(await releaseIfAllocated(gw, '10.88.0.2'), true);
  assert.deepEqual(await allocate(grpc, { node: 'gw-n1', pool: '10.88.0.0/24' }), ['10.88.0.2']);
});

test('a dead endpoint first is skipped; no endpoint at all is one unavailable error', { skip }, async () => {
  const dead = `127.0.0.1:${await freePort()}`;
  const both = new EtcdGatewayDatastore({ endpoints: [dead, ...cluster!.endpoints] });
  try {
    assert.equal((await both.get('/gw/a'))?.value, 'from grpc');
  } finally {
    await both.close();
  }
  const none = new EtcdGatewayDatastore({ endpoints: [dead], timeoutMs: 2000 });
  try {
    await assert.rejects(
      none.get('/gw/a'),
      (e: unknown) => e instanceof DatastoreError && e.code === 'unavailable' && /etcd: .*ECONNREFUSED/.test(e.message),
    );
  } finally {
    await none.close();
  }
});

test('watch and leases are refused: they belong to the gRPC client of the daemons', { skip }, async () => {
  assert.throws(
    () => gw.watch('/gw/', 0, () => undefined),
    (e: unknown) => e instanceof DatastoreError && e.code === 'invalid',
  );
  await assert.rejects(gw.grant(10), (e: unknown) => e instanceof DatastoreError && e.code === 'invalid');
});
