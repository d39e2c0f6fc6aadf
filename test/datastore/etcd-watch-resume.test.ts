// Where a lost etcd watch stream resumes (src/datastore/etcd.ts watch). etcd3 re-creates a
// watcher after a lost stream from its request's start_revision, which it sets to the header
// revision + 1 of every answer; a catching-up watch's header runs ahead of the events it has
// delivered, so it would skip them. Our watch resets that point to the first revision not
// delivered on 'disconnected'. Driven here through etcd3's own Watcher and WatchBuilder (its
// revision bookkeeping is the real one), with the stream side played by the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WatchBuilder, type Watcher } from 'etcd3';
import { EtcdDatastore } from '../../src/datastore/etcd';
import type { WatchEvent } from '../../src/datastore';

test('etcd watch: a stream lost during catch-up resumes at the first revision not delivered', () => {
  // No call reaches the endpoint: the client's watch() is replaced below.
  const ds = new EtcdDatastore({ endpoints: ['127.0.0.1:9'] });
  let watcher: Watcher | undefined;
  const manager = {
    attach: (w: Watcher) => {
      watcher = w;
    },
    detach: async () => undefined,
  };
  const namespace = { applyToRequest: <T>(r: T): T => r, unprefix: (k: Buffer): Buffer => k };
  (ds as unknown as { client: unknown }).client = {
    watch: () => new WatchBuilder(manager as never, namespace as never),
  };
  const seen: WatchEvent[] = [];
  const w = ds.watch('/c/', 11, (e) => seen.push(e));
  assert.ok(watcher);
  assert.equal(String(watcher.request.start_revision), '11');
  // etcd answers the create with the store's current revision (30), then the first catch-up
  // batch: revisions 11 and 12, under the same header.
  const header = { revision: '30' };
  watcher.emit('connected', { header, created: true, events: [] });
  const kv = (key: string, rev: number) => ({
    key: Buffer.from(key),
    value: Buffer.from('v'),
    mod_revision: String(rev),
  });
  watcher.emit('data', {
    header,
    events: [
      { type: 'Put', kv: kv('/c/a', 11) },
      { type: 'Put', kv: kv('/c/b', 12) },
    ],
  });
  assert.equal(String(watcher.request.start_revision), '31', "etcd3's own resume point: past 13..30, never delivered");
  watcher.emit('disconnected', new Error('stream lost'));
  assert.equal(String(watcher.request.start_revision), '13');
  assert.deepEqual(
    seen.map((e) => [e.key, e.revision]),
    [
      ['/c/a', 11],
      ['/c/b', 12],
    ],
  );
  w.cancel();
});
