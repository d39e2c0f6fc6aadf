// IPAM: block affinity, claiming, borrowing only when the pool has no free block, release;
// and a race of 4 processes x 500 allocations on one etcd with no duplicate and no loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { skipReason } from '../helpers/env';
import { startEtcd } from '../helpers/etcd';
import { EmbeddedDatastore } from '../../src/datastore/embedded';
import { EtcdDatastore } from '../../src/datastore/etcd';
import type { Datastore } from '../../src/datastore/store';
import {
  allocate,
  assign,
  blocksForNode,
  release,
  releaseBlock,
  releaseIfAllocated,
  showBlocks,
} from '../../src/datastore/ipam';
import { parseDocuments, putResource } from '../../src/datastore/resources/documents';

async function pool(ds: Datastore, cidr: string, blockSize: number, name = 'p'): Promise<void> {
  await putResource(
    ds,
    parseDocuments(
      `apiVersion: vroute/v1\nkind: IPPool\nmetadata: {name: ${name}}\nspec: {cidr: "${cidr}", blockSize: ${blockSize}}`,
    )[0]!,
  );
}

test('a node fills its block, then claims the next; addresses are unique', async () => {
  const ds = new EmbeddedDatastore();
  await pool(ds, '10.233.0.0/24', 28);
  const a = await allocate(ds, { node: 'alpha', count: 20 });
  assert.equal(new Set(a).size, 20);
  const blocks = await blocksForNode(ds, 'alpha');
  assert.equal(blocks.length, 2);
  for (const ip of a) assert.ok(blocks.some((b) => ip.startsWith(b.split('.').slice(0, 3).join('.'))));
  const b = await allocate(ds, { node: 'beta', count: 3 });
  const bb = await blocksForNode(ds, 'beta');
  assert.equal(bb.length, 1);
  assert.ok(!blocks.includes(bb[0]!), 'beta got its own block');
  assert.ok(b.every((ip) => !a.includes(ip)));
  await ds.close();
});

test('borrow only when the pool has no free block; release and block release', async () => {
  const ds = new EmbeddedDatastore();
  await pool(ds, '10.9.0.0/28', 30); // 4 blocks of 4; 10.9.0.0 and 10.9.0.15 are never handed out
  const a = await allocate(ds, { node: 'alpha', count: 9 }); // 3 blocks (3 + 4 + 2), the last has 2 free
  assert.equal((await blocksForNode(ds, 'alpha')).length, 3);
  assert.equal(a[0], '10.9.0.1');
  const b = await allocate(ds, { node: 'beta', count: 3 }); // claims the last free block (.12-.14)
  assert.equal((await blocksForNode(ds, 'beta')).length, 1);
  const borrowed = await allocate(ds, { node: 'beta', count: 2 }); // no free block: borrows from alpha's
  const alphaBlocks = await blocksForNode(ds, 'alpha');
  const show = await showBlocks(ds);
  assert.ok(
    borrowed.every((ip) =>
      show.blocks.some((x) => x.affinity === 'node:alpha' && alphaBlocks.includes(x.cidr) && ipIn(ip, x.cidr)),
    ),
  );
  assert.equal((await blocksForNode(ds, 'beta')).length, 1, 'borrowing claims no block');
  await assert.rejects(allocate(ds, { node: 'gamma' }), /ipam: pool 10.9.0.0\/28 exhausted/);
  assert.equal(await release(ds, a[0]!), 'node:alpha');
  await assert.rejects(release(ds, a[0]!), /is not allocated/);
  assert.deepEqual(await allocate(ds, { node: 'gamma' }), [a[0]]);
  // Empty a block, then release it.
  for (const ip of b) await release(ds, ip);
  await releaseBlock(ds, (await blocksForNode(ds, 'beta'))[0]!);
  assert.equal((await blocksForNode(ds, 'beta')).length, 0);
  await assert.rejects(releaseBlock(ds, alphaBlocks[0]!), /still has/);
  await ds.close();
});

test('IPv6 pools: /122 blocks by default', async () => {
  const ds = new EmbeddedDatastore();
  await putResource(
    ds,
    parseDocuments('apiVersion: vroute/v1\nkind: IPPool\nmetadata: {name: v6}\nspec: {cidr: "fd00:233::/64"}')[0]!,
  );
  const got = await allocate(ds, { node: 'alpha', family: 6, count: 65 });
  // One allocator never loses a race, so it takes the lowest free block and address.
  assert.equal(new Set(got).size, 65);
  assert.equal(got[0], 'fd00:233::1', "the pool's first address is never handed out");
  assert.equal(got[62], 'fd00:233::3f');
  assert.equal(got[63], 'fd00:233::40');
  assert.equal(got[64], 'fd00:233::41');
  assert.deepEqual(await blocksForNode(ds, 'alpha'), ['fd00:233::/122', 'fd00:233::40/122']);
  await ds.close();
});

test("a pool's first and last addresses are never handed out", async () => {
  const ds = new EmbeddedDatastore();
  await pool(ds, '10.65.0.0/16', 26);
  assert.deepEqual(await allocate(ds, { node: 'alpha' }), ['10.65.0.1'], 'not 10.65.0.0');
  // A pool of one block: every address but the two ends, then exhausted.
  await pool(ds, '10.66.0.0/29', 29, 'small');
  const got = await allocate(ds, { node: 'beta', pool: '10.66.0.0/29', count: 6 });
  assert.deepEqual(got, ['10.66.0.1', '10.66.0.2', '10.66.0.3', '10.66.0.4', '10.66.0.5', '10.66.0.6']);
  await assert.rejects(allocate(ds, { node: 'beta', pool: '10.66.0.0/29' }), /ipam: pool 10.66.0.0\/29 exhausted/);
  // Blocks of one address: the pool's two end blocks are never claimed.
  await pool(ds, '10.67.0.0/30', 32, 'tiny');
  assert.deepEqual(await allocate(ds, { node: 'gamma', pool: '10.67.0.0/30', count: 2 }), ['10.67.0.1', '10.67.0.2']);
  await assert.rejects(allocate(ds, { node: 'gamma', pool: '10.67.0.0/30' }), /exhausted/);
  await assert.rejects(
    assign(ds, { node: 'alpha', address: '10.65.255.255' }),
    /ipam: 10.65.255.255 is the last address of IPPool 10.65.0.0\/16/,
  );
  await assert.rejects(assign(ds, { node: 'alpha', address: '10.66.0.0' }), /first address/);
  await ds.close();
});

test('assign: a fixed address claims its block for the node, or joins the block that holds it', async () => {
  const ds = new EmbeddedDatastore();
  await pool(ds, '192.168.1.0/24', 26);
  assert.equal(await assign(ds, { node: 'alpha', address: '192.168.1.1' }), '192.168.1.1');
  assert.deepEqual(await blocksForNode(ds, 'alpha'), ['192.168.1.0/26'], 'no block held .1: alpha claimed it');
  await assign(ds, { node: 'beta', address: '192.168.1.4' });
  assert.deepEqual(await blocksForNode(ds, 'beta'), [], 'the block exists: beta records .4 in it, claiming nothing');
  const block = (await showBlocks(ds)).blocks.find((b) => b.cidr === '192.168.1.0/26')!;
  assert.equal(block.used, 2);
  await assert.rejects(
    assign(ds, { node: 'beta', address: '192.168.1.4' }),
    /ipam: 192.168.1.4 is already allocated \(to node:beta\)/,
  );
  await assert.rejects(assign(ds, { node: 'beta', address: '10.1.1.1' }), /ipam: 10.1.1.1 is in no IPPool/);
  await assert.rejects(assign(ds, { node: 'beta', address: 'nope' }), /is not an IP address/);
  for (const ip of ['192.168.1.2', '192.168.1.3', '192.168.1.5'])
    await assign(ds, { node: ip.endsWith('5') ? 'beta' : 'alpha', address: ip });
  // auto takes the lowest free address of a block affine to the node (the demo's workload-F).
  assert.deepEqual(await allocate(ds, { node: 'alpha' }), ['192.168.1.6']);
  // beta holds no block: auto claims the lowest free one for it.
  assert.deepEqual(await allocate(ds, { node: 'beta' }), ['192.168.1.64']);
  assert.equal(await releaseIfAllocated(ds, '192.168.1.6'), true);
  assert.equal(await releaseIfAllocated(ds, '192.168.1.6'), false, 'idempotent');
  assert.equal(await releaseIfAllocated(ds, '10.1.1.1'), false, 'in no pool: nothing to release');
  await ds.close();
});

test('auto: the lowest block of the node with room, compared as numbers', async () => {
  const ds = new EmbeddedDatastore();
  await pool(ds, '10.0.0.0/24', 26);
  await assign(ds, { node: 'alpha', address: '10.0.0.130' }); // claims 10.0.0.128/26 (its key sorts before 10-0-0-64)
  await assign(ds, { node: 'alpha', address: '10.0.0.70' }); // claims 10.0.0.64/26
  assert.deepEqual(await allocate(ds, { node: 'alpha' }), ['10.0.0.64']);
  await ds.close();
});

function ipIn(ip: string, cidr: string): boolean {
  const [net, len] = cidr.split('/');
  const n = (s: string) => s.split('.').reduce((a, x) => a * 256 + Number(x), 0);
  const span = 2 ** (32 - Number(len));
  return n(ip) >= n(net!) && n(ip) < n(net!) + span;
}

test('race: 4 processes x 500 allocations on one etcd', { skip: skipReason('etcd'), timeout: 240000 }, async () => {
  const cluster = await startEtcd(1);
  const ds = new EtcdDatastore({ endpoints: cluster.endpoints });
  try {
    await pool(ds, '10.99.0.0/16', 26);
    const worker = path.join(__dirname, __filename.endsWith('.ts') ? 'ipam-worker.ts' : 'ipam-worker.js');
    const args = __filename.endsWith('.ts') ? ['--import', 'tsx', worker] : [worker];
    const nodes = ['n0', 'n1', 'n2', 'n3'];
    const started = Date.now();
    const results = await Promise.all(
      nodes.map(
        (node) =>
          new Promise<string[]>((resolve, reject) => {
            execFile(
              process.execPath,
              [...args, cluster.endpoints.join(','), node, '500'],
              { timeout: 200000 },
              (err, out, errOut) => {
                if (err) reject(new Error(`${node}: ${errOut || err.message}`));
                else resolve(JSON.parse(out) as string[]);
              },
            );
          }),
      ),
    );
    const ms = Date.now() - started;
    const all = results.flat();
    assert.equal(all.length, 2000);
    assert.equal(new Set(all).size, 2000, 'no address handed out twice');
    // No lost address: the blocks hold exactly what the processes were given, with their handles.
    const show = await showBlocks(ds);
    assert.equal(
      show.blocks.reduce((s, b) => s + b.used, 0),
      2000,
    );
    for (const [i, node] of nodes.entries()) {
      const blocks = await blocksForNode(ds, node);
      assert.equal(blocks.length, Math.ceil(500 / 64), `${node} holds ceil(500/64) blocks`);
      for (const ip of results[i]!)
        assert.ok(
          blocks.some((b) => ipIn(ip, b)),
          `${ip} is in a block of ${node}`,
        );
    }
    if (process.env.VR_DEBUG) console.error(`ipam race: 2000 allocations in ${ms} ms`);
  } finally {
    await ds.close();
    await cluster.destroy();
  }
});
