#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with Node's built-in test runner.
// Node 20's `--test` does not expand globs, so the files are listed here.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
// Only files whose TypeScript source still exists: tsc never deletes the output of a test
// that was moved or removed, and a stale copy would run (and fail) against the new code.
let files = find('dist/test', [])
  .sort()
  .filter((f) => existsSync(f.replace(/^dist[/\\]/, '').replace(/\.js$/, '.ts')));
if (filter.length) files = files.filter((f) => filter.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('run-tests: no test files found under dist/test');
  process.exit(1);
}
// `datastore: embedded` is the host's shared file (contract 4): a test that forgets to pick
// `memory` or a temp embedded:PATH writes this run's temp dir, never /var/lib/vroute.
const dataDir = mkdtempSync(join(tmpdir(), 'vroute-test-data-'));
const env = { ...process.env, VROUTE_DATA_DIR: process.env.VROUTE_DATA_DIR ?? dataDir };
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env });
rmSync(dataDir, { recursive: true, force: true });
process.exit(r.status ?? 1);
