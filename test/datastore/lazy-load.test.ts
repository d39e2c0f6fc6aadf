// The etcd3 client (grpc-js, protobufjs: ~22 MiB of RSS) is loaded only when an etcd://
// datastore is opened, so a reflector on the embedded datastore never pays for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const loaded = (pkg: string): string[] =>
  Object.keys(require.cache).filter((f) => f.includes(`${'node_modules'}/${pkg}/`));

test('importing the reflector daemon and opening the embedded datastore leaves etcd3 unloaded', async () => {
  // Required here (not imported at the top) so the check sees only what these modules pull in.
  const daemon = require('../../src/reflector/daemon') as typeof import('../../src/reflector/daemon');
  const ds = require('../../src/datastore') as typeof import('../../src/datastore');
  assert.equal(typeof daemon.startReflector, 'function');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vr-lazy-'));
  try {
    const store = ds.openDatastore('embedded', { VROUTE_DATA_DIR: dir });
    await store.put('/k', 'v');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(loaded('etcd3'), []);
  assert.deepEqual(loaded('@grpc/grpc-js'), []);
});

test('a short-lived command (the CNI plugin) on etcd:// does not load etcd3 at all', async () => {
  const ds = require('../../src/datastore') as typeof import('../../src/datastore');
  const store = ds.openDatastore('etcd://127.0.0.1:1', {}, { shortLived: true });
  assert.equal(store.kind, 'etcd');
  await assert.rejects(store.get('/k'), /etcd: .*ECONNREFUSED/);
  await store.close();
  assert.deepEqual(loaded('etcd3'), []);
  assert.deepEqual(loaded('@grpc/grpc-js'), []);
});

test('opening an etcd:// datastore loads etcd3 then', async () => {
  const ds = require('../../src/datastore') as typeof import('../../src/datastore');
  // No RPC is made: the client connects on first use, and we close it unused.
  const store = ds.openDatastore('etcd://127.0.0.1:1');
  assert.equal(store.kind, 'etcd');
  assert.ok(loaded('etcd3').length > 0, 'etcd3 was not loaded by openDatastore(etcd://)');
  await store.close();
});
