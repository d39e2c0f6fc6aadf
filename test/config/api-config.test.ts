// Contract 3's `api:` field: `host:port` or `{address, token | tokenFile}`; a listener other
// hosts can reach without a token is a config error naming the field, also from the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { validateConfig, ConfigError } from '../../src/config';
import { REPO_ROOT } from '../helpers/env';

const base = { routerId: '10.0.0.1', asn: 65000 };
const TOKEN = '0123456789abcdef0123';

test('api: host:port and {address, token | tokenFile}', () => {
  assert.deepEqual(validateConfig({ ...base, api: '127.0.0.1:8179' }).api, { host: '127.0.0.1', port: 8179 });
  assert.deepEqual(validateConfig({ ...base, api: '[::1]:8179' }).api, { host: '::1', port: 8179 });
  assert.deepEqual(validateConfig({ ...base, api: { address: '127.0.0.1:8179' } }).api, {
    host: '127.0.0.1',
    port: 8179,
  });
  assert.deepEqual(validateConfig({ ...base, api: { address: '0.0.0.0:8179', token: TOKEN } }).api, {
    host: '0.0.0.0',
    port: 8179,
    token: TOKEN,
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-api-'));
  try {
    const f = path.join(dir, 'token');
    writeFileSync(f, `${TOKEN}\n`);
    assert.deepEqual(validateConfig({ ...base, api: { address: '[::]:8179', tokenFile: f } }).api, {
      host: '::',
      port: 8179,
      token: TOKEN,
    });
    writeFileSync(f, '');
    assert.throws(
      () => validateConfig({ ...base, api: { address: '127.0.0.1:1', tokenFile: f } }),
      /^ConfigError: api\.tokenFile/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const bad: Array<[string, unknown, string]> = [
  [
    'non-loopback without token',
    '0.0.0.0:8179',
    'api.token: is required when the API listens on 0.0.0.0, which is not loopback',
  ],
  ['v6 any without token', { address: '[::]:8179' }, 'api.token: is required when the API listens on ::'],
  [
    'LAN address without token',
    { address: '192.0.2.1:8179' },
    'api.token: is required when the API listens on 192.0.2.1',
  ],
  [
    'token and tokenFile',
    { address: '127.0.0.1:8179', token: TOKEN, tokenFile: '/x' },
    'api.tokenFile: give token or tokenFile, not both',
  ],
  ['short token', { address: '0.0.0.0:8179', token: 'abc' }, 'api.token: is 3 characters: use at least 16'],
  [
    'token with a space',
    { address: '0.0.0.0:8179', token: 'abc def ghi jkl mno' },
    'api.token: must be printable ASCII without spaces',
  ],
  [
    'missing tokenFile',
    { address: '0.0.0.0:8179', tokenFile: '/nonexistent/vroute-token' },
    'api.tokenFile: cannot read /nonexistent/vroute-token: no such file',
  ],
  ['no address', { token: TOKEN }, 'api.address: is required'],
  ['unknown key', { address: '127.0.0.1:8179', tokn: TOKEN }, 'api.tokn: unknown field'],
  ['a number', 8179, 'api: 8179 is not host:port or a mapping'],
];
for (const [name, api, msg] of bad) {
  test(`api config error names the field: ${name}`, () => {
    assert.throws(
      () => validateConfig({ ...base, api }),
      (e: unknown) => e instanceof ConfigError && e.message.startsWith(msg),
      msg,
    );
  });
}

test('vroute reflector with api on 0.0.0.0 and no token: exit 1, one line naming api.token', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-api-'));
  try {
    const f = path.join(dir, 'rr.yaml');
    writeFileSync(f, 'routerId: 10.0.0.1\nasn: 65000\napi: 0.0.0.0:18179\ndatastore: embedded\n');
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'vroute'), 'reflector', '--config', f], {
      encoding: 'utf8',
      timeout: 20000,
    });
    assert.notEqual(r.status, 0);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /api\.token: is required when the API listens on 0\.0\.0\.0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
