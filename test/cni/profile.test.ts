// `vroute profile add|delete|show` and `vroute endpoint ID profile append|remove|set` through
// the built bin against an embedded:PATH store (no root needed: endpoints are applied as
// documents). Options may follow positional arguments, as in the seed's calicoctl.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../helpers/env';

const BIN = path.join(REPO_ROOT, 'bin', 'vroute');
let dir: string;
let url: string;

function vroute(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input,
    encoding: 'utf8',
    timeout: 30000,
    env: { ...process.env, VROUTE_DATASTORE: '' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const EP = (name: string, profiles: string[]) => `apiVersion: vroute/v1
kind: WorkloadEndpoint
metadata: {name: ${name}}
spec: {node: alpha, workload: w, interfaceName: vr0123456789a, ipNetworks: [192.168.1.1/32], profiles: [${profiles.join(', ')}]}
`;

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'vr-prof-'));
  url = `embedded:${path.join(dir, 'store.json')}`;
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('profile add: contract 7 defaults (members reach each other, everything may go out); show; delete', () => {
  const a = vroute(['profile', 'add', 'PROF_A_C_E', '--datastore', url]);
  assert.equal(a.code, 0, a.err);
  assert.equal(a.out, 'profile PROF_A_C_E created\n');
  const j = JSON.parse(vroute(['get', 'profile', 'PROF_A_C_E', '-o', 'json', '--datastore', url]).out);
  assert.deepEqual(j.spec, { inbound: [{ action: 'allow', srcTag: 'PROF_A_C_E' }], outbound: [{ action: 'allow' }] });
  assert.equal(
    vroute(['profile', 'add', 'PROF_A_C_E', '--datastore', url]).err,
    'vroute: profile PROF_A_C_E already exists\n',
  );
  assert.equal(
    vroute(['profile', 'show', 'PROF_A_C_E', '--datastore', url]).out,
    'RULE        ACTION  PROTOCOL  SOURCE          DESTINATION  ICMP\n' +
      'inbound 1   allow   any       tag PROF_A_C_E  any          -\n' +
      'outbound 1  allow   any       any             any          -\n' +
      'members: -\n',
  );
  assert.deepEqual(JSON.parse(vroute(['profile', 'show', 'PROF_A_C_E', '-o', 'json', '--datastore', url]).out), {
    name: 'PROF_A_C_E',
    inbound: [{ action: 'allow', srcTag: 'PROF_A_C_E' }],
    outbound: [{ action: 'allow' }],
    members: [],
  });
  assert.equal(
    vroute(['profile', 'add', 'bad name', '--datastore', url]).err,
    "vroute: profile name \"bad name\": expected letters, digits, '_', '-', '.' (a letter or digit first)\n",
  );
  assert.equal(vroute(['profile', 'add', 'PROF_B', '--datastore', url]).code, 0);
  assert.match(
    vroute(['profile', 'show', '--datastore', url]).out,
    /^NAME\s+INBOUND\s+OUTBOUND\s+MEMBERS\nPROF_A_C_E\s+1\s+1\s+0\nPROF_B\s+1\s+1\s+0\n$/,
  );
  assert.equal(vroute(['profile', 'delete', 'PROF_B', '--datastore', url]).out, 'profile PROF_B deleted\n');
  assert.equal(vroute(['profile', 'delete', 'PROF_B', '--datastore', url]).err, 'vroute: profile PROF_B not found\n');
});

test('endpoint ID profile append|remove|set, options after the positionals', () => {
  const id = 'alpha.workload-A.eth0';
  assert.equal(vroute(['apply', '-f', '-', '--datastore', url], EP(id, [])).code, 0);
  for (const p of ['PROF_B', 'PROF_D']) assert.equal(vroute(['profile', 'add', p, '--datastore', url]).code, 0);
  const profiles = () => JSON.parse(vroute(['get', 'wep', id, '-o', 'json', '--datastore', url]).out).spec.profiles;
  assert.equal(
    vroute(['endpoint', id, 'profile', 'append', 'PROF_A_C_E', '--datastore', url]).out,
    `endpoint ${id} profiles: PROF_A_C_E\n`,
  );
  assert.equal(vroute(['endpoint', id, 'profile', 'append', 'PROF_B', 'PROF_D', '--datastore', url]).code, 0);
  assert.deepEqual(profiles(), ['PROF_A_C_E', 'PROF_B', 'PROF_D']);
  assert.equal(
    vroute(['endpoint', id, 'profile', 'append', 'PROF_B', '--datastore', url]).err,
    `vroute: endpoint ${id} already has profile PROF_B\n`,
  );
  assert.equal(
    vroute(['endpoint', id, 'profile', 'append', 'NOPE', '--datastore', url]).err,
    'vroute: profile "NOPE" does not exist (vroute profile add NOPE)\n',
  );
  assert.equal(vroute(['endpoint', id, 'profile', 'remove', 'PROF_B', '--datastore', url]).code, 0);
  assert.deepEqual(profiles(), ['PROF_A_C_E', 'PROF_D']);
  assert.equal(
    vroute(['endpoint', id, 'profile', 'remove', 'PROF_B', '--datastore', url]).err,
    `vroute: endpoint ${id} has no profile PROF_B\n`,
  );
  // A profile in use cannot be deleted: its endpoints would silently deny everything.
  assert.match(
    vroute(['profile', 'delete', 'PROF_D', '--datastore', url]).err,
    /^vroute: profile PROF_D is still used by 1 endpoint \(alpha\.workload-A\.eth0\)/,
  );
  assert.match(vroute(['profile', 'show', 'PROF_D', '--datastore', url]).out, /members: alpha\.workload-A\.eth0\n$/);
  assert.equal(vroute(['endpoint', id, 'profile', 'set', 'PROF_D', 'PROF_A_C_E', '--datastore', url]).code, 0);
  assert.deepEqual(profiles(), ['PROF_D', 'PROF_A_C_E']);
  assert.equal(vroute(['endpoint', id, 'profile', 'set', '--datastore', url]).out, `endpoint ${id} profiles: (none)\n`);
  assert.deepEqual(profiles(), []);
  assert.equal(vroute(['endpoint', 'alpha.nope.eth0', 'profile', 'append', 'PROF_D', '--datastore', url]).code, 1);
  assert.equal(
    vroute(['endpoint', id, 'profiles', 'append', 'PROF_D', '--datastore', url]).err,
    `vroute: endpoint ${id} profiles: expected \`profile\` (endpoint ID profile append|remove|set P...)\n`,
  );
  assert.equal(
    vroute(['endpoint', id, 'profile', 'add', 'PROF_D', '--datastore', url]).err,
    `vroute: endpoint ${id} profile add: expected append, remove or set\n`,
  );
});

test('vroute --help lists workload, profile and endpoint', () => {
  const h = vroute(['--help']).out;
  for (const c of ['workload', 'profile', 'endpoint']) assert.match(h, new RegExp(`^  ${c} `, 'm'), `${c} in --help`);
  assert.match(
    vroute(['workload', '--help']).out,
    /add \[options\] <name>[\s\S]*delete \[options\] <name>[\s\S]*show \[options\] <name>/,
  );
  assert.match(vroute(['workload', 'add', '--help']).out, /--ip <ADDR\|auto>[\s\S]*--profile <P>[\s\S]*--node <N>/);
});
