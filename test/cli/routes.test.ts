// `vroute routes` through the real built bin against an API server with a fixed provider:
// the table shows the route columns and a STATE column (best / stale), and -o json passes
// the API's objects through unchanged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { Registry } from 'prom-client';
import { startApiServer, type ApiServer, type RouteEntry } from '../../src/observability';
import { REPO_ROOT } from '../helpers/env';

const BIN = path.join(REPO_ROOT, 'bin', 'vroute');
const ROUTES: RouteEntry[] = [
  {
    prefix: '10.1.0.0/24',
    nextHop: '198.51.100.1',
    asPath: '',
    origin: 'IGP',
    localPref: 100,
    from: '10.0.0.2',
    best: true,
    stale: true,
  },
  {
    prefix: '10.1.0.0/24',
    nextHop: '198.51.100.2',
    asPath: '64512',
    origin: 'IGP',
    localPref: 100,
    from: '10.0.0.3',
    best: false,
  },
  {
    prefix: '10.2.0.0/24',
    nextHop: '198.51.100.3',
    asPath: '',
    origin: 'INCOMPLETE',
    med: 5,
    from: '10.0.0.4',
    best: true,
  },
];
let api: ApiServer;

before(async () => {
  api = await startApiServer(
    {
      registry: new Registry(),
      status: () => ({ name: 'rr1', routerId: '10.0.0.1', asn: 65000, sessions: [] }),
      routes: (family) => {
        if (family !== 'ipv4-unicast') throw new RangeError(`unknown family ${family}`);
        return ROUTES;
      },
    },
    '127.0.0.1',
    0,
  );
});
after(() => api.close());

// Not spawnSync: the API server lives in this process and must keep answering.
function vroute(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'routes', '--api', `127.0.0.1:${api.port}`, ...args],
      { encoding: 'utf8', timeout: 30000 },
      (e, out, err) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err }),
    );
  });
}

test('vroute routes: a table with a STATE column naming best and stale paths', async () => {
  const r = await vroute([]);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trimEnd().split('\n');
  assert.match(lines[0]!, /^PREFIX\s+NEXTHOP\s+ASPATH\s+LOCALPREF\s+MED\s+ORIGIN\s+FROM\s+STATE$/);
  const rows = lines.filter((l) => l.startsWith('10.'));
  assert.equal(rows.length, 3);
  assert.match(rows[0]!, /198\.51\.100\.1 .*10\.0\.0\.2\s+best,stale$/);
  assert.match(rows[1]!, /198\.51\.100\.2\s+64512 .*10\.0\.0\.3$/);
  assert.match(rows[2]!, /INCOMPLETE\s+10\.0\.0\.4\s+best$/);
});

test('vroute routes -o json: the API objects unchanged; a bad family is one error line, exit 1', async () => {
  const r = await vroute(['-o', 'json']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out), ROUTES);
  const bad = await vroute(['--family', 'l2vpn-evpn']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /unknown family/);
  assert.equal(bad.err.trim().split('\n').length, 1);
});
