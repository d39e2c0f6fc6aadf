// Each rule field against real traffic (contract 7: protocol by name and number, srcPorts
// and dstPorts with ranges, srcNet and dstNet, srcTag, icmpType; allow and deny, first match
// decides), over IPv4 and IPv6, in both directions (a workload's inbound and outbound
// profiles); then a resync with a short period: our table, an IPv6 /128 route and the proxy
// NDP entry deleted by hand come back without any datastore change. Real nftables in a host
// namespace running the dataplane; TCP and UDP from Node's net and dgram inside the
// workload namespaces (netcat is not installed everywhere).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { EmbeddedDatastore } from '../../src/datastore/embedded';
import { resourceKey } from '../../src/datastore';
import { endpointStatusKey } from '../../src/dataplane';
import { skipReason } from '../helpers/env';
import { waitFor } from '../helpers/netns';
import { createHostLab, pings, startDataplaneChild, type DataplaneChild, type HostLab, type Workload } from './lab';

const skip = skipReason('netns', 'nft');
const NODE = 'alpha';
const RESYNC_MS = 500;
const TCP_PORTS = [8080, 8081, 9000];
const UDP_PORTS = [5001, 5002];
let lab: HostLab;
let dir: string;
let store: EmbeddedDatastore;
let child: DataplaneChild;
const servers: ChildProcess[] = [];

const put = (kind: 'WorkloadEndpoint' | 'Profile', name: string, spec: object): Promise<number> =>
  store.put(resourceKey(kind, name), JSON.stringify({ apiVersion: 'vroute/v1', kind, metadata: { name }, spec }));

function putEndpoint(w: Workload, name: string, profiles: string[]): Promise<number> {
  return put('WorkloadEndpoint', name, {
    node: NODE,
    workload: name,
    interfaceName: w.hostIf,
    mac: w.mac,
    ipNetworks: [`${w.v4}/32`, `${w.v6}/128`],
    profiles,
  });
}

/** TCP servers (answer "ok") and UDP echo servers on every port, IPv4 and IPv6, in `w`. */
async function serve(w: Workload): Promise<void> {
  const code =
    `const net=require('net'),dgram=require('dgram');let n=0;const up=()=>{if(++n===${TCP_PORTS.length + UDP_PORTS.length})console.log('ready')};` +
    `for(const p of ${JSON.stringify(TCP_PORTS)})net.createServer((s)=>s.end('ok')).listen(p,'::',up);` +
    `for(const p of ${JSON.stringify(UDP_PORTS)}){const d=dgram.createSocket({type:'udp6'});d.on('message',(m,r)=>d.send(m,r.port,r.address));d.bind(p,'::',up)}`;
  const p = w.ns.spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(p);
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`servers in ${w.ns.name} not ready`)), 20_000);
    readline.createInterface({ input: p.stdout! }).on('line', (l) => {
      if (l === 'ready') {
        clearTimeout(t);
        resolve();
      }
    });
  });
}

/** Runs a Node snippet in `w` that exits 0 on an answer, 1 on error or after 2 s of silence. */
function probe(w: Workload, code: string): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn(
      'ip',
      ['netns', 'exec', w.ns.name, process.execPath, '-e', `setTimeout(()=>process.exit(1),2000);${code}`],
      { stdio: 'ignore' },
    );
    const kill = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.once('exit', (c) => {
      clearTimeout(kill);
      resolve(c === 0);
    });
  });
}

const tcp = (w: Workload, host: string, port: number, localPort?: number): Promise<boolean> =>
  probe(
    w,
    `const s=require('net').connect({host:'${host}',port:${port}${localPort ? `,localPort:${localPort}` : ''}});` +
      "s.on('data',()=>process.exit(0));s.on('error',()=>process.exit(1));",
  );

const udp = (w: Workload, host: string, port: number): Promise<boolean> =>
  probe(
    w,
    `const d=require('dgram').createSocket('${host.includes(':') ? 'udp6' : 'udp4'}');` +
      `d.on('message',()=>process.exit(0));d.send('x',${port},'${host}');`,
  );

before(async () => {
  if (skip) return;
  lab = createHostLab(3, 'dpf');
  dir = mkdtempSync(path.join(os.tmpdir(), 'vr-dpf-'));
  const file = path.join(dir, 'datastore.json');
  store = new EmbeddedDatastore({ path: file });
  const [a, b, c] = lab.workloads as [Workload, Workload, Workload];
  // A may send to C only (outbound dstNet); B and C send anything and B admits anything.
  await put('Profile', 'PROF_CLIENT_A', {
    inbound: [],
    outbound: [
      { action: 'allow', dstNet: `${c.v4}/32` },
      { action: 'allow', dstNet: `${c.v6}/128` },
    ],
  });
  await put('Profile', 'PROF_OPEN', { inbound: [{ action: 'allow' }], outbound: [{ action: 'allow' }] });
  await put('Profile', 'PROF_SRV', {
    inbound: [
      { action: 'deny', protocol: 'tcp', dstPorts: [8081], srcNet: `${a.v4}/32` },
      { action: 'allow', protocol: 'udp', dstPorts: ['5000:5001'] },
      { action: 'allow', protocol: 'tcp', srcTag: 'PROF_CLIENT_A' },
      { action: 'allow', protocol: 'tcp', srcPorts: ['40000:40010'], dstPorts: [9000] },
      { action: 'allow', protocol: 17, srcNet: `${b.v6}/128` },
      { action: 'allow', protocol: 'icmpv6', icmpType: 128 },
    ],
    outbound: [{ action: 'allow' }],
  });
  await putEndpoint(a, 'alpha.fa.eth0', ['PROF_CLIENT_A']);
  await putEndpoint(b, 'alpha.fb.eth0', ['PROF_OPEN']);
  await putEndpoint(c, 'alpha.fc.eth0', ['PROF_SRV']);
  child = await startDataplaneChild(lab.host, { datastore: `embedded:${file}`, node: NODE, resyncMs: RESYNC_MS });
  for (const n of ['alpha.fa.eth0', 'alpha.fb.eth0', 'alpha.fc.eth0']) {
    await waitFor(
      `${n} up`,
      async () => {
        const kv = await store.get(endpointStatusKey(NODE, n));
        return kv && (JSON.parse(kv.value) as { state: string }).state === 'up' ? true : undefined;
      },
      10_000,
    );
  }
  await serve(b);
  await serve(c);
});

after(async () => {
  if (skip) return;
  for (const s of servers) s.kill('SIGKILL');
  await child?.stop();
  await store?.close();
  lab?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('every rule field decides real traffic, IPv4 and IPv6, inbound and outbound', {
  skip,
  timeout: 120_000,
}, async () => {
  const [a, b, c] = lab.workloads as [Workload, Workload, Workload];
  const cases: [string, Promise<boolean>, boolean][] = [
    ['A -> C tcp/8080 v4: srcTag (tag4 set)', tcp(a, c.v4, 8080), true],
    ['A -> C tcp/8080 v6: srcTag (tag6 set)', tcp(a, c.v6, 8080), true],
    ['A -> C tcp/8081 v4: the deny rule (srcNet A, dstPorts 8081) matches first', tcp(a, c.v4, 8081), false],
    ['A -> C tcp/8081 v6: that deny names an IPv4 net, so the tag rule allows', tcp(a, c.v6, 8081), true],
    ['B -> C tcp/8080 v4: B is not in the tag, no other rule', tcp(b, c.v4, 8080), false],
    ['B -> C tcp/9000 from port 40005: srcPorts range and dstPorts', tcp(b, c.v4, 9000, 40005), true],
    ['B -> C tcp/9000 from port 41000: source port outside the range', tcp(b, c.v4, 9000, 41000), false],
    ['B -> C udp/5001 v4: dstPorts range 5000:5001', udp(b, c.v4, 5001), true],
    ['B -> C udp/5002 v4: past the range', udp(b, c.v4, 5002), false],
    ['B -> C udp/5002 v6: protocol 17 (a number) from srcNet B/128', udp(b, c.v6, 5002), true],
    ["A -> C udp/5002 v6: not from B's net", udp(a, c.v6, 5002), false],
    ["A -> B udp/5001 v4: A's outbound allows dstNet C only", udp(a, b.v4, 5001), false],
    ['A -> B tcp/8080 v6: the same over IPv6', tcp(a, b.v6, 8080), false],
  ];
  const got = await Promise.all(cases.map((x) => x[1]));
  const wrong = cases.filter((x, i) => got[i] !== x[2]).map((x) => `${x[0]}: expected ${x[2] ? 'allowed' : 'denied'}`);
  assert.deepEqual(wrong, []);
  // ICMP: C admits echo requests over IPv6 only (icmpv6 type 128), none over IPv4.
  assert.equal(pings(b, c.v6), true, 'B -> C ping6: icmpv6 type 128');
  assert.equal(pings(b, c.v4), false, 'B -> C ping: no icmp rule');
});

test('IPv6 endpoint host side: /128 route with our protocol, proxy NDP for the gateway, permanent neighbour', {
  skip,
}, () => {
  const [, , c] = lab.workloads as [Workload, Workload, Workload];
  assert.match(lab.host.exec('ip', ['-6', 'route', 'show', `${c.v6}/128`]), new RegExp(`dev ${c.hostIf} proto 200`));
  assert.equal(lab.host.exec('cat', [`/proc/sys/net/ipv6/conf/${c.hostIf}/proxy_ndp`]).trim(), '1');
  assert.match(lab.host.exec('ip', ['-6', 'neigh', 'show', 'proxy', 'dev', c.hostIf]), /fe80::1 /);
  assert.match(
    lab.host.exec('ip', ['-6', 'neigh', 'show', c.v6, 'dev', c.hostIf]),
    new RegExp(`lladdr ${c.mac} PERMANENT`),
  );
});

test('our table, an IPv6 route and the proxy NDP entry deleted by hand come back at the next resync', {
  skip,
  timeout: 60_000,
}, async (t) => {
  const [, b, c] = lab.workloads as [Workload, Workload, Workload];
  // Our rules, chain by chain (set elements may list in another order after a reload).
  const ours = (): string[] =>
    lab.host
      .exec('nft', ['list', 'table', 'inet', 'vroute'])
      .split('\n')
      .filter((l) => /^\tchain |comment "vr:/.test(l));
  const rulesBefore = ours();
  const t0 = Date.now();
  lab.host.exec('nft', ['delete', 'table', 'inet', 'vroute']);
  lab.host.exec('ip', ['-6', 'route', 'del', `${c.v6}/128`]);
  lab.host.exec('ip', ['-6', 'neigh', 'del', 'proxy', 'fe80::1', 'dev', c.hostIf]);
  // Nothing in the datastore changed: only the periodic re-read (every RESYNC_MS) can notice.
  await waitFor(
    'all three back',
    () => {
      const table = lab.host.exec('nft', ['list', 'ruleset']).includes('table inet vroute');
      const route = lab.host.exec('ip', ['-6', 'route', 'show', `${c.v6}/128`]).includes(c.hostIf);
      const proxy = lab.host.exec('ip', ['-6', 'neigh', 'show', 'proxy', 'dev', c.hostIf]).includes('fe80::1');
      return table && route && proxy ? true : undefined;
    },
    10 * RESYNC_MS,
    50,
  );
  t.diagnostic(`back after ${Date.now() - t0} ms (resync period ${RESYNC_MS} ms)`);
  assert.deepEqual(ours(), rulesBefore, 'the same chains and rules, in order');
  assert.equal(pings(b, c.v6), true, 'B -> C over IPv6 again');
  assert.equal(await tcp(b, c.v4, 8080), false, 'and the ACLs hold again');
});
