// The daemon's in-process V8 flags (src/cli/node-flags.ts): applied at runtime, they must
// really keep the young generation small (V8 reads the flag when it would grow the nursery).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { applyDaemonV8Flags, DAEMON_V8_FLAGS, nurseryGrowthFactor } from '../../src/cli/node-flags';
import { REPO_ROOT } from '../helpers/env';

test('VROUTE_V8_FLAGS=none applies nothing; a list replaces the defaults', () => {
  assert.deepEqual(applyDaemonV8Flags({ VROUTE_V8_FLAGS: 'none' }), []);
  assert.deepEqual(
    applyDaemonV8Flags({ VROUTE_V8_FLAGS: ' --semi-space-growth-factor=2  --trace-gc-verbose=false ' }),
    ['--semi-space-growth-factor=2', '--trace-gc-verbose=false'],
  );
  assert.ok(DAEMON_V8_FLAGS.includes('--semi-space-growth-factor=1'));
});

// A child process loads the daemon's modules (as bin/vroute does before applying the flags),
// applies them, then keeps batches of short-lived objects alive across scavenges (what a
// burst of UPDATEs does); it reports the new space's size in MiB before and after the burst.
function youngGen(flags: string): { before: number; after: number } {
  const fromSource = __filename.endsWith('.ts');
  const src = (rel: string): string =>
    fromSource ? path.join(REPO_ROOT, `src/${rel}.ts`) : path.join(REPO_ROOT, `dist/src/${rel}.js`);
  const script = `
    const v8 = require('node:v8');
    const size = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;
    require(${JSON.stringify(src('reflector/daemon'))});
    const before = size();
    require(${JSON.stringify(src('cli/node-flags'))}).applyDaemonV8Flags();
    const keep = [];
    for (let r = 0; r < 150; r++) {
      const batch = [];
      for (let i = 0; i < 20000; i++) batch.push({ a: i, b: [i] });
      keep.push(batch);
      if (keep.length > 5) keep.shift();
    }
    process.stdout.write(JSON.stringify({ before, after: size() }));`;
  const out = execFileSync(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), '-e', script], {
    cwd: REPO_ROOT,
    env: { ...process.env, VROUTE_V8_FLAGS: flags },
    timeout: 60_000,
  });
  return JSON.parse(out.toString()) as { before: number; after: number };
}

test('after startup, the default flags stop the young generation growing under a burst', () => {
  const base = youngGen('none');
  const tuned = youngGen('');
  assert.ok(
    base.after > base.before,
    `control: V8's defaults grow the nursery here (${base.before} -> ${base.after} MiB)`,
  );
  assert.ok(
    tuned.after <= tuned.before,
    `young generation grew ${tuned.before} -> ${tuned.after} MiB with ${DAEMON_V8_FLAGS.join(' ')}`,
  );
});

test('a nursery that V8 shrank (idle) may grow back to 8 MiB, and no further', () => {
  assert.equal(nurseryGrowthFactor(1024 * 1024), 2);
  assert.equal(nurseryGrowthFactor(4 * 1024 * 1024), 2);
  assert.equal(nurseryGrowthFactor(8 * 1024 * 1024), 1);
  assert.equal(nurseryGrowthFactor(16 * 1024 * 1024), 1);
});
