// The embedded store is one file shared by every vroute process on the host (contract 4):
// concurrent writers from several processes lose nothing, a watcher in one process sees
// another's puts and deletes at their revisions, and leased keys are seen across processes
// and vanish when their owner revokes them or dies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { EmbeddedDatastore } from '../../src/datastore/embedded';
import { putResource } from '../../src/datastore/resources/documents';
import type { WatchEvent } from '../../src/datastore/store';
import { waitFor } from '../helpers/netns';

const WORKER = path.join(__dirname, __filename.endsWith('.ts') ? 'shared-worker.ts' : 'shared-worker.js');
const WORKER_ARGS = __filename.endsWith('.ts') ? ['--import', 'tsx', WORKER] : [WORKER];
let dir: string;
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'vr-shared-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function runWorker(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...WORKER_ARGS, ...args], { timeout: 120_000 }, (err, out, errOut) =>
      err ? reject(new Error(errOut || err.message)) : resolve(out),
    );
  });
}

/** A long-running worker whose JSON lines are collected. */
function startWorker(...args: string[]): {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  stop(): Promise<void>;
} {
  const child = spawn(process.execPath, [...WORKER_ARGS, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: Array<Record<string, unknown>> = [];
  readline
    .createInterface({ input: child.stdout! })
    .on('line', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    lines,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin!.end();
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(t);
      }
    },
  };
}

test('4 processes applying, allocating and incrementing at once on one file: nothing lost', {
  timeout: 180_000,
}, async () => {
  const file = path.join(dir, 'load.json');
  const ds = new EmbeddedDatastore({ path: file });
  await putResource(ds, {
    apiVersion: 'vroute/v1',
    kind: 'IPPool',
    metadata: { name: 'p' },
    spec: { cidr: '10.200.0.0/16', blockSize: 26 },
  });
  const N = 30;
  const outs = await Promise.all(['0', '1', '2', '3'].map((id) => runWorker('load', file, id, String(N))));
  const ips = outs.flatMap((o) => (JSON.parse(o) as { ips: string[] }).ips);
  assert.equal(ips.length, 4 * N);
  assert.equal(new Set(ips).size, 4 * N, 'every address handed out once');
  // What the file holds, read by a fresh process-like store.
  const check = new EmbeddedDatastore({ path: file });
  const peers = await check.list('/vroute/v1/bgppeer/');
  assert.equal(peers.items.length, 4 * N, 'every BGPPeer written');
  assert.equal((await check.get('/test/counter'))?.value, String(4 * N), 'every CAS increment landed once');
  const blocks = await check.list('/vroute/v1/ipamblock/');
  const recorded: string[] = [];
  for (const kv of blocks.items) {
    const b = JSON.parse(kv.value) as {
      spec?: { allocations?: Record<string, unknown> };
      allocations?: Record<string, unknown>;
    };
    recorded.push(...Object.keys(b.spec?.allocations ?? b.allocations ?? {}));
  }
  assert.equal(recorded.length, 4 * N, 'the IPAM blocks record every allocation');
  // One write per revision: 1 pool + 4N peers + 4N increments + the allocations (with block claims).
  assert.ok(peers.revision >= 1 + 4 * N * 3, `revision ${peers.revision}`);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith('load') || f.startsWith('.load')),
    ['load.json'],
    'no lock or temp file left',
  );
  await ds.close();
  await check.close();
});

test('a watcher in another process sees puts and deletes at their revisions; ours sees its writes', {
  timeout: 60_000,
}, async () => {
  const file = path.join(dir, 'watch.json');
  const ds = new EmbeddedDatastore({ path: file, pollMs: 50 });
  await ds.put('/w/old', 'before');
  const w = startWorker('watch', file, '/w/');
  try {
    await waitFor('watcher ready', () => (w.lines.length > 0 ? true : undefined), 20_000, 20);
    const r1 = await ds.put('/w/a', '1');
    const r2 = await ds.put('/w/a', '2');
    const r3 = await ds.txn(
      [],
      [
        { type: 'put', key: '/w/b', value: 'x' },
        { type: 'delete', key: '/w/old' },
      ],
    );
    await ds.delete('/w/a');
    const r4 = (await ds.list('/w/')).revision;
    await ds.put('/other/z', 'not watched');
    await waitFor(
      'delete of /w/a seen',
      () => (w.lines.some((l) => l.type === 'delete' && l.key === '/w/a') ? true : undefined),
      10_000,
      20,
    ).catch((e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(w.lines)} r=${[r1, r2, r3, r4]}`);
    });
    const evs = w.lines.slice(1).map((l) => [l.type, l.key, l.value ?? null, l.revision]);
    // Each put at its own revision (the watcher may poll between our writes or not: when it
    // does not, the superseded value of /w/a is not shown, as after a compaction).
    const want = [
      ['put', '/w/a', '1', r1],
      ['put', '/w/a', '2', r2],
      ['delete', '/w/old', null, r3],
      ['put', '/w/b', 'x', r3],
      ['delete', '/w/a', null, r4],
    ];
    for (const e of evs)
      assert.ok(
        want.some((x) => JSON.stringify(x) === JSON.stringify(e)),
        `unexpected event ${JSON.stringify(e)}`,
      );
    for (const x of want.slice(2))
      assert.ok(
        evs.some((e) => JSON.stringify(x) === JSON.stringify(e)),
        `missing ${JSON.stringify(x)} in ${JSON.stringify(evs)}`,
      );
    const revs = evs.map((e) => e[3] as number);
    assert.deepEqual(
      revs,
      [...revs].sort((a, b) => a - b),
      'in revision order',
    );
    assert.ok(!evs.some((e) => e[1] === '/other/z'));

    // The other direction: a watcher here hears a writer process.
    const seen: WatchEvent[] = [];
    const watch = ds.watch('/vroute/v1/bgppeer/', 0, (e) => seen.push(e));
    await putResource(ds, {
      apiVersion: 'vroute/v1',
      kind: 'IPPool',
      metadata: { name: 'p' },
      spec: { cidr: '10.201.0.0/16' },
    });
    await runWorker('load', file, '5', '3');
    await waitFor('3 BGPPeer puts seen', () => (seen.length >= 3 ? true : undefined), 5000, 20);
    assert.deepEqual(
      seen.map((e) => `${e.type} ${e.key}`).sort(),
      [0, 1, 2].map((i) => `put /vroute/v1/bgppeer/peer-5-${i}`),
    );
    for (const e of seen) assert.equal((await ds.get(e.key))?.revision, e.revision, 'at the revision the store holds');
    watch.cancel();
  } finally {
    await w.stop();
    await ds.close();
  }
});

test('leased keys: seen by other processes, gone on revoke, and gone after the TTL when the owner is killed', {
  timeout: 60_000,
}, async () => {
  const file = path.join(dir, 'lease.json');
  const ds = new EmbeddedDatastore({ path: file, pollMs: 50 });
  const seen: WatchEvent[] = [];
  ds.watch('/reg/', 0, (e) => seen.push(e));
  // Revoked by a live owner: gone at once.
  const a = startWorker('lease', file, '/reg/a', '30');
  const b = startWorker('lease', file, '/reg/b', '1');
  try {
    await waitFor('both registered', () => (a.lines.length > 0 && b.lines.length > 0 ? true : undefined), 20_000, 20);
    const kv = await ds.get('/reg/a');
    assert.equal(kv?.value, 'alive');
    assert.equal(kv?.lease, a.lines[0]!.lease, 'the key carries its lease');
    a.child.stdin!.write('revoke\n');
    await waitFor(
      'revoke seen',
      () => (seen.some((e) => e.type === 'delete' && e.key === '/reg/a') ? true : undefined),
      5000,
      20,
    );
    assert.equal(await ds.get('/reg/a'), undefined);
    // b keeps its 1 s lease alive while it runs ...
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await ds.get('/reg/b'))?.value, 'alive', 'kept alive across 2.5 TTLs');
    // ... and when it is killed (no revoke), this process expires it after the TTL.
    const killedAt = Date.now();
    b.child.kill('SIGKILL');
    await waitFor(
      "dead owner's key expired",
      () => (seen.some((e) => e.type === 'delete' && e.key === '/reg/b') ? true : undefined),
      5000,
      20,
    );
    assert.ok(Date.now() - killedAt < 4000, 'within about TTL + poll');
    assert.equal(await ds.get('/reg/b'), undefined);
  } finally {
    await a.stop();
    b.child.kill('SIGKILL');
    await ds.close();
  }
});
