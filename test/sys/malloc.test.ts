// The daemons' glibc malloc setting (src/sys/malloc.ts): with the mmap threshold fixed, large
// typed arrays freed by a GC go back to the kernel; with glibc's dynamic threshold (raised by
// the first large block freed) they stay resident in the heap. Each case runs in a child
// process so that the setting and the heap start clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/env';

interface Sample {
  accepted: unknown;
  before: number;
  full: number;
  after: number;
}

function run(tune: boolean, env: NodeJS.ProcessEnv = {}): Sample {
  const fromSource = __filename.endsWith('.ts');
  const mod = fromSource ? path.join(REPO_ROOT, 'src/sys/malloc.ts') : path.join(REPO_ROOT, 'dist/src/sys/malloc.js');
  // An 8 MiB block freed first (what a replaced RIB array is) raises glibc's threshold; then
  // 48 x 1 MiB arrays, each followed by a small live one so that freeing them cannot shrink the
  // heap from its top; then they are dropped and collected. (The 8 MiB array is made in a
  // function: a top-level `let` of an -e script may stay reachable through the first gc().)
  const script = `
    const m = require(${JSON.stringify(mod)});
    const rss = () => process.memoryUsage().rss / 1048576;
    const accepted = ${tune} ? m.tuneMalloc([[m.M_MMAP_THRESHOLD, m.DAEMON_MMAP_THRESHOLD]]) : [];
    const prime = () => { new Uint8Array(8 << 20).fill(1); };
    prime(); gc(); gc();
    const before = rss();
    let keep = []; const pins = [];
    for (let i = 0; i < 48; i++) { keep.push(new Uint8Array(1 << 20).fill(1)); pins.push(new Uint8Array(4096).fill(1)); }
    const full = rss();
    keep = null; gc(); gc();
    process.stdout.write(JSON.stringify({ accepted, before, full, after: rss(), pins: pins.length }));`;
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', ...(fromSource ? ['--import', 'tsx'] : []), '-e', script],
    {
      cwd: REPO_ROOT,
      timeout: 60_000,
      env: { ...process.env, ...env },
    },
  );
  return JSON.parse(out.toString()) as Sample;
}

test('a fixed mmap threshold returns freed large arrays to the kernel; the dynamic one keeps them', {
  skip: process.platform !== 'linux' && 'glibc malloc: Linux only',
}, () => {
  const plain = run(false);
  const tuned = run(true);
  assert.deepEqual(tuned.accepted, [[-3, 128 * 1024]], 'glibc accepted M_MMAP_THRESHOLD');
  // Both really held the 48 MiB.
  assert.ok(plain.full - plain.before > 40 && tuned.full - tuned.before > 40, JSON.stringify({ plain, tuned }));
  assert.ok(
    plain.after - plain.before > 32,
    `control: glibc's defaults keep the freed arrays (${JSON.stringify(plain)})`,
  );
  assert.ok(tuned.after - tuned.before < 8, `tuned: the freed arrays are returned (${JSON.stringify(tuned)})`);
});

// What bin/vroute gives the reflector instead (src/cli/node-flags.ts daemonEnv): the same
// threshold as a glibc tunable read at start-up, so koffi need not be loaded.
test("the launcher's GLIBC_TUNABLES mmap threshold returns freed large arrays too", {
  skip: process.platform !== 'linux' && 'glibc malloc: Linux only',
}, () => {
  const env = { GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=131072' };
  const viaEnv = run(false, env);
  assert.ok(viaEnv.full - viaEnv.before > 40, JSON.stringify(viaEnv));
  assert.ok(viaEnv.after - viaEnv.before < 8, `tunable: the freed arrays are returned (${JSON.stringify(viaEnv)})`);
});
