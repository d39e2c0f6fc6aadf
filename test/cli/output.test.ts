// Every -o of the CLI takes table, wide, yaml or json, or exits 1 with one line naming them;
// `vroute status` prints a peer's shutdown communication (RFC 9003: its own UTF-8 text) with
// control and other unprintable characters escaped, never raw to the terminal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Registry } from 'prom-client';
import { startApiServer, type ApiServer, type DaemonStatus } from '../../src/observability';
import { printable } from '../../src/cli/output';
import { REPO_ROOT } from '../helpers/env';

const BIN = path.join(REPO_ROOT, 'bin', 'vroute');
// ESC [2J clears the screen; ESC ]0; sets the window title; U+202E flips the line; BEL rings.
const HOSTILE = 'received Cease / Administrative Shutdown: "bye\u001b[2J\u001b]0;pwned\u0007\r\nfake line\u202e"';
const STATUS: DaemonStatus = {
  name: 'rr1',
  routerId: '10.0.0.1',
  asn: 65000,
  routesTooLarge: 0,
  sessions: [
    {
      peer: '10.0.0.2',
      asn: 65000,
      state: 'Idle',
      uptimeSeconds: 0,
      prefixes: { received: 0, accepted: 0, advertised: 0 },
      lastError: HOSTILE,
      dynamic: true,
      routeReflectorClient: true,
    },
  ],
};
let api: ApiServer;
let dir: string;

before(async () => {
  api = await startApiServer(
    {
      registry: new Registry(),
      status: () => STATUS,
      routes: () => [
        {
          prefix: '10.1.0.0/24',
          nextHop: '198.51.100.1',
          asPath: '',
          origin: 'IGP',
          from: '10.0.0.2',
          best: true,
          communities: ['65000:1'],
        },
      ],
    },
    '127.0.0.1',
    0,
  );
  dir = mkdtempSync(path.join(os.tmpdir(), 'vroute-output-'));
});
after(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

function vroute(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        encoding: 'utf8',
        timeout: 30000,
        env: {
          ...process.env,
          VROUTE_API: `127.0.0.1:${api.port}`,
          VROUTE_DATASTORE: `embedded:${path.join(dir, 'ds.json')}`,
        },
      },
      (e, out, err) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err }),
    );
  });
}

test('vroute status: a shutdown communication with escape sequences is printed escaped, on one line', async () => {
  const r = await vroute(['status']);
  assert.equal(r.code, 0, r.err);
  assert.ok(
    !/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/.test(r.out),
    `no control characters in ${JSON.stringify(r.out)}`,
  );
  const line = r.out.split('\n').find((l) => l.startsWith('10.0.0.2'))!;
  assert.ok(line.includes('"bye\\x1b[2J\\x1b]0;pwned\\x07\\r\\nfake line\\u{202e}"'), line);
  assert.ok(!r.out.split('\n').some((l) => l.startsWith('fake line')), 'the text cannot start a line of its own');
  // json and yaml carry the text as it was (escaped by their own syntax).
  assert.equal(
    (JSON.parse((await vroute(['status', '-o', 'json'])).out) as DaemonStatus).sessions[0]!.lastError,
    HOSTILE,
  );
  const y = await vroute(['status', '-o', 'yaml']);
  assert.equal(y.code, 0, y.err);
  assert.equal((parseYaml(y.out) as DaemonStatus).sessions[0]!.lastError, HOSTILE);
  const w = await vroute(['status', '-o', 'wide']);
  assert.match(w.out, /KIND\s+RRCLIENT/);
  assert.match(w.out, /dynamic\s+yes/);
});

test('every -o takes table, wide, yaml or json; anything else is one line and exit 1', async () => {
  const commands = [['status'], ['routes'], ['get', 'bgppeer'], ['ipam', 'show']];
  for (const cmd of commands) {
    for (const o of ['table', 'wide', 'yaml', 'json']) {
      const r = await vroute([...cmd, '-o', o]);
      assert.equal(r.code, 0, `${cmd.join(' ')} -o ${o}: ${r.err}`);
      if (o === 'json') assert.doesNotThrow(() => JSON.parse(r.out), `${cmd.join(' ')} -o json`);
      if (o === 'yaml') assert.doesNotThrow(() => parseYaml(r.out), `${cmd.join(' ')} -o yaml`);
    }
    const bad = await vroute([...cmd, '-o', 'yml']);
    assert.equal(bad.code, 1, `${cmd.join(' ')} -o yml`);
    assert.equal(bad.out, '');
    assert.equal(bad.err, 'vroute: -o "yml": expected table, wide, yaml or json\n');
  }
  const routes = await vroute(['routes', '-o', 'yaml']);
  assert.equal((parseYaml(routes.out) as Array<{ prefix: string }>)[0]!.prefix, '10.1.0.0/24');
  assert.match((await vroute(['routes', '-o', 'wide'])).out, /COMMUNITIES[\s\S]*65000:1/);
});

test('printable escapes controls, format characters and the backslash, and leaves other text alone', () => {
  assert.equal(printable('plain text, é, 日本'), 'plain text, é, 日本');
  assert.equal(printable('a\tb\\c\u0000\u009b\u200b'), 'a\\tb\\\\c\\x00\\x9b\\u{200b}');
});
