// Embedded datastore specifics: the JSON file (atomic writes, reload keeps revisions and
// leases, a corrupt file is an error and never a reset, stale locks), lease expiry on an
// injected clock, bounded history; datastore URLs and where `embedded` lives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmbeddedDatastore } from '../../src/datastore/embedded';
import { defaultDataDir, openDatastore, parseDatastoreUrl } from '../../src/datastore/open';
import { DatastoreError } from '../../src/datastore/store';
import { fileChanges } from '../../src/datastore/embedded-diff';
import { emptyState } from '../../src/datastore/embedded-file';

test('embedded:PATH survives a restart with keys, revisions and leases; no temp files left', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vr-emb-'));
  try {
    const file = path.join(dir, 'ds.json');
    let now = 1_000_000;
    const a = new EmbeddedDatastore({ path: file, now: () => now, timers: false });
    const r1 = await a.put('/k/a', '1');
    const r2 = await a.put('/k/b', '2');
    await a.put('/k/a', '1b');
    const lease = await a.grant(30);
    await a.put('/k/leased', 'x', { lease });
    await a.close();
    assert.deepEqual(readdirSync(dir), ['ds.json']);
    const b = new EmbeddedDatastore({ path: file, now: () => now, timers: false });
    assert.equal((await b.get('/k/a'))?.value, '1b');
    assert.equal((await b.get('/k/a'))?.createRevision, r1);
    assert.equal((await b.get('/k/b'))?.revision, r2);
    // A leased key outlives its process until the lease's TTL (as in etcd), then goes.
    assert.equal((await b.get('/k/leased'))?.lease, lease.id);
    now += 30_001;
    assert.equal(await b.get('/k/leased'), undefined, 'expired with its lease');
    const r = await b.put('/k/c', '3');
    assert.ok(r > r2 + 1, 'the revision counter continues');
    // A watch from before the restart is compacted (no history is kept on disk).
    const err = await new Promise<DatastoreError>((res) => b.watch('/k/', r1, () => undefined, res));
    assert.equal(err.code, 'compacted');
    await b.close();
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).format, 'vroute-datastore/1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt or half-written file is one clear error, never a reset; the file is left as it was', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vr-emb-bad-'));
  try {
    const file = path.join(dir, 'ds.json');
    const good = new EmbeddedDatastore({ path: file });
    await good.put('/k/a', 'precious');
    const whole = readFileSync(file, 'utf8');
    const cases: Array<[string, RegExp]> = [
      ['{not json', /is not valid JSON \(corrupt or half-written/],
      [whole.slice(0, Math.floor(whole.length / 2)), /is not valid JSON \(corrupt or half-written/],
      ['', /is not valid JSON/],
      ['[1,2]', /is not a vroute datastore file/],
      ['{"revision":3,"keys":{"/k/a":{"value":1,"revision":2}}}', /has a broken entry for key \/k\/a/],
      ['{"format":"other/9","revision":3,"keys":{}}', /has format "other\/9"/],
    ];
    for (const [text, re] of cases) {
      writeFileSync(file, text);
      assert.throws(
        () => new EmbeddedDatastore({ path: file }),
        (e: unknown) => {
          assert.ok(e instanceof DatastoreError, String(e));
          assert.match(e.message, re);
          assert.ok(e.message.startsWith(`datastore: ${file} `));
          assert.ok(!e.message.includes('\n'), 'one line');
          return true;
        },
      );
      // A store opened before the damage refuses writes too, and does not overwrite it.
      await assert.rejects(good.put('/k/b', 'x'), (e: unknown) => e instanceof DatastoreError && re.test(e.message));
      await assert.rejects(good.get('/k/a'), (e: unknown) => e instanceof DatastoreError && re.test(e.message));
      assert.equal(readFileSync(file, 'utf8'), text, 'left untouched');
    }
    // A running watcher hears it once (a resyncing watch retries its list until repaired).
    writeFileSync(file, whole);
    const w = new EmbeddedDatastore({ path: file, pollMs: 20 });
    const errs: DatastoreError[] = [];
    w.watch(
      '/k/',
      0,
      () => undefined,
      (e) => errs.push(e),
    );
    writeFileSync(file, '{"revision":');
    const end = Date.now() + 3000;
    while (errs.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.equal(errs[0]?.code, 'invalid');
    writeFileSync(file, whole);
    assert.equal((await w.get('/k/a'))?.value, 'precious', 'repaired: the same data again');
    await w.close();
    await good.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lock left by a killed writer is broken at once (its pid is gone); one held by a live one is waited for', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vr-emb-lock-'));
  try {
    const file = path.join(dir, 'ds.json');
    const ds = new EmbeddedDatastore({ path: file });
    // A pid that is not running: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    }).stdout;
    writeFileSync(`${file}.lock`, `${dead}@${os.hostname()}`);
    const t0 = Date.now();
    await ds.put('/k/a', '1');
    assert.ok(Date.now() - t0 < 2000, 'did not wait for the stale-lock timeout');
    writeFileSync(`${file}.lock`, `${process.pid}@${os.hostname()}`);
    let done = false;
    const p = ds.put('/k/a', '2').then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(done, false, 'waits while the holder lives');
    rmSync(`${file}.lock`);
    await p;
    assert.equal((await ds.get('/k/a'))?.value, '2');
    await ds.close();
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
  await assert.rejects(
    ds.put('/r/x', 'y', { lease }),
    (e: unknown) => e instanceof DatastoreError && e.code === 'lost',
  );
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
  assert.deepEqual(parseDatastoreUrl('memory'), { kind: 'memory' });
  assert.deepEqual(parseDatastoreUrl('embedded:/var/lib/vroute/ds.json'), {
    kind: 'embedded',
    path: '/var/lib/vroute/ds.json',
  });
  assert.deepEqual(parseDatastoreUrl('etcd://10.0.0.1:2379,10.0.0.2:2379'), {
    kind: 'etcd',
    endpoints: ['10.0.0.1:2379', '10.0.0.2:2379'],
    tls: false,
  });
  assert.deepEqual(parseDatastoreUrl('etcds://[::1]:2379'), { kind: 'etcd', endpoints: ['[::1]:2379'], tls: true });
  assert.throws(() => parseDatastoreUrl('etcd://'), /is not embedded|no etcd endpoints/);
  assert.throws(() => parseDatastoreUrl('etcd://host'), /endpoint "host" is not host:port/);
  assert.throws(() => parseDatastoreUrl('redis://x:1'), /is not embedded, embedded:PATH, memory or etcd/);
  const ds = openDatastore(undefined, { VROUTE_DATASTORE: 'memory' });
  assert.equal(ds.kind, 'memory');
  void ds.close();
});

test('embedded means $VROUTE_DATA_DIR/datastore.json (default /var/lib/vroute for root, XDG state otherwise), created 0700', async () => {
  assert.equal(defaultDataDir({}, 0), '/var/lib/vroute');
  assert.equal(defaultDataDir({ VROUTE_DATA_DIR: '/srv/vr' }, 0), '/srv/vr');
  assert.equal(defaultDataDir({ XDG_STATE_HOME: '/x/state', HOME: '/home/u' }, 1000), '/x/state/vroute');
  assert.equal(defaultDataDir({ HOME: '/home/u' }, 1000), '/home/u/.local/state/vroute');
  assert.equal(
    defaultDataDir({ XDG_STATE_HOME: 'relative', HOME: '/home/u' }, 1000),
    '/home/u/.local/state/vroute',
    'XDG: relative paths are ignored',
  );
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vr-emb-dir-'));
  try {
    const data = path.join(dir, 'a', 'b');
    const env = { VROUTE_DATA_DIR: data };
    const one = openDatastore('embedded', env);
    const two = openDatastore(undefined, env);
    assert.equal(one.kind, 'embedded');
    assert.equal(statSync(data).mode & 0o777, 0o700);
    await one.put('/k/shared', 'yes');
    assert.equal((await two.get('/k/shared'))?.value, 'yes', 'two opens of `embedded` share one file');
    assert.ok(existsSync(path.join(data, 'datastore.json')));
    await one.close();
    await two.close();
    assert.throws(
      () => openDatastore(`embedded:${path.join(dir, 'nope', 'x.json')}`),
      /directory .*nope does not exist/,
    );
    writeFileSync(path.join(dir, 'file'), '');
    assert.throws(
      () => openDatastore('embedded', { VROUTE_DATA_DIR: path.join(dir, 'file', 'sub') }),
      /datastore: cannot create .*: ENOTDIR \(set VROUTE_DATA_DIR/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('embedded:PATH shared by two stores (two processes on one host): CAS holds, changes are seen', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vr-emb2-'));
  try {
    const file = path.join(dir, 'ds.json');
    const a = new EmbeddedDatastore({ path: file });
    const b = new EmbeddedDatastore({ path: file });
    const r = await a.put('/s/x', '1');
    assert.equal((await b.get('/s/x'))?.revision, r, "b reads a's write");
    await b.put('/s/x', '2', { expectRevision: r });
    await assert.rejects(
      a.put('/s/x', 'stale', { expectRevision: r }),
      (e: unknown) => e instanceof DatastoreError && e.code === 'conflict',
    );
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

test("fileChanges: another process's writes as events at their own revisions", () => {
  const row = (value: string, revision: number, createRevision = revision) => ({ value, revision, createRevision });
  const cur = new Map([
    ['/a', row('1', 3)],
    ['/b', row('x', 4)],
    ['/c', row('old', 2)],
    ['/gone', row('g', 2)],
  ]);
  const next = emptyState();
  next.revision = 12;
  next.keys.set('/a', row('1', 3)); // unchanged: no event
  next.keys.set('/b', row('y', 9, 4)); // changed twice unseen: the latest value only
  next.keys.set('/c', row('new', 11, 11)); // deleted at 10, created again at 11
  next.keys.set('/d', row('d', 7)); // new
  next.deleted = [
    ['/c', 10],
    ['/e', 8],
    ['/old', 3],
  ]; // /e: created and deleted unseen; /old: before `seen`
  next.deletedFloor = 6; // /gone was deleted longer ago than the log keeps
  assert.deepEqual(
    fileChanges(cur, 5, next).map((e) => `${e.type} ${e.key} ${e.value ?? ''}@${e.revision}`),
    ['delete /gone @6', 'put /d d@7', 'delete /e @8', 'put /b y@9', 'delete /c @10', 'put /c new@11'],
  );
  assert.deepEqual(
    fileChanges(cur, 5, { ...next, keys: new Map(cur), deleted: [], deletedFloor: 0 }),
    [],
    'nothing new',
  );
});
