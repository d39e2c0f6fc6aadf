// `vroute-cni` run as a container runtime runs it (CNI SPEC 1.0.0): the bin exec'd directly
// (shebang), CNI_* variables and nothing else in its environment, the network configuration
// on stdin, inside the node's network namespace, on a container namespace the test made.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, skipReason } from '../helpers/env';
import { Netns } from '../helpers/netns';
import { hostInterfaceName } from '../../src/cni';

const CNI_BIN = path.join(REPO_ROOT, 'bin', 'vroute-cni');
const VROUTE = path.join(REPO_ROOT, 'bin', 'vroute');
const skip = skipReason('netns');
const tag = `${process.pid}`;
let dir: string;
let url: string;
let node: Netns | undefined;
const containers: Netns[] = [];

/** The plugin's stdout: an ADD/CHECK result, a VERSION answer or an error (CNI spec), fields by kind. */
interface CniJson {
  cniVersion?: string;
  code?: number;
  msg?: string;
  supportedVersions?: string[];
  interfaces?: Array<{ name: string; mac?: string; sandbox?: string }>;
  [field: string]: unknown;
}

interface Run {
  code: number | null;
  out: string;
  err: string;
  json?: CniJson;
}

/** Execs the plugin in the node's namespace with exactly these CNI variables (plus PATH). */
function cni(vars: Record<string, string>, stdin: string): Run {
  const r = spawnSync('ip', ['netns', 'exec', node!.name, CNI_BIN], {
    input: stdin,
    encoding: 'utf8',
    timeout: 30000,
    env: { PATH: process.env.PATH!, ...vars },
  });
  let json: Run['json'];
  try {
    json = r.stdout.trim() === '' ? undefined : JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { code: r.status, out: r.stdout, err: r.stderr, json };
}
function conf(extra: Record<string, unknown> = {}, ipam: Record<string, unknown> = { pool: '192.168.1.0/24' }): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: 'demo-net',
    type: 'vroute-cni',
    datastore: url,
    nodename: 'alpha',
    ipam,
    ...extra,
  });
}
function vroute(args: string[], input?: string) {
  return spawnSync(process.execPath, [VROUTE, ...args, '--datastore', url], {
    input,
    encoding: 'utf8',
    timeout: 30000,
  });
}
function container(n: string): Netns {
  const ns = Netns.create(`vrc${tag}${n}`);
  containers.push(ns);
  return ns;
}
const vars = (cmd: string, ns: Netns | undefined, id: string, ifname = 'eth0'): Record<string, string> => ({
  CNI_COMMAND: cmd,
  CNI_CONTAINERID: id,
  CNI_IFNAME: ifname,
  CNI_PATH: '/opt/cni/bin',
  ...(ns ? { CNI_NETNS: `/run/netns/${ns.name}` } : {}),
});
const nodeLinks = () => execFileSync('ip', ['-n', node!.name, '-o', 'link', 'show'], { encoding: 'utf8' });
const used = () =>
  (JSON.parse(vroute(['ipam', 'show', '-o', 'json']).stdout).blocks as Array<{ used: number }>).reduce(
    (n, b) => n + b.used,
    0,
  );

/** A CNI error: non-zero exit, one JSON object on stdout with the code, no stack trace anywhere. */
function assertCniError(r: Run, code: number, msg: RegExp): void {
  assert.notEqual(r.code, 0, `exit non-zero: ${r.out}`);
  assert.ok(r.json, `stdout is JSON: ${r.out}`);
  assert.equal(r.json.cniVersion, '1.0.0');
  assert.equal(r.json.code, code, r.out);
  assert.match(String(r.json.msg), msg);
  assert.doesNotMatch(r.out + r.err, /\n\s+at /, 'no stack trace');
}

before(() => {
  if (skip) return;
  dir = mkdtempSync(path.join(os.tmpdir(), 'vr-cni-'));
  url = `embedded:${path.join(dir, 'store.json')}`;
  node = Netns.create(`vrn${tag}c`);
  const pools = [
    'apiVersion: vroute/v1\nkind: IPPool\nmetadata: {name: demo}\nspec: {cidr: 192.168.1.0/24}',
    'apiVersion: vroute/v1\nkind: IPPool\nmetadata: {name: tiny}\nspec: {cidr: 10.70.0.0/30, blockSize: 30}',
  ].join('\n---\n');
  assert.equal(vroute(['apply', '-f', '-'], pools).status, 0);
});
after(() => {
  if (skip) return;
  for (const c of containers) c.delete();
  node?.delete();
  rmSync(dir, { recursive: true, force: true });
});

test('VERSION: the versions spoken, with or without a config on stdin', { skip, timeout: 30_000 }, () => {
  for (const stdin of ['{"cniVersion":"1.0.0"}', '']) {
    const r = cni({ CNI_COMMAND: 'VERSION' }, stdin);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.json!.supportedVersions, ['1.0.0', '1.1.0']);
    assert.equal(r.json!.cniVersion, stdin ? '1.0.0' : '1.1.0');
  }
});

test('ADD, CHECK, DEL, DEL again: the result lists both interfaces; DEL leaves nothing', {
  skip,
  timeout: 60_000,
}, () => {
  const c = container('a');
  const id = `ctr${tag}a`;
  const add = cni(vars('ADD', c, id), conf());
  assert.equal(add.code, 0, add.out + add.err);
  const epId = `alpha.${id}.eth0`;
  const hostIf = hostInterfaceName(epId);
  const mac = /link\/ether ([0-9a-f:]{17})/.exec(c.exec('ip', ['-o', 'link', 'show', 'eth0']))![1];
  assert.deepEqual(add.json, {
    cniVersion: '1.0.0',
    interfaces: [
      { name: hostIf, mac: 'ee:ee:ee:ee:ee:ee' },
      { name: 'eth0', mac, sandbox: `/run/netns/${c.name}` },
    ],
    ips: [{ address: '192.168.1.1/32', gateway: '169.254.1.1', interface: 1 }],
    routes: [{ dst: '0.0.0.0/0', gw: '169.254.1.1' }],
    dns: {},
  });
  assert.match(c.exec('ip', ['-o', 'addr', 'show', 'dev', 'eth0']), /inet 192\.168\.1\.1\/32 /);
  assert.match(c.exec('ip', ['route', 'show', 'default']), /^default via 169\.254\.1\.1 dev eth0 onlink/);
  assert.match(nodeLinks(), new RegExp(`${hostIf}@`), 'host side in the node namespace');
  const ep = JSON.parse(vroute(['get', 'wep', epId, '-o', 'json']).stdout);
  assert.equal(ep.spec.node, 'alpha');
  assert.equal(ep.spec.interfaceName, hostIf);
  assert.deepEqual(ep.spec.ipNetworks, ['192.168.1.1/32']);

  // CHECK with the runtime's prevResult: nothing on stdout, exit 0 (no node agent needed).
  const check = cni(vars('CHECK', c, id), conf({ prevResult: add.json }));
  assert.equal(check.code, 0, check.out);
  assert.equal(check.out, '');
  // Someone removes the workload's default route: CHECK reports it.
  c.exec('ip', ['route', 'del', 'default']);
  assertCniError(
    cni(vars('CHECK', c, id), conf({ prevResult: add.json })),
    102,
    /^CHECK failed: no default route via 169\.254\.1\.1 on eth0$/,
  );
  // A second ADD for the same attachment is refused and changes nothing.
  assertCniError(cni(vars('ADD', c, id), conf()), 101, /WorkloadEndpoint alpha\.ctr\d+a\.eth0 already exists/);
  assert.equal(used(), 1);

  for (let i = 0; i < 2; i++) {
    const del = cni(vars('DEL', c, id), conf({ prevResult: add.json }));
    assert.equal(del.code, 0, `DEL #${i + 1}: ${del.out}`);
    assert.equal(del.out, '');
    assert.doesNotMatch(nodeLinks(), new RegExp(hostIf));
    assert.equal(vroute(['get', 'wep', epId]).status, 1, 'endpoint gone');
    assert.equal(used(), 0, 'address released');
    assert.doesNotMatch(c.exec('ip', ['-o', 'link']), /eth0/);
  }
  assertCniError(cni(vars('CHECK', c, id), conf()), 3, /no WorkloadEndpoint alpha\.ctr\d+a\.eth0/);
});

test('DEL when the namespace is already gone, and without CNI_NETNS', { skip, timeout: 60_000 }, () => {
  const c = container('b');
  const id = `ctr${tag}b`;
  // A profile named like the network applies to the network's endpoints.
  assert.equal(vroute(['profile', 'add', 'demo-net']).status, 0);
  const add = cni(vars('ADD', c, id, 'net1'), conf());
  assert.equal(add.code, 0, add.out);
  assert.equal(add.json!.interfaces![1]!.name, 'net1', 'CNI_IFNAME names the container interface');
  const ep = JSON.parse(vroute(['get', 'wep', `alpha.${id}.net1`, '-o', 'json']).stdout);
  assert.deepEqual(ep.spec.profiles, ['demo-net']);
  assert.deepEqual(ep.metadata.labels, {
    'cni.vroute/network': 'demo-net',
    'cni.vroute/container': id,
    'cni.vroute/ifname': 'net1',
  });
  assert.match(
    c.exec('ip', ['-o', 'addr', 'show', 'dev', 'net1']),
    /inet 192\.168\.1\.1\/32 /,
    'the address DEL released before is the lowest free again',
  );
  c.delete();
  assert.ok(!existsSync(`/run/netns/${c.name}`));
  const del = cni(vars('DEL', c, id, 'net1'), conf());
  assert.equal(del.code, 0, del.out);
  assert.equal(vroute(['get', 'wep', `alpha.${id}.net1`]).status, 1);
  assert.equal(used(), 0);
  assert.equal(cni(vars('DEL', undefined, id, 'net1'), conf()).code, 0, 'no CNI_NETNS: still succeeds');
});

test("bad input: CNI error JSON with the spec's codes, never a stack trace", { skip, timeout: 90_000 }, () => {
  const c = container('c');
  const id = `ctr${tag}c`;
  assertCniError(cni({}, conf()), 4, /^CNI_COMMAND is not set$/);
  assertCniError(
    cni({ CNI_COMMAND: 'FROB' }, conf()),
    4,
    /^CNI_COMMAND "FROB" is not one of ADD, DEL, CHECK, VERSION, STATUS, GC$/,
  );
  const noNetns = vars('ADD', c, id);
  delete noNetns.CNI_NETNS;
  assertCniError(cni(noNetns, conf()), 4, /^CNI_NETNS is not set$/);
  assertCniError(
    cni({ ...vars('ADD', c, id), CNI_NETNS: '/run/netns/does-not-exist' }, conf()),
    4,
    /no such namespace file/,
  );
  assertCniError(
    cni(vars('ADD', c, id), '{"cniVersion": "1.0.0", '),
    6,
    /^network configuration on stdin is not JSON$/,
  );
  assertCniError(cni(vars('ADD', c, id), '[]'), 6, /not a JSON object/);
  const old = cni(vars('ADD', c, id), conf({ cniVersion: '0.4.0' }));
  assert.equal(old.json!.code, 1);
  assert.match(String(old.json!.msg), /^cniVersion 0\.4\.0 is not supported$/);
  assertCniError(
    cni(vars('ADD', c, id), conf({ ipMasq: true })),
    2,
    /^network configuration: ipMasq: unsupported field$/,
  );
  assertCniError(
    cni(vars('ADD', c, id), conf({}, { type: 'host-local' })),
    2,
    /^network configuration: ipam\.type: unsupported field$/,
  );
  assertCniError(
    cni(vars('ADD', c, id), conf({ datastore: undefined })),
    7,
    /^network configuration: datastore: is required$/,
  );
  // An exhausted pool: the error, and nothing left behind (veth, endpoint, address).
  assert.equal(vroute(['ipam', 'allocate', '--node', 'x', '--pool', '10.70.0.0/30', '--count', '2']).status, 0);
  const links = nodeLinks();
  const full = cni(vars('ADD', c, id), conf({}, { pool: '10.70.0.0/30' }));
  assertCniError(full, 100, /^ipam: pool 10\.70\.0\.0\/30 exhausted$/);
  assert.equal(nodeLinks(), links, 'no veth left on the node');
  assert.doesNotMatch(c.exec('ip', ['-o', 'link']), /eth0/, 'none in the container');
  assert.equal(vroute(['get', 'wep', `alpha.${id}.eth0`]).status, 1, 'no endpoint');
  // CNI_IFNAME taken in the container: refused; the container's own interface is untouched.
  c.exec('ip', ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'other0']);
  const taken = cni(vars('ADD', c, id), conf());
  assertCniError(taken, 101, /File exists/);
  assert.match(c.exec('ip', ['-o', 'link', 'show', 'eth0']), /eth0@other0/, "the container's eth0 is still there");
  assert.equal(nodeLinks(), links, 'no veth left on the node');
  assert.equal(vroute(['get', 'wep', `alpha.${id}.eth0`]).status, 1, 'no endpoint');
});

test('CNI 1.1 STATUS and GC', { skip, timeout: 60_000 }, () => {
  const st = cni({ CNI_COMMAND: 'STATUS' }, conf({ cniVersion: '1.1.0' }));
  assert.equal(st.code, 0, st.out);
  assert.equal(st.out, '');
  const c = container('d');
  const keep = container('e');
  assert.equal(cni(vars('ADD', c, `ctr${tag}d`), conf()).code, 0);
  assert.equal(cni(vars('ADD', keep, `ctr${tag}e`), conf()).code, 0);
  const gc = cni(
    { CNI_COMMAND: 'GC' },
    conf({ cniVersion: '1.1.0', 'cni.dev/valid-attachments': [{ containerID: `ctr${tag}e`, ifname: 'eth0' }] }),
  );
  assert.equal(gc.code, 0, gc.out);
  assert.equal(
    vroute(['get', 'wep', `alpha.ctr${tag}d.eth0`]).status,
    1,
    'the attachment the runtime no longer lists is gone',
  );
  assert.equal(vroute(['get', 'wep', `alpha.ctr${tag}e.eth0`]).status, 0, 'the listed one stays');
  assert.equal(cni(vars('DEL', keep, `ctr${tag}e`), conf()).code, 0);
  // No enabled pool: the plugin cannot serve ADD (code 50).
  for (const p of ['demo', 'tiny']) vroute(['delete', 'ippool', p]);
  assertCniError({ ...cni({ CNI_COMMAND: 'STATUS' }, conf()) }, 50, /^no enabled IPPool/);
});
