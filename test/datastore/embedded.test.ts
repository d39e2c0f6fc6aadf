// Embedded datastore specifics: the JSON file (atomic writes, reload keeps revisions), lease
// expiry on an injected clock, bounded history; and datastore URL parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmbeddedDatastore } from '../../src/datastore/embedded';
import { openDatastore, parseDatastoreUrl } from '../../src/datastore/open';
import { DatastoreError } from '../../src/datastore/store';

test('embedded:PATH survives a restart with keys and revisions; no temp files left', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vr-emb-'));
  try {
    const file = path.join(dir, 'ds.json');
    const a = new EmbeddedDatastore({ path: file });
    const r1 = await a.put('/k/a', '1');
    const r2 = await a.put('/k/b', '2');
    await a.put('/k/a', '1b');
    const lease = await a.grant(30);
    await a.put('/k/leased', 'x', { lease });
    await a.close();
    assert.deepEqual(readdirSync(dir), ['ds.json']);
    const b = new EmbeddedDatastore({ path: file });
    assert.equal((await b.get('/k/a'))?.value, '1b');
    assert.equal((await b.get('/k/a'))?.createRevision, r1);
    assert.equal((await b.get('/k/b'))?.revision, r2);
    assert.equal(await b.get('/k/leased'), undefined, 'leased keys do not outlive their process');
    const r = await b.put('/k/c', '3');
    assert.ok(r > r2 + 1, 'the revision counter continues');
    // A watch from before the restart is compacted (no history is kept on disk).
    const err = await new Promise<DatastoreError>((res) => b.watch('/k/', r1, () => undefined, res));
    assert.equal(err.code, 'compacted');
    await b.close();
    writeFileSync(file, '{not json');
    assert.throws(() => new EmbeddedDatastore({ path: file }), /is not valid JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('leases expire on the injected clock unless kept alive; onLost fires', async () => {
  let now = 0;
  const ds = new EmbeddedDatastore({ now: () => now, timers: false });
  const lease = await ds.grant(10);
  let lost = 0;
  lease.onLost(() => lost++);
  await ds.put('/r/rr1', 'up', { lease });
  now = 9000;
  await lease.keepAlive();
  now = 18000;
  assert.ok(await ds.get('/r/rr1'));
  now = 19001;
  assert.equal(await ds.get('/r/rr1'), undefined);
  assert.equal(lost, 1);
  await assert.rejects(lease.keepAlive(), (e: unknown) => e instanceof DatastoreError && e.code === 'lost');
  await assert.rejects(ds.put('/r/x', 'y', { lease }), (e: unknown) => e instanceof DatastoreError && e.code === 'lost');
  await ds.close();
});

test('history is bounded: old revisions compact, recent ones replay', async () => {
  const ds = new EmbeddedDatastore({ historySize: 10 });
  let last = 0;
  for (let i = 0; i < 30; i++) last = await ds.put(`/h/${i}`, String(i));
  const seen: number[] = [];
  ds.watch('/h/', last - 4, (e) => seen.push(e.revision));
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(seen, [last - 4, last - 3, last - 2, last - 1, last]);
  const err = await new Promise<DatastoreError>((res) => ds.watch('/h/', last - 20, () => undefined, res));
  assert.equal(err.code, 'compacted');
  await ds.close();
});

test('datastore URLs', () => {
  assert.deepEqual(parseDatastoreUrl('embedded'), { kind: 'embedded' });
  assert.deepEqual(parseDatastoreUrl('embedded:/var/lib/vroute/ds.json'), { kind: 'embedded', path: '/var/lib/vroute/ds.json' });
  assert.deepEqual(parseDatastoreUrl('etcd://10.0.0.1:2379,10.0.0.2:2379'), { kind: 'etcd', endpoints: ['10.0.0.1:2379', '10.0.0.2:2379'], tls: false });
  assert.deepEqual(parseDatastoreUrl('etcds://[::1]:2379'), { kind: 'etcd', endpoints: ['[::1]:2379'], tls: true });
  assert.throws(() => parseDatastoreUrl('etcd://'), /is not embedded|no etcd endpoints/);
  assert.throws(() => parseDatastoreUrl('etcd://host'), /endpoint "host" is not host:port/);
  assert.throws(() => parseDatastoreUrl('redis://x:1'), /is not embedded, embedded:PATH or etcd/);
  const ds = openDatastore(undefined, { VROUTE_DATASTORE: 'embedded' });
  assert.equal(ds.kind, 'embedded');
  void ds.close();
});

test('embedded:PATH shared by two stores (two processes on one host): CAS holds, changes are seen', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vr-emb2-'));
  try {
    const file = path.join(dir, 'ds.json');
    const a = new EmbeddedDatastore({ path: file });
    const b = new EmbeddedDatastore({ path: file });
    const r = await a.put('/s/x', '1');
    assert.equal((await b.get('/s/x'))?.revision, r, 'b reads a\'s write');
    await b.put('/s/x', '2', { expectRevision: r });
    await assert.rejects(a.put('/s/x', 'stale', { expectRevision: r }), (e: unknown) => e instanceof DatastoreError && e.code === 'conflict');
    // b's watch hears a's writes (on its next read of the file).
    const seen: string[] = [];
    b.watch('/s/', 0, (e) => seen.push(`${e.type} ${e.key} ${e.value ?? ''}`));
    await a.put('/s/y', 'from-a');
    await a.delete('/s/x');
    await b.list('/s/');
    await new Promise((res) => setTimeout(res, 10));
    assert.deepEqual(seen.sort(), ['delete /s/x ', 'put /s/y from-a']);
    // Concurrent counters through both stores: every increment lands once.
    const inc = async (ds: EmbeddedDatastore) => {
      for (;;) {
        const cur = await ds.get('/s/n');
        try {
          await ds.put('/s/n', String(Number(cur?.value ?? 0) + 1), { expectRevision: cur?.revision ?? 0 });
          return;
        } catch (e) {
          if (!(e instanceof DatastoreError && e.code === 'conflict')) throw e;
        }
      }
    };
    await Promise.all(Array.from({ length: 100 }, (_, i) => inc(i % 2 ? a : b)));
    assert.equal((await a.get('/s/n'))?.value, '100');
    assert.deepEqual(readdirSync(dir), ['ds.json'], 'no lock or temp file left');
    await a.close();
    await b.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
