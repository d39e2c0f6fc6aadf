// Contract 3: a write (POST /refresh) needs the bearer token when one is set (401 otherwise),
// reads stay open; a browser can never make one (cross-site form posts, pages with an
// Origin, DNS rebinding); `vroute refresh` sends the token from --token, --token-file or
// VROUTE_API_TOKEN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startApiServer, createMetrics, type RefreshRequest, type StatusProvider } from '../../src/observability';
import { REPO_ROOT } from '../helpers/env';

const TOKEN = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const BIN = path.join(REPO_ROOT, 'bin', 'vroute');

function provider(asked: RefreshRequest[]): StatusProvider {
  return {
    registry: createMetrics({ defaultMetrics: false }).registry,
    status: () => ({ name: 'rr1', routerId: '10.0.0.1', asn: 65000, sessions: [] }),
    routes: () => [],
    refresh: (r) => {
      asked.push(r);
      return { peer: r.peer, sent: 'ROUTE-REFRESH' };
    },
  };
}

function call(
  port: number,
  method: string,
  p: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: { error?: string }; auth?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ method, host: '127.0.0.1', port, path: p, headers }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(b),
          auth: res.headers['www-authenticate'] as string | undefined,
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

function vroute(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { encoding: 'utf8', timeout: 30000, env: { ...process.env, VROUTE_API_TOKEN: '', ...env } },
      (e, out, err) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err }),
    );
  });
}

test('with a token: POST /refresh without it or with a wrong one is 401; with it 202; GETs need none', async () => {
  const asked: RefreshRequest[] = [];
  const api = await startApiServer(provider(asked), '127.0.0.1', 0, { token: TOKEN });
  try {
    const q = '/refresh?peer=10.0.0.2';
    const none = await call(api.port, 'POST', q);
    assert.equal(none.status, 401);
    assert.match(none.body.error!, /needs the API token/);
    assert.equal(none.auth, 'Bearer realm="vroute"');
    const wrong = await call(api.port, 'POST', q, { authorization: `Bearer ${TOKEN.slice(0, -1)}x` });
    assert.deepEqual([wrong.status, wrong.body.error], [401, 'wrong API token']);
    assert.equal((await call(api.port, 'POST', q, { authorization: `Basic ${TOKEN}` })).status, 401);
    assert.equal((await call(api.port, 'POST', q, { authorization: `Bearer ${TOKEN}extra` })).status, 401);
    assert.equal(asked.length, 0, 'nothing refused reached the daemon');
    assert.equal((await call(api.port, 'POST', q, { authorization: `Bearer ${TOKEN}` })).status, 202);
    assert.equal(asked.length, 1);
    assert.equal((await call(api.port, 'GET', '/status')).status, 200);
    assert.equal((await call(api.port, 'GET', '/routes')).status, 200);
  } finally {
    await api.close();
  }
});

test('a browser cannot trigger a refresh: form content types, Origin, Sec-Fetch-*, a rebinding Host are refused', async () => {
  const asked: RefreshRequest[] = [];
  for (const token of [undefined, TOKEN]) {
    const api = await startApiServer(provider(asked), '127.0.0.1', 0, token ? { token } : {});
    const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    try {
      const q = '/refresh?peer=10.0.0.2';
      // What <form method=post action="http://127.0.0.1:8179/refresh?peer=..."> sends.
      for (const type of [
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'text/plain;charset=UTF-8',
      ]) {
        const r = await call(api.port, 'POST', q, { ...auth, 'content-type': type }, 'peer=10.0.0.2');
        assert.equal(r.status, 415, `${type} (token ${token !== undefined})`);
      }
      for (const h of [
        { origin: 'http://evil.example' },
        { origin: 'null' },
        { 'sec-fetch-site': 'cross-site' },
        { 'sec-fetch-mode': 'no-cors' },
      ] as Array<Record<string, string>>) {
        const r = await call(api.port, 'POST', q, { ...auth, ...h });
        assert.equal(r.status, 403, JSON.stringify(h));
        assert.match(r.body.error!, /web pages/);
      }
      if (!token) {
        // DNS rebinding: a page on evil.example resolved to 127.0.0.1 sends its own Host.
        const r = await call(api.port, 'POST', q, { host: 'evil.example:8179' });
        assert.equal(r.status, 403);
        assert.match(r.body.error!, /not an IP address or localhost/);
      }
      assert.equal(asked.length, 0, 'nothing refused reached the daemon');
      // The CLI's request: no Origin, no body, Host an IP literal.
      assert.equal((await call(api.port, 'POST', q, auth)).status, 202);
      asked.length = 0;
    } finally {
      await api.close();
    }
  }
});

test('vroute refresh sends the token from --token, --token-file or VROUTE_API_TOKEN; without it one error line', async () => {
  const asked: RefreshRequest[] = [];
  const api = await startApiServer(provider(asked), '127.0.0.1', 0, { token: TOKEN });
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-token-'));
  try {
    const base = ['refresh', '10.0.0.2', '--api', `127.0.0.1:${api.port}`];
    const none = await vroute(base);
    assert.equal(none.code, 1);
    assert.equal(none.err.trim().split('\n').length, 1, none.err);
    assert.match(none.err, /needs the API token/);
    assert.equal(asked.length, 0);
    const flag = await vroute([...base, '--token', TOKEN]);
    assert.equal(flag.code, 0, flag.err);
    assert.match(flag.out, /10\.0\.0\.2 ipv4-unicast: asked with ROUTE-REFRESH/);
    const file = path.join(dir, 'token');
    writeFileSync(file, `${TOKEN}\n`);
    assert.equal((await vroute([...base, '--token-file', file])).code, 0);
    assert.equal((await vroute(base, { VROUTE_API_TOKEN: TOKEN })).code, 0);
    const wrong = await vroute(base, { VROUTE_API_TOKEN: 'nope' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /wrong API token/);
    assert.equal(asked.length, 3);
  } finally {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
