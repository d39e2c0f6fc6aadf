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

test('a module the bundle was built from, rewritten after it, makes the bin use the modules', {
  skip: existsSync(BUNDLE) ? false : 'no dist/cni/vroute-cni.js (esbuild missing at build time)',
}, () => {
  // A dependency several imports away from the entry: a build that rewrote it (and not
  // cni-main.js) would leave the bundle running old code.
  const dep = path.join(REPO_ROOT, 'dist', 'src', 'net', 'ipv4.js');
  assert.ok(existsSync(dep));
  const { atime, mtime } = statSync(dep);
  const newer = new Date(statSync(BUNDLE).mtimeMs + 60_000);
  utimesSync(dep, newer, newer);
  try {
    const stale = version();
    assert.ok(stale.loaded.includes(MODULES), 'the compiled modules ran');
    assert.ok(stale.loaded.includes(dep), 'with the rewritten one');
    assert.deepEqual(stale.json.supportedVersions, ['1.0.0', '1.1.0']);
  } finally {
    utimesSync(dep, atime, mtime);
  }
  assert.deepEqual(version().loaded, [], 'the bundle again once nothing is newer than it');
});

test('without the list of its modules the bundle is not trusted', {
  skip: existsSync(BUNDLE) ? false : 'no dist/cni/vroute-cni.js (esbuild missing at build time)',
}, () => {
  const list = `${BUNDLE}.inputs`;
  const inputs = JSON.parse(readFileSync(list, 'utf8')) as string[];
  assert.ok(
    inputs.includes('dist/src/cni/cni-main.js') && inputs.includes('dist/src/net/ipv4.js'),
    'the build listed them',
  );
  const saved = readFileSync(list);
  rmSync(list);
  try {
    assert.ok(version().loaded.includes(MODULES), 'a bundle from before the list (or a broken build): the modules');
  } finally {
    writeFileSync(list, saved);
    const { atime, mtime } = statSync(BUNDLE);
    utimesSync(list, atime, mtime);
  }
  assert.deepEqual(version().loaded, []);
});
