// The daemon's in-process V8 flags (src/cli/node-flags.ts): applied at runtime, they must
// really keep the young generation small (V8 reads the flag when it would grow the nursery).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { applyDaemonV8Flags, DAEMON_V8_FLAGS } from '../../src/cli/node-flags';
import { REPO_ROOT } from '../helpers/env';

test('VROUTE_V8_FLAGS=none applies nothing; a list replaces the defaults', () => {
  assert.deepEqual(applyDaemonV8Flags({ VROUTE_V8_FLAGS: 'none' }), []);
  assert.deepEqual(applyDaemonV8Flags({ VROUTE_V8_FLAGS: ' --semi-space-growth-factor=2  --trace-gc-verbose=false ' }), ['--semi-space-growth-factor=2', '--trace-gc-verbose=false']);
  assert.ok(DAEMON_V8_FLAGS.includes('--semi-space-growth-factor=1'));
});

// A child process applies the flags, then keeps batches of short-lived objects alive across
// scavenges (what a burst of UPDATEs does) and reports the young generation's size in MiB.
function youngGenMiB(flags: string): number {
  const fromSource = __filename.endsWith('.ts');
  const mod = fromSource ? path.join(REPO_ROOT, 'src/cli/node-flags.ts') : path.join(REPO_ROOT, 'dist/src/cli/node-flags.js');
  const script = `
    require(${JSON.stringify(mod)}).applyDaemonV8Flags();
    const keep = [];
    for (let r = 0; r < 150; r++) {
      const batch = [];
      for (let i = 0; i < 20000; i++) batch.push({ a: i, b: [i] });
      keep.push(batch);
      if (keep.length > 5) keep.shift();
    }
    const ns = require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    process.stdout.write(String(ns.space_size / 1048576));`;
  const out = execFileSync(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), '-e', script], {
    cwd: REPO_ROOT, env: { ...process.env, VROUTE_V8_FLAGS: flags }, timeout: 60_000,
  });
  return Number(out.toString());
}

test('the default flags keep the young generation at its initial size under a burst', () => {
  const base = youngGenMiB('none');
  const tuned = youngGenMiB('');
  assert.ok(base >= 8, `control: V8's defaults should grow the nursery here (got ${base} MiB)`);
  assert.ok(tuned <= 4, `young generation grew to ${tuned} MiB with ${DAEMON_V8_FLAGS.join(' ')}`);
});
