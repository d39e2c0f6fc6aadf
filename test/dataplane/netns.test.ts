// The dataplane against the real kernel: a host namespace running the dataplane (a child
// process), three workload namespaces behind veths, nftables for the ACLs. Pings that the
// profiles allow pass and the others do not; tag membership changes take effect within a
// second; what is deleted by hand (our chain, our table, a route) comes back at the next
// resync; rules and chains of others in our table are never touched; a removed endpoint
// leaves nothing behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmbeddedDatastore } from '../../src/datastore/embedded';
import { resourceKey } from '../../src/datastore';
import { dataplaneStatusKey, endpointStatusKey } from '../../src/dataplane';
import { listChain } from '../../src/dataplane/names';
import { skipReason } from '../helpers/env';
import { waitFor } from '../helpers/netns';
import { createHostLab, pings, startDataplaneChild, type DataplaneChild, type HostLab, type Workload } from './lab';

const skip = skipReason('netns', 'nft');
let lab: HostLab;
let dir: string;
let store: EmbeddedDatastore;
let child: DataplaneChild;
const NODE = 'alpha';

function putEndpoint(w: Workload, name: string, profiles: string[], node = NODE): Promise<number> {
  return store.put(
    resourceKey('WorkloadEndpoint', name),
    JSON.stringify({
      apiVersion: 'vroute/v1',
      kind: 'WorkloadEndpoint',
      metadata: { name },
      spec: {
        node,
        workload: name,
        interfaceName: w.hostIf,
        mac: w.mac,
        ipNetworks: [`${w.v4}/32`, `${w.v6}/128`],
        profiles,
      },
    }),
  );
}

function putProfile(name: string, spec: Record<string, unknown>): Promise<number> {
  return store.put(
    resourceKey('Profile', name),
    JSON.stringify({ apiVersion: 'vroute/v1', kind: 'Profile', metadata: { name }, spec }),
  );
}

const members = (tag: string): Record<string, unknown> => ({
  inbound: [{ action: 'allow', srcTag: tag }],
  outbound: [{ action: 'allow' }],
});

async function endpointState(name: string): Promise<string | undefined> {
  const kv = await store.get(endpointStatusKey(NODE, name));
  return kv ? (JSON.parse(kv.value) as { state: string }).state : undefined;
}

function nft(...args: string[]): string {
  return lab.host.exec('nft', args);
}

before(async () => {
  if (skip) return;
  lab = createHostLab(3, 'dp');
  dir = mkdtempSync(path.join(os.tmpdir(), 'vr-dp-'));
  const file = path.join(dir, 'datastore.json');
  store = new EmbeddedDatastore({ path: file });
  const [a, b, c] = lab.workloads as [Workload, Workload, Workload];
  await putProfile('PROF_A_C', members('PROF_A_C'));
  await putProfile('PROF_B', members('PROF_B'));
  await putEndpoint(a, 'alpha.wl-a.eth0', ['PROF_A_C']);
  await putEndpoint(b, 'alpha.wl-b.eth0', ['PROF_B']);
  await putEndpoint(c, 'alpha.wl-c.eth0', ['PROF_A_C']);
  child = await startDataplaneChild(lab.host, { datastore: `embedded:${file}`, node: NODE, resyncMs: 1000 });
  for (const n of ['alpha.wl-a.eth0', 'alpha.wl-b.eth0', 'alpha.wl-c.eth0']) {
    await waitFor(`${n} up`, async () => ((await endpointState(n)) === 'up' ? true : undefined), 10_000);
  }
});

after(async () => {
  if (skip) return;
  await child?.stop();
  await store?.close();
  lab?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('profiles decide: members reach each other, others are denied (IPv4 and IPv6)', { skip }, () => {
  const [a, b, c] = lab.workloads as [Workload, Workload, Workload];
  assert.equal(pings(a, c.v4), true, 'A -> C (both PROF_A_C)');
  assert.equal(pings(c, a.v4), true, 'C -> A');
  assert.equal(pings(a, b.v4), false, 'A -> B (B admits PROF_B only)');
  assert.equal(pings(b, a.v4), false, 'B -> A');
  assert.equal(pings(a, c.v6), true, 'A -> C over IPv6 (proxy NDP for fe80::1, tag6 set)');
  assert.equal(pings(b, c.v6), false, 'B -> C over IPv6');
});

test('a workload reaches its host only for DHCP and NDP; the host reaches its workloads', { skip }, () => {
  const [a] = lab.workloads as [Workload];
  assert.equal(pings(a, '10.255.0.1'), false, 'workload -> its host: denied');
  // Host -> workload is not filtered, and the workload's replies pass as part of that flow.
  lab.host.exec('ping', ['-n', '-c1', '-W1', a.v4]);
});

test('every rule field is loaded into the kernel and enforced (protocol, ports, nets, icmp type)', {
  skip,
}, async () => {
  const [a, b, c] = lab.workloads as [Workload, Workload, Workload];
  await putProfile('PROF_FIELDS', {
    inbound: [
      { action: 'deny', protocol: 'icmp', icmpType: 8, srcNet: `${b.v4}/32` },
      { action: 'allow', protocol: 'icmp', srcNet: `${a.v4}/32` },
      { action: 'allow', protocol: 'tcp', srcTag: 'PROF_B', dstPorts: [8080, '9000:9001'] },
      { action: 'allow', protocol: 'udp', srcPorts: ['1:1023'], dstNet: `${c.v4}/32` },
      { action: 'allow', protocol: 47 },
      { action: 'allow', protocol: 'icmpv6', icmpType: 128, srcNet: '2001:db8:1::/64' },
    ],
    outbound: [{ action: 'allow' }],
  });
  await putEndpoint(c, 'alpha.wl-c.eth0', ['PROF_FIELDS']);
  await waitFor(
    'PROF_FIELDS chain',
    () => (nft('list', 'chain', 'inet', 'vroute', 'pi-PROF_FIELDS').includes('dport') ? true : undefined),
    5000,
    100,
  );
  const server = c.ns.spawn(process.execPath, [
    '-e',
    "for (const p of [8080, 8081]) require('net').createServer((s) => s.end('ok')).listen(p, '0.0.0.0')",
  ]);
  const tcp = (from: Workload, port: number): boolean => {
    try {
      from.ns.exec(
        process.execPath,
        [
          '-e',
          `const s = require('net').connect(${port}, '${c.v4}');` +
            "s.setTimeout(1500, () => process.exit(1)); s.on('data', () => process.exit(0)); s.on('error', () => process.exit(1));",
        ],
        10_000,
      );
      return true;
    } catch {
      return false;
    }
  };
  try {
    await waitFor(
      'server listening',
      () => (c.ns.exec('ss', ['-ltn']).includes(':8081') ? true : undefined),
      10_000,
      100,
    );
    assert.equal(pings(a, c.v4), true, "icmp from A's net: allowed");
    assert.equal(pings(b, c.v4), false, 'icmp echo-request from B: denied by icmpType + srcNet');
    assert.equal(pings(a, c.v6), true, 'icmpv6 echo-request from 2001:db8:1::/64: allowed');
    assert.equal(tcp(b, 8080), true, 'tcp 8080 from tag PROF_B: allowed');
    assert.equal(tcp(b, 8081), false, 'tcp 8081: no rule, denied');
    assert.equal(tcp(a, 8080), false, 'tcp 8080 from A (not PROF_B): denied');
  } finally {
    server.kill('SIGKILL');
    await putEndpoint(c, 'alpha.wl-c.eth0', ['PROF_A_C']);
    await store.delete(resourceKey('Profile', 'PROF_FIELDS'));
  }
  await waitFor(
    'C back on PROF_A_C',
    () => (pings(a, c.v4) && !nft('list', 'table', 'inet', 'vroute').includes('PROF_FIELDS') ? true : undefined),
    5000,
    100,
  );
});

test('the host side of each endpoint: sysctls, /32 route with our protocol, neighbour entries', { skip }, () => {
  const [a] = lab.workloads as [Workload];
  const sys = (p: string): string => lab.host.exec('cat', [`/proc/sys/net/${p}`]).trim();
  assert.equal(sys(`ipv4/conf/${a.hostIf}/proxy_arp`), '1');
  assert.equal(sys(`ipv4/conf/${a.hostIf}/rp_filter`), '1');
  assert.equal(sys(`ipv4/conf/${a.hostIf}/forwarding`), '1');
  assert.equal(sys(`ipv6/conf/${a.hostIf}/proxy_ndp`), '1');
  const r4 = lab.host.exec('ip', ['route', 'show', `${a.v4}/32`]);
  assert.match(r4, new RegExp(`dev ${a.hostIf} proto 200 scope link`));
  const r6 = lab.host.exec('ip', ['-6', 'route', 'show', `${a.v6}/128`]);
  assert.match(r6, new RegExp(`dev ${a.hostIf} proto 200`));
  assert.match(lab.host.exec('ip', ['-6', 'neigh', 'show', 'proxy']), new RegExp(`fe80::1 dev ${a.hostIf} proxy`));
  assert.match(lab.host.exec('ip', ['neigh', 'show', a.v4]), new RegExp(`lladdr ${a.mac} PERMANENT`));
});

test('joining a profile changes one set element and takes effect within a second', { skip }, async (t) => {
  const [a, b] = lab.workloads as [Workload, Workload];
  const before = nft('-a', 'list', 'chain', 'inet', 'vroute', 'pi-PROF_A_C');
  assert.equal(pings(a, b.v4), false);
  // A continuous ping from A to B; B joins PROF_A_C (so admits A) while it runs. Replies
  // carry the sequence number: at 10 per second, the first answered one says how long it took.
  const ping = spawn('ip', ['netns', 'exec', a.ns.name, 'ping', '-n', '-i', '0.1', '-c', '30', '-W', '1', b.v4], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  ping.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const done = new Promise((r) => ping.once('exit', r));
  await new Promise((r) => setTimeout(r, 300));
  const sentAt = /icmp_seq=(\d+)/.exec(out) ? -1 : 3;
  await putEndpoint(b, 'alpha.wl-b.eth0', ['PROF_B', 'PROF_A_C']);
  await done;
  const first = /icmp_seq=(\d+)/.exec(out);
  assert.ok(first, `no reply at all after the join:\n${out}`);
  const seq = Number(first[1]);
  t.diagnostic(`first reply at icmp_seq=${seq} (join written before icmp_seq=${sentAt + 1})`);
  assert.ok(sentAt === 3 && seq <= sentAt + 10, `first reply at icmp_seq=${seq}: more than a second after the join`);
  // The profile chain was not rewritten: only the tag set changed.
  assert.equal(nft('-a', 'list', 'chain', 'inet', 'vroute', 'pi-PROF_A_C'), before);
  assert.match(nft('list', 'set', 'inet', 'vroute', 'tag4-PROF_A_C'), new RegExp(b.v4.replace(/\./g, '\\.')));
  // And leaving again cuts B off from A for new flows.
  await putEndpoint(b, 'alpha.wl-b.eth0', ['PROF_B']);
  await waitFor(
    'B out of tag4-PROF_A_C',
    () => (nft('list', 'set', 'inet', 'vroute', 'tag4-PROF_A_C').includes(b.v4) ? undefined : true),
    3000,
    50,
  );
  assert.equal(pings(a, b.v4), false);
});

test('a chain, the table and a route deleted by hand come back at the next resync', { skip }, async () => {
  const [a, b, c] = lab.workloads as [Workload, Workload, Workload];
  // Our chain of C's profile list (A has the same list: they share it). The map entries that
  // jump to it must go first (the kernel insists). In one transaction: done as several
  // commands, the dataplane's repair can land in between.
  const listIn = listChain('in', ['PROF_A_C']);
  execFileSync('ip', ['netns', 'exec', lab.host.name, 'nft', '-f', '-'], {
    input: `delete element inet vroute to-ep { "${a.hostIf}", "${c.hostIf}" }\nflush chain inet vroute ${listIn}\ndelete chain inet vroute ${listIn}\n`,
  });
  await waitFor(
    'list chain back',
    () => (nft('list', 'chain', 'inet', 'vroute', listIn).includes('jump pi-PROF_A_C') ? true : undefined),
    5000,
    100,
  );
  await waitFor(
    'to-ep entries back',
    () => (nft('list', 'map', 'inet', 'vroute', 'to-ep').includes(`"${c.hostIf}"`) ? true : undefined),
    5000,
    100,
  );
  assert.equal(pings(b, c.v4), false, 'B -> C denied again');
  assert.equal(pings(a, c.v4), true, 'A -> C allowed');
  // The whole table.
  nft('delete', 'table', 'inet', 'vroute');
  await waitFor(
    'table back',
    () =>
      nft('list', 'tables').includes('inet vroute') &&
      nft('list', 'map', 'inet', 'vroute', 'to-ep').includes(`"${c.hostIf}"`)
        ? true
        : undefined,
    5000,
    100,
  );
  assert.equal(pings(b, a.v4), false);
  assert.equal(pings(a, c.v4), true);
  // A route.
  lab.host.exec('ip', ['route', 'del', `${c.v4}/32`]);
  await waitFor(
    'route back',
    () => (lab.host.exec('ip', ['route', 'show', `${c.v4}/32`]).includes(c.hostIf) ? true : undefined),
    5000,
    100,
  );
  assert.equal(pings(a, c.v4), true);
});

test('killing and restarting the dataplane never breaks an established ping flow', { skip }, async (t) => {
  const [a, , c] = lab.workloads as [Workload, Workload, Workload];
  const ping = spawn('ip', ['netns', 'exec', a.ns.name, 'ping', '-n', '-i', '0.1', '-c', '40', '-W', '1', c.v4], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  ping.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const done = new Promise((r) => ping.once('exit', r));
  await new Promise((r) => setTimeout(r, 500));
  child.proc.kill('SIGKILL');
  await child.stop();
  child = await startDataplaneChild(lab.host, {
    datastore: `embedded:${dir}/datastore.json`,
    node: NODE,
    resyncMs: 1000,
  });
  await done;
  const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
  assert.ok(m, out);
  t.diagnostic(`${m[2]}/${m[1]} replies across the restart`);
  assert.equal(m[2], m[1], `replies lost across the restart:\n${out.split('\n').slice(-4).join('\n')}`);
});

test('rules and chains of others in our table are never touched', { skip }, async () => {
  const [a, b] = lab.workloads as [Workload, Workload];
  nft('add', 'chain', 'inet', 'vroute', 'operator-chain');
  nft('add', 'rule', 'inet', 'vroute', 'operator-chain', 'counter', 'comment', '"operator"');
  nft('insert', 'rule', 'inet', 'vroute', 'pi-PROF_A_C', 'counter', 'comment', '"operator-top"');
  const handleOf = (): string =>
    /comment "operator-top" # handle (\d+)/.exec(nft('-a', 'list', 'chain', 'inet', 'vroute', 'pi-PROF_A_C'))?.[1] ??
    'gone';
  const h = handleOf();
  // Rules of others are known from the kernel reads (every resync, here 1 s): let one pass.
  await new Promise((r) => setTimeout(r, 2500));
  // A rule change rewrites the profile's chain: ours go, the operator's stays where it was.
  await putProfile('PROF_A_C', {
    inbound: [
      { action: 'deny', protocol: 'icmp', icmpType: 8, srcNet: `${b.v4}/32` },
      { action: 'allow', srcTag: 'PROF_A_C' },
    ],
    outbound: [{ action: 'allow' }],
  });
  await waitFor(
    'new rule in pi-PROF_A_C',
    () => (nft('list', 'chain', 'inet', 'vroute', 'pi-PROF_A_C').includes('icmp type echo-request') ? true : undefined),
    5000,
    100,
  );
  const chain = nft('-a', 'list', 'chain', 'inet', 'vroute', 'pi-PROF_A_C');
  assert.equal(handleOf(), h, chain);
  assert.match(chain, /counter packets \d+ bytes \d+ comment "operator-top"[^\n]*\n[^\n]*icmp type echo-request/);
  // Several resyncs later: still there, as is the operator's chain.
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(handleOf(), h);
  assert.match(nft('list', 'chain', 'inet', 'vroute', 'operator-chain'), /comment "operator"/);
  assert.equal(pings(a, lab.workloads[2]!.v4), true);
  await putProfile('PROF_A_C', members('PROF_A_C'));
});

test('an endpoint without its interface is down; a removed one leaves nothing behind', { skip }, async () => {
  const [a, , c] = lab.workloads as [Workload, Workload, Workload];
  await store.put(
    resourceKey('WorkloadEndpoint', 'alpha.ghost.eth0'),
    JSON.stringify({
      apiVersion: 'vroute/v1',
      kind: 'WorkloadEndpoint',
      metadata: { name: 'alpha.ghost.eth0' },
      spec: { node: NODE, interfaceName: 'vrghost', ipNetworks: ['192.168.1.99/32'], profiles: ['PROF_A_C'] },
    }),
  );
  await waitFor(
    'ghost down',
    async () => ((await endpointState('alpha.ghost.eth0')) === 'down' ? true : undefined),
    5000,
    100,
  );
  await store.delete(resourceKey('WorkloadEndpoint', 'alpha.ghost.eth0'));
  await store.delete(resourceKey('WorkloadEndpoint', 'alpha.wl-c.eth0'));
  await waitFor(
    'C route gone',
    () => (lab.host.exec('ip', ['route', 'show', `${c.v4}/32`]).trim() === '' ? true : undefined),
    5000,
    100,
  );
  await waitFor(
    'C map entries gone',
    () => (nft('list', 'table', 'inet', 'vroute').includes(`"${c.hostIf}"`) ? undefined : true),
    5000,
    100,
  );
  await waitFor(
    'status key deleted',
    async () => ((await endpointState('alpha.wl-c.eth0')) === undefined ? true : undefined),
    3000,
    50,
  );
  assert.equal(lab.host.exec('cat', [`/proc/sys/net/ipv4/conf/${c.hostIf}/proxy_arp`]).trim(), '0');
  assert.doesNotMatch(lab.host.exec('ip', ['-6', 'neigh', 'show', 'proxy']), new RegExp(c.hostIf));
  assert.doesNotMatch(nft('list', 'set', 'inet', 'vroute', 'tag4-PROF_A_C'), new RegExp(c.v4.replace(/\./g, '\\.')));
  assert.equal(pings(a, c.v4), false);
  const node = await waitFor(
    'node status: 2 up',
    async () => {
      const n = JSON.parse((await store.get(dataplaneStatusKey(NODE)))!.value) as {
        lastApply: string;
        endpoints: { up: number };
      };
      return n.endpoints.up === 2 ? n : undefined;
    },
    3000,
    50,
  );
  assert.ok(node.lastApply, 'node status has a last apply time');
  await putEndpoint(c, 'alpha.wl-c.eth0', ['PROF_A_C']);
  await waitFor(
    'C back up',
    async () => ((await endpointState('alpha.wl-c.eth0')) === 'up' ? true : undefined),
    5000,
    100,
  );
  assert.equal(pings(a, c.v4), true);
});
