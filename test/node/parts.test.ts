// The node agent's parts alone: config validation (one line naming the field), forwarding via
// /proc/sys, the FIB feed (ECMP up to the router-ID step, blackholes, own routes), local
// routes from IPAM blocks, peers with the mesh off, origination in the engine, the RFC 4724
// F bit, the initial sync and the status table's FIB line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadNodeConfig, validateNodeConfig } from '../../src/config';
import { desiredLocalRoutes, enableForwarding, FibFeed, InitialSync, memoryFib, RouteOwner } from '../../src/node';
import { AttrStore, PeerTable, Rib, type PeerInfo } from '../../src/rib';
import { IPV4_UNICAST, parseFamilyName } from '../../src/bgp/messages';
import { computePeers, type Resource } from '../../src/datastore';
import { nh } from '../helpers/addr';
import { RoutingEngine } from '../../src/routing';
import { silentLogger } from '../../src/observability';
import { peerOpen } from '../../src/bgp/fsm/peer-settings';
import { renderStatus } from '../../src/cli/commands/status';

const IPV6_UNICAST = parseFamilyName('ipv6-unicast')!;

function configError(doc: unknown): string {
  try {
    validateNodeConfig(doc);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.message;
  }
  assert.fail('no error');
}

test('node config: defaults, and one line naming the field for each bad value', () => {
  const c = validateNodeConfig({ name: 'alpha', ip: '192.0.2.1' });
  assert.deepEqual(
    { fib: c.fib, port: c.port, api: c.api, datastore: c.datastore, dataplane: c.dataplane },
    {
      fib: { table: 'main', protocol: 200 },
      port: 179,
      api: { host: '127.0.0.1', port: 8179 },
      datastore: 'embedded',
      dataplane: false,
    },
  );
  assert.equal(validateNodeConfig({ ip: '192.0.2.1', fib: false, api: false }).fib, false);
  assert.equal(validateNodeConfig({ ip: '192.0.2.1', api: false }).api, undefined);
  assert.deepEqual(validateNodeConfig({ ip: '192.0.2.1', fib: { table: 100, protocol: 42 } }).fib, {
    table: 100,
    protocol: 42,
  });
  assert.match(configError({}), /^ip: is required/);
  assert.match(configError({ ip: '2001:db8::1' }), /^ip: .* is not an IPv4 address/);
  assert.match(configError({ ip: '192.0.2.1', ip6: '192.0.2.2' }), /^ip6: /);
  assert.match(configError({ ip: '192.0.2.1', ip6: 'fe80::1' }), /^ip6: .*not a global address/);
  assert.match(configError({ ip: '192.0.2.1', asn: 0 }), /^asn: /);
  assert.match(configError({ ip: '192.0.2.1', fib: { protocol: 2 } }), /^fib\.protocol: /);
  assert.match(configError({ ip: '192.0.2.1', fib: { table: 'x' } }), /^fib\.table: /);
  assert.match(configError({ ip: '192.0.2.1', fib: true }), /^fib: /);
  assert.equal(validateNodeConfig({ ip: '192.0.2.1', dataplane: true }).dataplane, true);
  assert.match(
    configError({ ip: '192.0.2.1', dataplane: true, fib: false }),
    /^dataplane: true needs the kernel FIB: fib: false/,
  );
  assert.match(configError({ ip: '192.0.2.1', dataplane: 'yes' }), /^dataplane: /);
  assert.match(configError({ ip: '192.0.2.1', listen: 1 }), /^listen: unknown field/);
  assert.match(configError({ ip: '192.0.2.1', ebgp: { exportPolicy: 'nope' } }), /^ebgp\.exportPolicy: /);
  assert.match(configError({ ip: '192.0.2.1', datastore: 'ftp://x' }), /^datastore: /);
  assert.match(configError({ ip: '192.0.2.1', api: '0.0.0.0:8179' }), /^api\.token: /);
});

test('node config file: YAML keys, flags win, errors say where', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-nodecfg-'));
  try {
    const f = path.join(dir, 'node.yaml');
    writeFileSync(f, 'name: beta\nip: 192.0.2.2\nasn: 65001\nfib: false\nport: 1179\n');
    const c = loadNodeConfig(f, { ip: '192.0.2.3', asn: undefined });
    assert.deepEqual([c.name, c.ip, c.asn, c.fib, c.port], ['beta', '192.0.2.3', 65001, false, 1179]);
    writeFileSync(f, 'ip: 192.0.2.2\ndataplane: true\nfib: false\n');
    assert.throws(() => loadNodeConfig(f, {}), /dataplane: true needs the kernel FIB.*\(in .*node\.yaml/);
    assert.equal(loadNodeConfig(f, { fib: { table: 'main' } }).dataplane, true);
    assert.throws(() => loadNodeConfig(path.join(dir, 'none.yaml'), {}), /cannot read .*no such file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('forwarding: /proc/sys files written once, failures name the file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-procsys-'));
  try {
    mkdirSync(path.join(dir, 'net/ipv4'), { recursive: true });
    mkdirSync(path.join(dir, 'net/ipv6/conf/all'), { recursive: true });
    writeFileSync(path.join(dir, 'net/ipv4/ip_forward'), '0\n');
    writeFileSync(path.join(dir, 'net/ipv6/conf/all/forwarding'), '1\n');
    assert.deepEqual(enableForwarding([4, 6], dir), [path.join(dir, 'net/ipv4/ip_forward')]);
    assert.equal(readFileSync(path.join(dir, 'net/ipv4/ip_forward'), 'utf8'), '1\n');
    assert.deepEqual(enableForwarding([4, 6], dir), []);
    assert.throws(
      () => enableForwarding([4], path.join(dir, 'missing')),
      /cannot enable IPv4 forwarding \(.*ip_forward: ENOENT\)/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function ribWithPeers(): {
  rib: Rib;
  attrs: AttrStore;
  peers: PeerTable;
  add(address: string, routerId: number, asn?: number): PeerInfo;
} {
  const peers = new PeerTable();
  const attrs = new AttrStore();
  const rib = new Rib({ family: IPV4_UNICAST, peers, attrs, multipath: true });
  return {
    rib,
    attrs,
    peers,
    add: (address, routerId, asn = 64512) => peers.add({ address, asn, routerId, localAsn: 64512 }),
  };
}

test('FIB feed: ECMP over paths equal up to the router-ID step, a longer path drops out, blackholes win, own routes stay out', () => {
  const { rib, attrs, add, peers } = ribWithPeers();
  const fib = memoryFib();
  const owner = new RouteOwner(fib, false);
  const feed = new FibFeed(owner, new Set(['192.0.2.1']));
  const p1 = add('192.0.2.2', 2);
  const p2 = add('192.0.2.3', 3);
  const p3 = add('192.0.2.4', 4);
  const words = [0x0a000100]; // 10.0.1.0
  const base = { origin: 0, asPath: [], localPref: 100 };
  rib.announce(p1.index, words, 24, 0, attrs.intern({ ...base, nextHop: nh('192.0.2.2') }));
  rib.announce(p2.index, words, 24, 0, attrs.intern({ ...base, nextHop: nh('192.0.2.3') }));
  // Differs before the router-ID step (9.1.2.2 (a), longer AS_PATH): not part of the ECMP set.
  rib.announce(
    p3.index,
    words,
    24,
    0,
    attrs.intern({ ...base, nextHop: nh('192.0.2.4'), asPath: [{ type: 2, asns: [65001] }] }),
  );
  feed.apply(IPV4_UNICAST, rib, rib.decide());
  assert.deepEqual(fib.routes(), [
    { prefix: '10.0.1.0/24', kind: 'unicast', nextHops: [{ gateway: '192.0.2.2' }, { gateway: '192.0.2.3' }] },
  ]);
  // One path goes: a single next hop, replaced in place (no delete).
  rib.withdraw(p1.index, words, 24, 0);
  feed.apply(IPV4_UNICAST, rib, rib.decide());
  assert.deepEqual(fib.routes()[0]!.nextHops, [{ gateway: '192.0.2.3' }]);
  // A blackhole for the same prefix (our own block) wins; removing it brings the route back.
  owner.setBlackhole('10.0.1.0/24');
  assert.equal(fib.routes()[0]!.kind, 'blackhole');
  owner.deleteBlackhole('10.0.1.0/24');
  assert.equal(fib.routes()[0]!.kind, 'unicast');
  // A route originated here (local pseudo-peer) is no kernel route.
  const local = peers.add({ address: 'local', asn: 64512, routerId: 1, localAsn: 64512, local: true });
  rib.announce(local.index, [0x0a000200], 24, 0, attrs.intern({ ...base, nextHop: nh('192.0.2.1') }));
  // A learned next hop that is our own address would loop: not installed.
  rib.announce(p2.index, [0x0a000300], 24, 0, attrs.intern({ ...base, nextHop: nh('192.0.2.1') }));
  feed.apply(IPV4_UNICAST, rib, rib.decide());
  assert.deepEqual(
    fib.routes().map((r) => r.prefix),
    ['10.0.1.0/24'],
  );
  // Everything withdrawn: the route goes.
  rib.peerDown(p2.index);
  rib.peerDown(p3.index);
  feed.apply(IPV4_UNICAST, rib, rib.decide());
  assert.deepEqual(fib.routes(), []);
});

test('local routes from IPAM blocks: affine blocks, and /32 /128 for held addresses in other blocks', () => {
  const got = desiredLocalRoutes(
    [
      { cidr: '10.0.0.0/26', affinity: 'node:a', allocations: { '10.0.0.1': 'node:a' } },
      {
        cidr: '10.0.0.64/26',
        affinity: 'node:b',
        allocations: {
          '10.0.0.65': 'node:a',
          '10.0.0.66': 'node:b',
          '10.0.0.67': 'node:a/pod1',
          '10.0.0.68': 'node:ab',
        },
      },
      { cidr: '2001:db8::/122', affinity: null, allocations: { '2001:db8::5': 'node:a' } },
    ],
    'a',
  );
  assert.deepEqual(
    [...got.values()],
    [
      { prefix: '10.0.0.0/26', block: true },
      { prefix: '10.0.0.65/32', block: false },
      { prefix: '10.0.0.67/32', block: false },
      { prefix: '2001:db8::5/128', block: false },
    ],
  );
});

test('peers: with the mesh off a node peers with the registered reflectors; a reflector does not', () => {
  const node = (name: string, ip: string): Resource => ({
    apiVersion: 'vroute/v1',
    kind: 'Node',
    metadata: { name },
    spec: { bgp: { ipv4Address: ip } },
  });
  const inputs = {
    peers: [],
    nodes: [node('a', '192.0.2.1'), node('b', '192.0.2.2')],
    reflectors: [node('rr1', '192.0.2.9'), node('rr2', '192.0.2.10')],
    config: {
      apiVersion: 'vroute/v1',
      kind: 'BGPConfiguration' as const,
      metadata: { name: 'default' },
      spec: { nodeToNodeMesh: false },
    },
  };
  assert.deepEqual(
    computePeers(inputs, 'a', {}, { reflectorsWhenMeshOff: true }).map((p) => [p.peerIP, p.source, p.asNumber]),
    [
      ['192.0.2.10', 'reflector/rr2', 64512],
      ['192.0.2.9', 'reflector/rr1', 64512],
    ],
  );
  assert.deepEqual(computePeers(inputs, 'rr1', {}, {}), []);
  // Mesh on: the nodes, never the reflectors (unless a BGPPeer selects them).
  const on = { ...inputs, config: undefined };
  assert.deepEqual(
    computePeers(on, 'a', {}, { reflectorsWhenMeshOff: true }).map((p) => p.peerIP),
    ['192.0.2.2'],
  );
});

test('engine: originate and withdraw local routes; RangeError for a bad prefix or family', () => {
  const engine = new RoutingEngine({
    asn: 64512,
    routerId: '192.0.2.1',
    logger: silentLogger,
    families: [IPV4_UNICAST],
  });
  try {
    assert.equal(engine.originate(IPV4_UNICAST, '10.1.2.3/24', { nextHop: '192.0.2.1' }), '10.1.2.0/24');
    assert.deepEqual(engine.localPrefixes(IPV4_UNICAST), ['10.1.2.0/24']);
    assert.throws(() => engine.originate(IPV4_UNICAST, 'x', { nextHop: '192.0.2.1' }), RangeError);
    assert.throws(() => engine.originate(IPV6_UNICAST, '2001:db8::/64', { nextHop: '2001:db8::1' }), RangeError);
    assert.equal(engine.withdrawLocal(IPV4_UNICAST, '10.1.2.0/24'), true);
    assert.equal(engine.withdrawLocal(IPV4_UNICAST, '10.1.2.0/24'), false);
  } finally {
    engine.close();
  }
});

test('RFC 4724: the Forwarding State bit only where the forwarding state survives us', () => {
  const base = {
    address: '192.0.2.2',
    port: 179,
    asn: 64512,
    passive: false,
    holdTime: 90,
    connectRetryTime: 30,
    families: [IPV4_UNICAST],
    routeReflectorClient: false,
  };
  const gr = (o: ReturnType<typeof peerOpen>) =>
    o.capabilities.find((c) => c.kind === 'graceful-restart') as unknown as { families: Array<{ flags: number }> };
  assert.equal(gr(peerOpen({ ...base, forwardingPreserved: true }, 64512, 1)).families[0]!.flags, 0x80);
  assert.equal(gr(peerOpen(base, 64512, 1)).families[0]!.flags, 0);
});

test('RFC 4724 3: the Restart State bit while back from a restart and not yet synced, asked at each OPEN', () => {
  const base = {
    address: '192.0.2.2',
    port: 179,
    asn: 64512,
    passive: false,
    holdTime: 90,
    connectRetryTime: 30,
    families: [IPV4_UNICAST],
    routeReflectorClient: false,
  };
  const flags = (o: ReturnType<typeof peerOpen>) =>
    (o.capabilities.find((c) => c.kind === 'graceful-restart') as unknown as { flags: number }).flags;
  let restarting = true;
  const cfg = { ...base, forwardingPreserved: true, restartState: () => restarting };
  assert.equal(flags(peerOpen(cfg, 64512, 1)), 0x8, 'first OPEN after the restart: R set');
  restarting = false;
  assert.equal(flags(peerOpen(cfg, 64512, 1)), 0, 'a reconnect after the sync: R clear');
  assert.equal(flags(peerOpen(base, 64512, 1)), 0, 'no restartState: never R');
});

test('initial sync: done once every first peer sent End-of-RIB and the decisions ran, or at the timeout', async () => {
  let settled = false;
  const done: Array<'end-of-rib' | 'timeout'> = [];
  const s = new InitialSync({ timeoutMs: 60_000, settled: () => settled, done: (why) => done.push(why) });
  s.start(['192.0.2.2', '192.0.2.3']);
  s.established('192.0.2.2', [IPV4_UNICAST, IPV6_UNICAST]);
  s.endOfRib('192.0.2.2', IPV4_UNICAST);
  s.endOfRib('192.0.2.2', IPV6_UNICAST);
  s.removed('192.0.2.3');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(done.length, 0, 'decisions still pending');
  settled = true;
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(done, ['end-of-rib']);
  const t = new InitialSync({ timeoutMs: 30, settled: () => true, done: (why) => done.push(why) });
  t.start(['192.0.2.9']);
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(done, ['end-of-rib', 'timeout']);
});

test('vroute status: a FIB line for a node agent', () => {
  const out = renderStatus({
    name: 'a',
    routerId: '192.0.2.1',
    asn: 64512,
    sessions: [],
    fib: { installed: 3, pending: 1, failed: 2, lastError: 'EINVAL 10.0.0.0/24', kernel: true },
  });
  assert.match(out, /\nFIB {2}installed 3 {2}pending 1 {2}failed 2 {2}last error: EINVAL 10\.0\.0\.0\/24\n$/);
  assert.doesNotMatch(renderStatus({ name: 'rr', routerId: '192.0.2.9', asn: 64512, sessions: [] }), /FIB/);
});

test('vroute status: a DATAPLANE line for a node agent with the dataplane, none without', () => {
  const base = { name: 'a', routerId: '192.0.2.1', asn: 64512, sessions: [] };
  const dp = {
    lastApply: '2026-12-02T14:00:00.000Z',
    lastApplyMs: 12,
    applies: 5,
    failures: 1,
    consecutiveFailures: 0,
    lastError: 'nft: Error: old',
    endpoints: { up: 2, down: 1, error: 0 },
  };
  assert.match(
    renderStatus({ ...base, dataplane: dp }),
    /\nDATAPLANE {2}endpoints up 2 {2}down 1 {2}error 0 {2}applies 5 {2}failures 1 {2}last apply 2026-12-02T14:00:00\.000Z \(12 ms\)\n$/,
  );
  assert.match(
    renderStatus({ ...base, dataplane: { ...dp, lastApply: null, lastApplyMs: null, consecutiveFailures: 3 } }),
    /last apply never {2}failing 3 in a row: nft: Error: old\n$/,
  );
  assert.doesNotMatch(renderStatus({ ...base, dataplane: null }), /DATAPLANE/);
});

test('vroute node: a bad flag or config is one line naming the field, exit 1', async () => {
  const { spawnSync } = await import('node:child_process');
  const { VROUTE_BIN } = await import('../helpers/vroute');
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [VROUTE_BIN, 'node', ...args], { encoding: 'utf8', timeout: 20_000 });
  const r1 = run('--ip', 'nope', '--datastore', 'memory', '--no-fib');
  assert.equal(r1.status, 1);
  assert.equal(r1.stderr, 'vroute: ip: "nope" is not an IPv4 address\n');
  const r2 = run('--ip', '192.0.2.1', '--asn', 'x', '--datastore', 'memory', '--no-fib');
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /^vroute: asn: "x" is not a whole number/);
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-nodecli-'));
  try {
    const f = path.join(dir, 'n.yaml');
    writeFileSync(f, 'ip: 192.0.2.1\ndataplane: true\n');
    const r3 = run('--config', f, '--no-fib');
    assert.equal(r3.status, 1);
    assert.match(r3.stderr, /^vroute: dataplane: true needs the kernel FIB/);
    assert.equal(r3.stderr.split('\n').length, 2, 'one line');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
