// `vroute-cni` on an etcd datastore, exec'd as a runtime does: etcd runs inside the node's
// network namespace (its loopback is the plugin's), the pool and profile are written with the
// `vroute` CLI (gRPC client), the plugin speaks etcd's JSON gateway; both must agree on every
// key: ADD's address and endpoint, CHECK, DEL twice, and an exhausted pool's CNI error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, skipReason } from '../helpers/env';
import { Netns } from '../helpers/netns';
import { hostInterfaceName } from '../../src/cni';

const CNI_BIN = path.join(REPO_ROOT, 'bin', 'vroute-cni');
const VROUTE = path.join(REPO_ROOT, 'bin', 'vroute');
const skip = skipReason('netns', 'etcd');
const tag = `${process.pid}`;
// Ports inside our own namespace: private to it, so fixed ones cannot collide.
const URL = 'etcd://127.0.0.1:2379';
let dir: string;
let node: Netns | undefined;
let etcd: ChildProcess | undefined;
const containers: Netns[] = [];

function inNode(cmd: string, args: string[], input: string, env: NodeJS.ProcessEnv = process.env) {
  return spawnSync('ip', ['netns', 'exec', node!.name, cmd, ...args], {
    input,
    encoding: 'utf8',
    timeout: 30_000,
    env,
  });
}
const vroute = (args: string[], input = '') => inNode(process.execPath, [VROUTE, ...args, '--datastore', URL], input);
function cni(cmd: string, c: Netns | undefined, id: string, conf: string) {
  const r = inNode(CNI_BIN, [], conf, {
    PATH: process.env.PATH,
    CNI_COMMAND: cmd,
    CNI_CONTAINERID: id,
    CNI_IFNAME: 'eth0',
    CNI_PATH: '/opt/cni/bin',
    ...(c ? { CNI_NETNS: `/run/netns/${c.name}` } : {}),
  });
  let json: Record<string, unknown> | undefined;
  try {
    json = r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { code: r.status, out: r.stdout, json };
}
const conf = (pool: string) =>
  JSON.stringify({
    cniVersion: '1.0.0',
    name: 'etcd-net',
    type: 'vroute-cni',
    datastore: URL,
    nodename: 'alpha',
    ipam: { pool },
  });

before(async () => {
  if (skip) return;
  dir = mkdtempSync(path.join(os.tmpdir(), 'vr-cni-etcd-'));
  node = Netns.create(`vrn${tag}e`);
  node.exec('ip', ['link', 'set', 'lo', 'up']);
  etcd = node.spawn('etcd', [
    '--data-dir',
    path.join(dir, 'etcd'),
    '--listen-client-urls',
    'http://127.0.0.1:2379',
    '--advertise-client-urls',
    'http://127.0.0.1:2379',
    '--listen-peer-urls',
    'http://127.0.0.1:2380',
    '--log-level',
    'error',
    '--logger',
    'zap',
  ]);
  const pools = [
    'apiVersion: vroute/v1\nkind: IPPool\nmetadata: {name: wide}\nspec: {cidr: 10.77.0.0/24}',
    'apiVersion: vroute/v1\nkind: IPPool\nmetadata: {name: tiny}\nspec: {cidr: 10.78.0.0/30, blockSize: 30}',
  ].join('\n---\n');
  // etcd takes a moment to elect itself: retry the first write (bounded).
  for (let i = 0; ; i++) {
    const r = vroute(['apply', '-f', '-'], pools);
    if (r.status === 0) break;
    if (i >= 50) throw new Error(`etcd in ${node.name} not ready: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 200));
  }
  assert.equal(vroute(['profile', 'add', 'etcd-net']).status, 0);
});
after(async () => {
  if (skip) return;
  for (const c of containers) c.delete();
  if (etcd?.pid && etcd.exitCode === null) {
    const gone = new Promise((r) => etcd!.once('exit', r));
    process.kill(etcd.pid, 'SIGKILL');
    await gone;
  }
  node?.delete();
  rmSync(dir, { recursive: true, force: true });
});

test('etcd: ADD, CHECK, DEL, DEL again, the CLI seeing what the plugin wrote', { skip, timeout: 90_000 }, () => {
  const c = Netns.create(`vrc${tag}e1`);
  containers.push(c);
  const id = `ctr${tag}e1`;
  const add = cni('ADD', c, id, conf('10.77.0.0/24'));
  assert.equal(add.code, 0, add.out);
  const hostIf = hostInterfaceName(`alpha.${id}.eth0`);
  assert.deepEqual(add.json!.ips, [{ address: '10.77.0.1/32', gateway: '169.254.1.1', interface: 1 }]);
  assert.match(c.exec('ip', ['-o', 'addr', 'show', 'dev', 'eth0']), /inet 10\.77\.0\.1\/32 /);
  const ep = JSON.parse(vroute(['get', 'wep', `alpha.${id}.eth0`, '-o', 'json']).stdout);
  assert.deepEqual(
    [ep.spec.interfaceName, ep.spec.ipNetworks, ep.spec.profiles],
    [hostIf, ['10.77.0.1/32'], ['etcd-net']],
  );
  const check = cni('CHECK', c, id, JSON.stringify({ ...JSON.parse(conf('10.77.0.0/24')), prevResult: add.json }));
  assert.equal(check.code, 0, check.out);
  for (let i = 0; i < 2; i++) {
    const del = cni('DEL', c, id, conf('10.77.0.0/24'));
    assert.equal(del.code, 0, `DEL #${i + 1}: ${del.out}`);
    assert.equal(vroute(['get', 'wep', `alpha.${id}.eth0`]).status, 1, 'endpoint gone');
  }
  const blocks = JSON.parse(vroute(['ipam', 'show', '-o', 'json']).stdout).blocks as Array<{ used: number }>;
  assert.equal(
    blocks.reduce((n, b) => n + b.used, 0),
    0,
    'address released',
  );
});

test('etcd: an exhausted pool is a CNI IPAM error and leaves no veth behind', { skip, timeout: 90_000 }, () => {
  // 10.78.0.0/30 has two usable addresses (.1, .2): the third ADD fails.
  const ids = [1, 2, 3].map((i) => `ctr${tag}t${i}`);
  const cs = ids.map((_, i) => {
    const c = Netns.create(`vrc${tag}t${i}`);
    containers.push(c);
    return c;
  });
  for (const i of [0, 1]) assert.equal(cni('ADD', cs[i], ids[i]!, conf('10.78.0.0/30')).code, 0);
  const third = cni('ADD', cs[2], ids[2]!, conf('10.78.0.0/30'));
  assert.notEqual(third.code, 0);
  assert.equal(third.json!.code, 100, third.out);
  assert.match(String(third.json!.msg), /exhausted/);
  assert.doesNotMatch(node!.exec('ip', ['-o', 'link']), new RegExp(hostInterfaceName(`alpha.${ids[2]}.eth0`)));
  for (const i of [0, 1]) assert.equal(cni('DEL', cs[i], ids[i]!, conf('10.78.0.0/30')).code, 0);
});
