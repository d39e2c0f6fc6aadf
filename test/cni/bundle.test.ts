// bin/vroute-cni runs the one-file bundle `npm run build` makes (scripts/bundle-cni.mjs), and
// the compiled modules when the bundle is missing or older than them (a later bare `tsc`):
// the same answers either way. Which one ran is read from the require cache at exit (the
// bundle is compiled through vm.Script with its code cache, so only the modules show there).
// A code cache V8 cannot use (garbage here) costs only the compile it would have saved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/env';

const CNI_BIN = path.join(REPO_ROOT, 'bin', 'vroute-cni');
const BUNDLE = path.join(REPO_ROOT, 'dist', 'cni', 'vroute-cni.js');
const MODULES = path.join(REPO_ROOT, 'dist', 'src', 'cni', 'cni-main.js');

/** Runs VERSION; returns its JSON and the files of ours the process had loaded. */
function version(): { json: { supportedVersions?: string[] }; loaded: string[] } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vr-cni-bundle-'));
  try {
    const probe = path.join(dir, 'probe.js');
    const log = path.join(dir, 'loaded.json');
    writeFileSync(
      probe,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(log)}, JSON.stringify(Object.keys(require.cache))));\n`,
    );
    const r = spawnSync(CNI_BIN, [], {
      input: '{"cniVersion":"1.0.0"}',
      encoding: 'utf8',
      env: { PATH: process.env.PATH, CNI_COMMAND: 'VERSION', NODE_OPTIONS: `--require ${probe}` },
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const loaded = (JSON.parse(readFileSync(log, 'utf8')) as string[]).filter((f) =>
      f.startsWith(path.join(REPO_ROOT, 'dist')),
    );
    return { json: JSON.parse(r.stdout), loaded };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the bundle when fresh, the modules when it is older than them; the same answer', {
  skip: existsSync(BUNDLE) ? false : 'no dist/cni/vroute-cni.js (esbuild missing at build time)',
}, () => {
  const fresh = version();
  assert.deepEqual(fresh.loaded, [], 'no compiled module of ours was required: the bundle ran');
  assert.deepEqual(fresh.json.supportedVersions, ['1.0.0', '1.1.0']);

  const cache = `${BUNDLE}.cache`;
  assert.ok(existsSync(cache), 'the build made the code cache');
  const good = readFileSync(cache);
  writeFileSync(cache, Buffer.alloc(good.length, 0x5a));
  try {
    const corrupt = version();
    assert.deepEqual(corrupt.loaded, []);
    assert.deepEqual(corrupt.json, fresh.json);
  } finally {
    writeFileSync(cache, good);
  }

  const { atime, mtime } = statSync(BUNDLE);
  const old = new Date(statSync(MODULES).mtimeMs - 60_000);
  utimesSync(BUNDLE, old, old);
  try {
    const stale = version();
    assert.ok(!stale.loaded.includes(BUNDLE), 'a stale bundle is not used');
    assert.ok(stale.loaded.includes(MODULES));
    assert.deepEqual(stale.json, fresh.json);
  } finally {
    utimesSync(BUNDLE, atime, mtime);
  }
});
