// One contract suite run against both implementations (contract 4): embedded (private
// `memory` and the shared file), and a real etcd, through the gRPC client and through the JSON
// gateway client of short-lived commands (key-value part only: it offers no watch, no lease).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { skipReason } from '../helpers/env';
import { startEtcd, type EtcdCluster } from '../helpers/etcd';
import { type Datastore, DatastoreError, type WatchEvent } from '../../src/datastore/store';
import { EmbeddedDatastore } from '../../src/datastore/embedded';
import { EtcdDatastore } from '../../src/datastore/etcd';
import { EtcdGatewayDatastore } from '../../src/datastore/etcd-gateway';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

function contract(
  name: string,
  skip: string | false,
  make: () => Promise<{ ds: Datastore; done: () => Promise<void> }>,
  kvOnly = false,
): void {
  describe(`datastore contract: ${name}`, { skip }, () => {
    let ds: Datastore;
    let done: () => Promise<void>;
    let n = 0;
    const p = () => `/t${++n}-${Date.now()}/`; // fresh prefix per test
    before(async () => {
      ({ ds, done } = await make());
    });
    after(async () => {
      await done?.();
    });

    test('put/get with per-key mod and create revisions', async () => {
      const k = p() + 'a';
      const r1 = await ds.put(k, 'one');
      const g1 = await ds.get(k);
      assert.deepEqual(
        { value: g1?.value, revision: g1?.revision, createRevision: g1?.createRevision },
        { value: 'one', revision: r1, createRevision: r1 },
      );
      const r2 = await ds.put(k, 'two');
      assert.ok(r2 > r1);
      const g2 = await ds.get(k);
      assert.equal(g2?.value, 'two');
      assert.equal(g2?.revision, r2);
      assert.equal(g2?.createRevision, r1);
      assert.equal(await ds.get(k + 'missing'), undefined);
    });

    test('list by prefix, sorted, at a revision', async () => {
      const pre = p();
      await ds.put(pre + 'b', '2');
      const last = await ds.put(pre + 'a', '1');
      await ds.put(pre.slice(0, -1) + 'x/c', 'outside');
      const l = await ds.list(pre);
      assert.deepEqual(
        l.items.map((i) => [i.key, i.value]),
        [
          [pre + 'a', '1'],
          [pre + 'b', '2'],
        ],
      );
      assert.ok(l.revision >= last);
    });

    test('compare-and-swap put: expectRevision and 0 = must not exist', async () => {
      const k = p() + 'cas';
      const r1 = await ds.put(k, 'v1', { expectRevision: 0 });
      await assert.rejects(
        ds.put(k, 'again', { expectRevision: 0 }),
        (e: unknown) => e instanceof DatastoreError && e.code === 'conflict',
      );
      await assert.rejects(
        ds.put(k, 'stale', { expectRevision: r1 - 1 }),
        (e: unknown) => e instanceof DatastoreError && e.code === 'conflict',
      );
      const r2 = await ds.put(k, 'v2', { expectRevision: r1 });
      assert.equal((await ds.get(k))?.value, 'v2');
      assert.equal((await ds.get(k))?.revision, r2);
    });

    test('delete, with and without expectRevision', async () => {
      const k = p() + 'd';
      const r = await ds.put(k, 'x');
      await assert.rejects(
        ds.delete(k, { expectRevision: r + 100 }),
        (e: unknown) => e instanceof DatastoreError && e.code === 'conflict',
      );
      assert.equal(await ds.delete(k, { expectRevision: r }), true);
      assert.equal(await ds.get(k), undefined);
      assert.equal(await ds.delete(k), false);
    });

    test('txn: all compares hold -> all ops at one revision; else nothing', async () => {
      const pre = p();
      const ra = await ds.put(pre + 'a', '1');
      await ds.put(pre + 'b', '1');
      await assert.rejects(
        ds.txn(
          [
            { key: pre + 'a', revision: ra },
            { key: pre + 'c', revision: 5 },
          ],
          [
            { type: 'put', key: pre + 'a', value: '2' },
            { type: 'delete', key: pre + 'b' },
          ],
        ),
        (e: unknown) => e instanceof DatastoreError && e.code === 'conflict',
      );
      assert.equal((await ds.get(pre + 'a'))?.value, '1');
      assert.ok(await ds.get(pre + 'b'));
      const rev = await ds.txn(
        [
          { key: pre + 'a', revision: ra },
          { key: pre + 'c', revision: 0 },
        ],
        [
          { type: 'put', key: pre + 'a', value: '2' },
          { type: 'delete', key: pre + 'b' },
          { type: 'put', key: pre + 'c', value: '3' },
        ],
      );
      assert.equal((await ds.get(pre + 'a'))?.revision, rev);
      assert.equal((await ds.get(pre + 'c'))?.revision, rev);
      assert.equal(await ds.get(pre + 'b'), undefined);
    });

    if (!kvOnly)
      test('watch from a past revision replays, then follows live, in order', async () => {
        const pre = p();
        const r1 = await ds.put(pre + 'a', '1');
        await ds.put(pre + 'b', '1');
        await ds.delete(pre + 'a');
        const seen: WatchEvent[] = [];
        const w = ds.watch(pre, r1, (e) => seen.push(e));
        await until(() => seen.length === 3);
        await ds.put(pre + 'c', 'live');
        await ds.put('/elsewhere' + pre, 'not-under-prefix');
        await until(() => seen.length === 4);
        w.cancel();
        assert.deepEqual(
          seen.map((e) => [e.type, e.key.slice(pre.length), e.value]),
          [
            ['put', 'a', '1'],
            ['put', 'b', '1'],
            ['delete', 'a', undefined],
            ['put', 'c', 'live'],
          ],
        );
        assert.ok(seen.every((e, i) => i === 0 || e.revision > seen[i - 1]!.revision));
      });

    if (!kvOnly)
      test('leases: keys under a revoked lease are deleted and watchers see it', async () => {
        const pre = p();
        const lease = await ds.grant(5);
        await ds.put(pre + 'live', 'me', { lease });
        await lease.keepAlive();
        const seen: WatchEvent[] = [];
        const w = ds.watch(pre, 0, (e) => seen.push(e));
        await sleep(100);
        await lease.revoke();
        await until(() => seen.some((e) => e.type === 'delete'));
        w.cancel();
        assert.equal(await ds.get(pre + 'live'), undefined);
      });
  });
}

contract('memory', false, async () => {
  const ds = new EmbeddedDatastore();
  return { ds, done: () => ds.close() };
});

contract('embedded (shared file)', false, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vr-contract-'));
  const ds = new EmbeddedDatastore({ path: path.join(dir, 'datastore.json') });
  return {
    ds,
    done: async () => {
      await ds.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

let cluster: EtcdCluster | undefined;
contract('etcd', skipReason('etcd'), async () => {
  cluster = await startEtcd(1);
  const ds = new EtcdDatastore({ endpoints: cluster.endpoints });
  return {
    ds,
    done: async () => {
      await ds.close();
      await cluster?.destroy();
    },
  };
});

let gwCluster: EtcdCluster | undefined;
contract(
  'etcd (JSON gateway)',
  skipReason('etcd'),
  async () => {
    gwCluster = await startEtcd(1);
    const ds = new EtcdGatewayDatastore({ endpoints: gwCluster.endpoints });
    return {
      ds,
      done: async () => {
        await ds.close();
        await gwCluster?.destroy();
      },
    };
  },
  true,
);
