// `vroute workload add|delete|show` through the built bin, run as an operator on a node would:
// inside the node's network namespace (`ip netns exec NODE vroute ...`). The workload's named
// namespace must outlive the command, the host side of the veth stays in the node's namespace,
// the workload side gets ADDR/32 and a default route via 169.254.1.1 onlink (a packet really
// goes through it), and a failure half way leaves no namespace, veth, address or endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, skipReason } from '../helpers/env';
import { Netns } from '../helpers/netns';
import { hostInterfaceName, isNamespaceFile } from '../../src/cni';

const BIN = path.join(REPO_ROOT, 'bin', 'vroute');
const skip = skipReason('netns');
const tag = `${process.pid}`;
let dir: string;
let url: string;
let node: Netns | undefined;
const made: string[] = [];

/** `vroute ARGS` inside the node's namespace (as its operator runs it). */
function inNode(args: string[]) {
  const r = spawnSync('ip', ['netns', 'exec', node!.name, process.execPath, BIN, ...args], {
    encoding: 'utf8',
    timeout: 30000,
    env: { ...process.env, VROUTE_DATASTORE: url },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
function vroute(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input,
    encoding: 'utf8',
    timeout: 30000,
    env: { ...process.env, VROUTE_DATASTORE: url },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const wl = (n: string) => {
  const name = `vrw${tag}${n}`;
  made.push(name);
  return name;
};
const nodeLinks = () => execFileSync('ip', ['-n', node!.name, '-o', 'link', 'show'], { encoding: 'utf8' });
const inWorkload = (name: string, ...args: string[]) =>
  execFileSync('ip', ['netns', 'exec', name, ...args], { encoding: 'utf8', timeout: 10000 });

before(() => {
  if (skip) return;
  dir = mkdtempSync(path.join(os.tmpdir(), 'vr-wl-'));
  url = `embedded:${path.join(dir, 'store.json')}`;
  node = Netns.create(`vrn${tag}`);
  writeFileSync(
    path.join(dir, 'pools.yaml'),
    [
      'apiVersion: vroute/v1\nkind: IPPool\nmetadata: {name: demo}\nspec: {cidr: 192.168.1.0/24}',
      'apiVersion: vroute/v1\nkind: IPPool\nmetadata: {name: tiny}\nspec: {cidr: 10.70.0.0/30, blockSize: 30}',
      'apiVersion: vroute/v1\nkind: IPPool\nmetadata: {name: v6}\nspec: {cidr: "fd00:233::/64"}',
    ].join('\n---\n'),
  );
  assert.equal(vroute(['apply', '-f', path.join(dir, 'pools.yaml')]).code, 0);
  assert.equal(vroute(['profile', 'add', 'PROF_A_C_E']).code, 0);
});
after(() => {
  if (skip) return;
  for (const n of made) spawnSync('ip', ['netns', 'del', n]);
  node?.delete();
  rmSync(dir, { recursive: true, force: true });
});

test('workload add inside a node namespace: named namespace, veth, /32, onlink default route, endpoint', {
  skip,
  timeout: 60_000,
}, () => {
  const name = wl('a');
  const r = inNode(['workload', 'add', name, '--ip', '192.168.1.1', '--profile', 'PROF_A_C_E', '--node', 'alpha']);
  assert.equal(r.code, 0, r.err);
  const id = `alpha.${name}.eth0`;
  assert.equal(r.out, `${id}\n`, 'the endpoint ID alone on stdout');
  // The namespace outlived a command that ran in another (mount and network) namespace.
  assert.ok(isNamespaceFile(`/run/netns/${name}`), `/run/netns/${name} is a live namespace here`);
  const addr = inWorkload(name, 'ip', '-o', 'addr', 'show', 'dev', 'eth0');
  assert.match(addr, /inet 192\.168\.1\.1\/32 /);
  assert.match(inWorkload(name, 'ip', 'route', 'show', 'default'), /^default via 169\.254\.1\.1 dev eth0 onlink/);
  // The host side is in the node's namespace (not ours), up, named vr + 11 hex of the ID.
  const hostIf = hostInterfaceName(id);
  assert.match(hostIf, /^vr[0-9a-f]{11}$/);
  assert.match(nodeLinks(), new RegExp(`${hostIf}@if\\d+: <[^>]*\\bUP\\b.*link/ether ee:ee:ee:ee:ee:ee`));
  assert.equal(spawnSync('ip', ['link', 'show', hostIf]).status, 1, 'not in the namespace the test runs in');
  // The endpoint, contract 7's shape.
  const ep = JSON.parse(vroute(['get', 'workloadendpoint', id, '-o', 'json']).out);
  const mac = /link\/ether ([0-9a-f:]{17})/.exec(inWorkload(name, 'ip', '-o', 'link', 'show', 'eth0'))![1];
  assert.deepEqual(ep.spec, {
    node: 'alpha',
    workload: name,
    interfaceName: hostIf,
    mac,
    ipNetworks: ['192.168.1.1/32'],
    profiles: ['PROF_A_C_E'],
  });
  // A packet really leaves through the onlink route: stand in for the dataplane on the node
  // (proxy ARP and a /32 route on the host side) and ping an address of the node.
  node!.exec('ip', ['addr', 'add', '10.255.0.1/32', 'dev', 'lo']);
  node!.exec('ip', ['link', 'set', 'lo', 'up']);
  // Proxy ARP answers for 169.254.1.1 because the node routes it elsewhere: hosts have a
  // default route (contract 7); a veth pair inside the node gives it one.
  node!.exec('ip', ['link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'up1']);
  node!.exec('ip', ['link', 'set', 'up0', 'up']);
  node!.exec('ip', ['link', 'set', 'up1', 'up']);
  node!.exec('ip', ['route', 'add', 'default', 'dev', 'up0']);
  node!.exec('sysctl', ['-qw', 'net.ipv4.ip_forward=1', `net.ipv4.conf.${hostIf}.proxy_arp=1`]);
  node!.exec('ip', ['route', 'add', '192.168.1.1/32', 'dev', hostIf]);
  assert.match(inWorkload(name, 'ping', '-c', '1', '-W', '3', '10.255.0.1'), /1 received/);
});

test('workload show: endpoint, IPs, profiles, and the status the node reported', { skip, timeout: 30_000 }, () => {
  const name = made[0]!;
  const id = `alpha.${name}.eth0`;
  assert.equal(
    vroute(['workload', 'show', name]).out,
    `ENDPOINT${' '.repeat(id.length - 6)}NODE   IPS             PROFILES    STATUS\n${id}  alpha  192.168.1.1/32  PROF_A_C_E  -\n`,
  );
  // The node's dataplane reports each endpoint under status/<node>/endpoint/<ID>; show displays it.
  writeFileSync(
    path.join(dir, 'status.json'),
    JSON.stringify({ endpoint: id, node: 'alpha', state: 'up', reason: null, updated: new Date().toISOString() }),
  );
  const put = spawnSync(
    process.execPath,
    [
      '-e',
      `
    const { openDatastore } = require(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'src', 'datastore'))});
    const ds = openDatastore(${JSON.stringify(url)});
    ds.put('/vroute/v1/status/alpha/endpoint/${id}', require('fs').readFileSync(${JSON.stringify(path.join(dir, 'status.json'))}, 'utf8')).then(() => ds.close());`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(put.status, 0, put.stderr);
  const j = JSON.parse(vroute(['workload', 'show', name, '-o', 'json']).out);
  assert.deepEqual(
    { endpoint: j.endpoint, ipNetworks: j.ipNetworks, profiles: j.profiles, status: j.status },
    { endpoint: id, ipNetworks: ['192.168.1.1/32'], profiles: ['PROF_A_C_E'], status: 'up' },
  );
  assert.match(vroute(['workload', 'show', name, '-o', 'yaml']).out, /status: up/);
  assert.equal(vroute(['workload', 'show', 'nope']).err, 'vroute: no workload nope\n');
});

test('a failure half way rolls back: no namespace, veth, address or endpoint left', { skip, timeout: 90_000 }, () => {
  const snapshot = (store = url) => ({
    links: nodeLinks()
      .split('\n')
      .map((l) => l.split(':')[1]?.trim())
      .join(' '),
    namespaces: execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes(tag))
      .sort()
      .join(' '),
    ipam: vroute(['ipam', 'show', '-o', 'json', '--datastore', store]).out,
    endpoints: vroute(['get', 'workloadendpoint', '-o', 'json', '--datastore', store]).out,
  });
  // A store whose only pool is exhausted (10.70.0.0/30: two usable addresses, both taken).
  const tiny = `embedded:${path.join(dir, 'tiny.json')}`;
  assert.equal(
    vroute(
      ['apply', '-f', '-', '--datastore', tiny],
      'apiVersion: vroute/v1\nkind: IPPool\nmetadata: {name: tiny}\nspec: {cidr: 10.70.0.0/30, blockSize: 30}\n',
    ).code,
    0,
  );
  assert.equal(
    vroute(['ipam', 'allocate', '--node', 'x', '--count', '2', '--datastore', tiny]).out,
    '10.70.0.1\n10.70.0.2\n',
  );
  const cases: Array<[string[], string, string]> = [
    // The profile is checked just before the endpoint is written: the namespace, the veth and
    // both addresses exist by then.
    [
      ['--ip', 'auto', '--ip6', 'auto', '--profile', 'NOPE'],
      url,
      'vroute: profile "NOPE" does not exist (vroute profile add NOPE)\n',
    ],
    [['--ip', 'auto'], tiny, 'vroute: ipam: pool 10.70.0.0/30 exhausted\n'],
    [['--ip', '192.168.1.1'], url, 'vroute: ipam: 192.168.1.1 is already allocated (to node:alpha)\n'],
    [
      ['--ip', '192.168.1.7', '--ip6', 'fd00:233::'],
      url,
      'vroute: ipam: fd00:233:: is the first address of IPPool fd00:233::/64, which is never handed out\n',
    ],
  ];
  // A namespace of that name already exists: refused, and the existing one is left alone.
  const taken = Netns.create(`vrw${tag}y`);
  try {
    const r = inNode(['workload', 'add', taken.name, '--ip', 'auto', '--node', 'alpha']);
    assert.equal(r.code, 1);
    assert.equal(r.err, `vroute: network namespace ${taken.name} already exists (/run/netns/${taken.name})\n`);
    assert.ok(isNamespaceFile(`/run/netns/${taken.name}`), 'still there');
  } finally {
    taken.delete();
  }
  for (const [args, store, err] of cases) {
    const name = wl('x');
    const was = snapshot(store);
    const r = inNode(['workload', 'add', name, ...args, '--node', 'alpha', '--datastore', store]);
    assert.equal(r.code, 1, `${args.join(' ')}: fails`);
    assert.equal(r.err, err);
    assert.deepEqual(snapshot(store), was, `${args.join(' ')}: nothing left behind`);
    assert.ok(!existsSync(`/run/netns/${name}`));
  }
});

test('IPv6 as well; workload delete removes endpoint, veth, addresses and namespace', { skip, timeout: 60_000 }, () => {
  const b = wl('b');
  const r = inNode(['workload', 'add', b, '--ip', 'auto', '--ip6', 'auto', '--node', 'alpha']);
  assert.equal(r.code, 0, r.err);
  const addrs = inWorkload(b, 'ip', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'global');
  assert.match(addrs, /inet 192\.168\.1\.2\/32 /, "lowest free: .0 is the pool's first, .1 is taken");
  assert.match(addrs, /inet6 fd00:233::1\/128 /);
  assert.match(
    inWorkload(b, 'ip', '-6', 'route', 'show', 'default'),
    /^default via fe80::ecee:eeff:feee:eeee dev eth0/,
  );
  for (const name of [made[0]!, b]) {
    const hostIf = hostInterfaceName(`alpha.${name}.eth0`);
    const d = inNode(['workload', 'delete', name, '--node', 'alpha']);
    assert.equal(d.code, 0, d.err);
    assert.match(d.out, new RegExp(`^workload ${name} deleted \\(endpoint alpha\\.${name}\\.eth0; released `));
    assert.ok(!existsSync(`/run/netns/${name}`), 'namespace gone');
    assert.doesNotMatch(nodeLinks(), new RegExp(hostIf), 'host side gone');
    assert.equal(vroute(['get', 'workloadendpoint', `alpha.${name}.eth0`]).code, 1, 'endpoint gone');
  }
  const blocks = JSON.parse(vroute(['ipam', 'show', '-o', 'json']).out).blocks as Array<{ used: number }>;
  assert.deepEqual(
    blocks.map((x) => x.used),
    blocks.map(() => 0),
    'every address released',
  );
  const again = inNode(['workload', 'delete', b, '--node', 'alpha']);
  assert.equal(again.code, 1);
  assert.equal(again.err, `vroute: no workload ${b} on node alpha (no endpoint, no namespace /run/netns/${b})\n`);
});
