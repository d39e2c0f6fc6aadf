// The resyncing watch: after a compacted revision or an etcd restart, the watcher's view ends
// equal to the store, with nothing missed and nothing doubled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipReason } from '../helpers/env';
import { startEtcd } from '../helpers/etcd';
import { type Datastore, DatastoreError, type WatchEvent } from '../../src/datastore/store';
import { EmbeddedDatastore } from '../../src/datastore/embedded';
import { EtcdDatastore } from '../../src/datastore/etcd';
import { resyncingWatch } from '../../src/datastore/resync';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean | Promise<boolean>, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/** Applies events like a consumer would; fails on a doubled event (same key and revision). */
function consumer() {
  const state = new Map<string, string>();
  const seen = new Set<string>();
  const onEvent = (e: WatchEvent) => {
    const id = `${e.type} ${e.key} ${e.revision}`;
    assert.ok(!seen.has(id), `doubled event ${id}`);
    seen.add(id);
    if (e.type === 'put') state.set(e.key, e.value!);
    else state.delete(e.key);
  };
  return { state, onEvent };
}

async function storeMap(ds: Datastore, prefix: string): Promise<Map<string, string>> {
  return new Map((await ds.list(prefix)).items.map((i) => [i.key, i.value]));
}

async function equalSoon(ds: Datastore, prefix: string, state: Map<string, string>): Promise<void> {
  await until(async () => {
    const m = await storeMap(ds, prefix);
    return m.size === state.size && [...m].every(([k, v]) => state.get(k) === v);
  });
  assert.deepEqual(state, await storeMap(ds, prefix));
}

test('embedded: a watch lost to compaction resyncs to exactly the store', async () => {
  const ds = new EmbeddedDatastore({ historySize: 5 });
  const pre = '/vroute/v1/x/';
  for (let i = 0; i < 5; i++) await ds.put(pre + i, `v${i}`);
  // Break the inner watch as etcd does on compaction, while writes land that the watch misses.
  let breakIt: ((e: DatastoreError) => void) | undefined;
  const flaky: Datastore = Object.create(ds) as Datastore;
  flaky.watch = (p, from, on, onErr) => {
    breakIt = onErr;
    return ds.watch(p, from, on, onErr);
  };
  const c = consumer();
  const resyncs: DatastoreError[] = [];
  const w = resyncingWatch(flaky, pre, c.onEvent, { onResync: (e) => resyncs.push(e) });
  await equalSoon(ds, pre, c.state);
  const innerBroken = breakIt!;
  await ds.delete(pre + '1');
  await ds.put(pre + '2', 'changed');
  await ds.put(pre + '9', 'new');
  for (let i = 0; i < 20; i++) await ds.put('/other/' + i, 'noise'); // history overflows: compacted
  innerBroken(new DatastoreError('compacted', 'compacted'));
  await ds.put(pre + '3', 'after');
  await equalSoon(ds, pre, c.state);
  w.cancel();
  assert.equal(resyncs.length, 1);
  await ds.close();
});

test('etcd: watch from a compacted revision reports compacted', {
  skip: skipReason('etcd'),
  timeout: 30000,
}, async () => {
  const cluster = await startEtcd(1);
  const ds = new EtcdDatastore({ endpoints: cluster.endpoints });
  try {
    let rev = 0;
    for (let i = 0; i < 10; i++) rev = await ds.put('/k' + i, 'v');
    await ds.compact(rev);
    const err = await new Promise<DatastoreError>((resolve) => ds.watch('/', 2, () => undefined, resolve));
    assert.equal(err.code, 'compacted');
  } finally {
    await ds.close();
    await cluster.destroy();
  }
});

test('embedded: watch from a compacted revision reports compacted', async () => {
  const ds = new EmbeddedDatastore({ historySize: 3 });
  for (let i = 0; i < 10; i++) await ds.put('/k' + i, 'v');
  const err = await new Promise<DatastoreError>((resolve) => ds.watch('/', 2, () => undefined, resolve));
  assert.equal(err.code, 'compacted');
  await ds.close();
});

test('etcd: resync after a restart and after a compaction', { skip: skipReason('etcd'), timeout: 90000 }, async () => {
  const cluster = await startEtcd(1);
  const watcherDs = new EtcdDatastore({ endpoints: cluster.endpoints });
  const writer = new EtcdDatastore({ endpoints: cluster.endpoints });
  try {
    const pre = '/vroute/v1/bgppeer/';
    for (let i = 0; i < 20; i++) await writer.put(pre + i, `v${i}`);
    const c = consumer();
    const resyncs: DatastoreError[] = [];
    const w = resyncingWatch(watcherDs, pre, c.onEvent, { onResync: (e) => resyncs.push(e) });
    await equalSoon(writer, pre, c.state);

    await cluster.members[0]!.restart();
    // Writes right after the restart, then a compaction past them: a watcher that resumes
    // late must resync from a list; one that resumed early sees them live. Either way, equal.
    await until(async () => {
      try {
        await writer.put(pre + '0', 'after-restart');
        return true;
      } catch {
        return false;
      }
    });
    await writer.delete(pre + '5');
    for (let i = 20; i < 30; i++) await writer.put(pre + i, `n${i}`);
    await equalSoon(writer, pre, c.state);

    // Compaction while the watch is cut: cancel its stream from the server side by compacting
    // past a revision the watcher has not seen, then make it resume there (restart).
    await cluster.members[0]!.stop();
    await sleep(4000); // the client's reconnect back-off grows while etcd is down
    await cluster.members[0]!.restart();
    await until(async () => {
      try {
        await writer.put(pre + '1', 'x');
        return true;
      } catch {
        return false;
      }
    });
    for (let i = 0; i < 10; i++) await writer.put(pre + '2', `churn${i}`);
    await writer.delete(pre + '3');
    const top = (await writer.list('/')).revision;
    await writer.compact(top);
    await writer.put(pre + '4', 'post-compact');
    await equalSoon(writer, pre, c.state);
    w.cancel();
    if (process.env.VR_DEBUG)
      console.error(
        'etcd resyncs:',
        resyncs.map((e) => e.code),
      );
  } finally {
    await watcherDs.close();
    await writer.close();
    await cluster.destroy();
  }
});

test('etcd: compaction between list and watch start resyncs to exactly the store', {
  skip: skipReason('etcd'),
  timeout: 60000,
}, async () => {
  const cluster = await startEtcd(1);
  const ds = new EtcdDatastore({ endpoints: cluster.endpoints });
  try {
    const pre = '/vroute/v1/node/';
    for (let i = 0; i < 10; i++) await ds.put(pre + i, `v${i}`);
    // The first watch starts late: meanwhile keys change and etcd compacts past the list's
    // revision, so the watch is refused as compacted and the wrapper must relist.
    let gate!: () => void;
    const opened = new Promise<void>((r) => {
      gate = r;
    });
    let first = true;
    const slow: Datastore = Object.create(ds) as Datastore;
    slow.list = (p) => ds.list(p);
    slow.watch = (p, from, on, onErr) => {
      if (!first) return ds.watch(p, from, on, onErr);
      first = false;
      let inner: { cancel(): void } | undefined;
      void opened.then(() => {
        inner = ds.watch(p, from, on, onErr);
      });
      return { cancel: () => inner?.cancel() };
    };
    const c = consumer();
    const resyncs: DatastoreError[] = [];
    const w = resyncingWatch(slow, pre, c.onEvent, { onResync: (e) => resyncs.push(e) });
    await until(() => c.state.size === 10);
    await ds.delete(pre + '3');
    await ds.put(pre + '4', 'changed');
    await ds.put(pre + '11', 'new');
    await ds.compact((await ds.list('/')).revision);
    gate();
    await until(() => resyncs.length > 0);
    await ds.put(pre + '12', 'live-after-resync');
    await equalSoon(ds, pre, c.state);
    assert.deepEqual(
      resyncs.map((e) => e.code),
      ['compacted'],
    );
    w.cancel();
  } finally {
    await ds.close();
    await cluster.destroy();
  }
});
