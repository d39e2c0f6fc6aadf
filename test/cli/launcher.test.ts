// bin/vroute's sh line (start-up settings for `vroute reflector` and `vroute node`): the node it execs is the
// daemon itself (one process), with the V8 flag and glibc tunable of src/cli/node-flags.ts;
// other subcommands and `node bin/vroute` run without them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DAEMON_NODE_ARGS, MMAP_TUNABLE, daemonEnv } from '../../src/cli/node-flags';
import { REPO_ROOT } from '../helpers/env';

const BIN = path.join(REPO_ROOT, 'bin', 'vroute');

test('daemonEnv adds the tunable to GLIBC_TUNABLES and marks it set; VROUTE_MALLOC=none leaves it', () => {
  assert.deepEqual(daemonEnv({}), { VROUTE_MALLOC: 'env', GLIBC_TUNABLES: MMAP_TUNABLE });
  assert.equal(
    daemonEnv({ GLIBC_TUNABLES: 'glibc.pthread.rseq=0' }).GLIBC_TUNABLES,
    `glibc.pthread.rseq=0:${MMAP_TUNABLE}`,
  );
  assert.deepEqual(daemonEnv({ VROUTE_MALLOC: 'none' }), { VROUTE_MALLOC: 'none' });
});

test('./bin/vroute reflector execs one node with the daemon start-up flags and malloc tunable', {
  skip: process.platform !== 'linux' && '/proc: Linux only',
}, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vroute-launcher-'));
  const conf = path.join(dir, 'rr.yaml');
  // Port 0 everywhere: nothing fixed on the host namespace; no peers.
  writeFileSync(
    conf,
    'name: rr1\nrouterId: 10.0.0.1\nasn: 65000\nlisten: {address: 127.0.0.1, port: 0}\nneighbors: []\n' +
      'datastore: memory\napi: 127.0.0.1:0\nlog: warn\n',
  );
  const child = spawn(BIN, ['reflector', '--config', conf], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GLIBC_TUNABLES: '', VROUTE_MALLOC: '' },
  });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdout.on('data', () => {});
  try {
    // The exec is done once /proc shows node running the file (bounded wait).
    let argv: string[] = [];
    for (let i = 0; i < 100 && !argv.includes(BIN); i++) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        argv = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
      } catch {
        break;
      }
    }
    assert.ok(argv.includes(BIN), `the spawned pid runs node on bin/vroute: ${argv.join(' ')} ${err}`);
    assert.equal(path.basename(readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim()), 'node');
    for (const f of DAEMON_NODE_ARGS) assert.ok(argv.includes(f), `${f} in ${argv.join(' ')}`);
    const env = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0');
    assert.ok(env.includes(`GLIBC_TUNABLES=${MMAP_TUNABLE}`), 'tunable set');
    assert.ok(env.includes('VROUTE_MALLOC=env'), 'marked as set, so koffi is not loaded');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('other subcommands start through the sh line too; it holds node-flags.ts values', async () => {
  const out = await new Promise<string>((resolve) =>
    execFile(BIN, ['--help'], { encoding: 'utf8', timeout: 20000 }, (_e, o) => resolve(o)),
  );
  assert.match(out, /reflector/);
  const src = readFileSync(BIN, 'utf8').split('\n')[1]!;
  // The sh line holds the same values as node-flags.ts, for both daemons.
  for (const f of DAEMON_NODE_ARGS) assert.ok(src.includes(f), f);
  assert.ok(src.includes(MMAP_TUNABLE), MMAP_TUNABLE);
  for (const daemon of ['reflector', 'node']) assert.ok(src.includes(`[ "$1" = ${daemon} ]`), daemon);
  // The JS fallback (`node bin/vroute ...`) applies the in-process flags for both as well.
  assert.match(readFileSync(BIN, 'utf8'), /=== 'reflector' \|\| process\.argv\[2\] === 'node'\) require\(.*node-flags/);
});
