// The admin CLI through the real built bin (`npm run build` first): apply, get, delete and
// ipam against an embedded:PATH datastore in a temp dir; errors are one line, exit 1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/env';

const BIN = path.join(REPO_ROOT, 'bin', 'vroute');
let dir: string;
let url: string;

function vroute(args: string[], input?: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input,
    encoding: 'utf8',
    timeout: 30000,
    env: { ...process.env, VROUTE_DATASTORE: url, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const PEERS = `apiVersion: vroute/v1
kind: BGPPeer
metadata: {name: tor-a, labels: {rack: a}}
spec:
  peerIP: 10.0.0.254
  asNumber: 64512
  nodeSelector: rack == 'a'
  holdTime: 90
---
apiVersion: vroute/v1
kind: bgppeer
metadata: {name: tor-b}
spec: {peerIP: 10.0.1.254, asNumber: 64513, node: beta}
---
apiVersion: vroute/v1
kind: IPPool
metadata: {name: default-ipv4}
spec: {cidr: 10.233.0.0/16}
`;

before(() => {
  assert.ok(existsSync(path.join(REPO_ROOT, 'dist', 'src', 'cli', 'commands', 'ipam.js')), 'run `npm run build` first');
  dir = mkdtempSync(path.join(os.tmpdir(), 'vr-admin-'));
  url = `embedded:${path.join(dir, 'store.json')}`;
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('apply -f FILE, then get as table, wide, yaml and json', () => {
  writeFileSync(path.join(dir, 'peers.yaml'), PEERS);
  const a = vroute(['apply', '-f', path.join(dir, 'peers.yaml')]);
  assert.equal(a.code, 0, a.err);
  assert.equal(a.out, 'BGPPeer tor-a created\nBGPPeer tor-b created\nIPPool default-ipv4 created\n');
  assert.equal(vroute(['apply', '-f', path.join(dir, 'peers.yaml')]).out.split('\n')[0], 'BGPPeer tor-a configured');
  const t = vroute(['get', 'BGPPeer']);
  assert.equal(
    t.out,
    "NAME   PEERIP      ASN    NODE\ntor-a  10.0.0.254  64512  rack == 'a'\ntor-b  10.0.1.254  64513  beta\n",
  );
  assert.match(
    vroute(['get', 'bgppeers', '-o', 'wide']).out.split('\n')[0]!,
    /RRCLIENT\s+PASSIVE\s+HOLD\s+MAXPREFIXES/,
  );
  const j = JSON.parse(vroute(['get', 'bgppeer', 'tor-b', '-o', 'json']).out);
  assert.deepEqual(j, {
    apiVersion: 'vroute/v1',
    kind: 'BGPPeer',
    metadata: { name: 'tor-b' },
    spec: { peerIP: '10.0.1.254', asNumber: 64513, node: 'beta' },
  });
  // yaml output applies back unchanged (from stdin)
  const y = vroute(['get', 'ippool', '-o', 'yaml']).out;
  assert.match(y, /blockSize: 26/);
  const back = vroute(['apply', '-f', '-'], y);
  assert.equal(back.out, 'IPPool default-ipv4 configured\n');
  const stored = JSON.parse(readFileSync(path.join(dir, 'store.json'), 'utf8'));
  assert.ok(stored.keys['/vroute/v1/bgppeer/tor-a'], 'key /vroute/v1/<kind>/<name> in the file');
});

test('errors: one line naming resource and field, exit 1, nothing written', () => {
  const bad = PEERS.replace('10.0.1.254', '10.0.0.999').replace('tor-a', 'tor-new');
  const r = vroute(['apply', '-f', '-'], bad);
  assert.equal(r.code, 1);
  assert.equal(r.err, 'vroute: BGPPeer tor-b: spec.peerIP: "10.0.0.999" is not an IP address\n');
  assert.equal(vroute(['get', 'bgppeer', 'tor-new']).code, 1, 'the valid first document was not written either');
  const cases: Array<[string[], RegExp]> = [
    [['get', 'router'], /^vroute: unknown kind "router"/],
    [['delete', 'bgppeer', 'nope'], /^vroute: BGPPeer nope not found\n$/],
    [['apply', '-f', path.join(dir, 'missing.yaml')], /^vroute: cannot read .*missing.yaml: ENOENT\n$/],
    [
      ['get', 'bgppeer', '--datastore', 'etcd://nohostport'],
      /^vroute: datastore: "etcd:\/\/nohostport": endpoint "nohostport" is not host:port\n$/,
    ],
    [['ipam', 'release', '10.1.1.1'], /^vroute: ipam: 10.1.1.1 is in no IPPool\n$/],
  ];
  for (const [args, re] of cases) {
    const x = vroute(args);
    assert.equal(x.code, 1, args.join(' '));
    assert.match(x.err, re);
    assert.equal(x.err.split('\n').length, 2, 'one line, no stack trace');
  }
});

test('delete KIND NAME', () => {
  assert.equal(vroute(['delete', 'BGPPEER', 'tor-b']).out, 'BGPPeer tor-b deleted\n');
  assert.equal(vroute(['get', 'bgppeer', 'tor-b']).code, 1);
});

test('ipam allocate / release / show', () => {
  const a = vroute(['ipam', 'allocate', '--node', 'alpha', '--count', '3']);
  assert.equal(a.code, 0, a.err);
  const ips = a.out.trim().split('\n');
  assert.equal(ips.length, 3);
  assert.ok(ips.every((ip) => /^10\.233\.\d+\.\d+$/.test(ip)));
  assert.deepEqual(
    ips,
    ['10.233.0.1', '10.233.0.2', '10.233.0.3'],
    "the pool's first address 10.233.0.0 is never handed out",
  );
  const b = vroute(['ipam', 'allocate', '--node', 'beta', '--pool', '10.233.0.0/16']).out.trim();
  assert.ok(!ips.includes(b));
  const show = vroute(['ipam', 'show']).out;
  assert.match(show, /default-ipv4\s+10\.233\.0\.0\/16\s+26\s+false\s+2\s+4/);
  assert.match(show, /node:alpha\s+3\s+64/);
  assert.equal(vroute(['ipam', 'release', ips[1]!]).code, 0);
  assert.match(vroute(['ipam', 'show']).out, /node:alpha\s+2\s+64/);
  const again = vroute(['ipam', 'release', ips[1]!]);
  assert.equal(again.code, 1);
  assert.equal(again.err, `vroute: ipam: ${ips[1]} is not allocated\n`);
  assert.equal(
    vroute(['ipam', 'allocate', '--node', 'alpha', '--pool', '10.9.0.0/16']).err,
    'vroute: ipam: no enabled IPPool with cidr 10.9.0.0/16\n',
  );
});

test('ipam allocate from 4 processes at once on one embedded:PATH: no duplicates', async () => {
  const { execFile } = await import('node:child_process');
  const run = () =>
    new Promise<string[]>((resolve, reject) => {
      execFile(
        process.execPath,
        [BIN, 'ipam', 'allocate', '--node', 'gamma', '--count', '1'],
        { env: { ...process.env, VROUTE_DATASTORE: url }, timeout: 30000 },
        (err, out, errOut) => (err ? reject(new Error(errOut)) : resolve(out.trim().split('\n'))),
      );
    });
  const batches = await Promise.all(
    Array.from({ length: 4 }, async () => {
      const mine: string[] = [];
      for (let i = 0; i < 5; i++) mine.push(...(await run()));
      return mine;
    }),
  );
  const all = batches.flat();
  assert.equal(all.length, 20);
  assert.equal(new Set(all).size, 20);
});
