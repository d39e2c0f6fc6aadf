// The node agent in-process on loopback (127.0.0.x, one shared `memory:` datastore, memory
// FIBs): the mesh, a plain speaker that never passes iBGP routes on, live peer changes that
// leave other sessions alone, borrowed addresses, an eBGP ToR (own routes, next hop self,
// RFC 8212), graceful-restart F bit, status in the datastore and the API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, memoryFib, type RunningNode } from '../../src/node';
import { startReflector } from '../../src/reflector';
import { validateConfig, validateNodeConfig } from '../../src/config';
import { type DaemonStatus, silentLogger } from '../../src/observability';
import { allocate, deleteResource, openDatastore, putResource, statusKey, type Datastore } from '../../src/datastore';
import { freePort } from '../helpers/etcd';
import { waitFor as waitUntil } from '../helpers/netns';
import { apiGet } from '../../src/cli/api-client';

/** What a node agent's GET /status adds to the common daemon status. */
type NodeApiStatus = DaemonStatus & {
  fib: { installed: number; pending: number; failed: number };
  localRoutes: string[];
};

function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 15000,
): Promise<T> {
  return waitUntil(what, async () => (await probe()) || undefined, ms, 50) as Promise<T>;
}

type Fib = ReturnType<typeof memoryFib>;
interface Agent {
  node: RunningNode;
  fib: Fib;
  ip: string;
}

async function startAgent(
  store: Datastore,
  name: string,
  ip: string,
  port: number,
  extra: Record<string, unknown> = {},
): Promise<Agent> {
  const fib = memoryFib();
  const cfg = validateNodeConfig({ name, ip, port, fib: false, api: false, datastore: 'memory', ...extra });
  // RFC 7606 makes peers refuse a loopback NEXT_HOP: node 127.0.0.N advertises 192.0.2.N.
  const nextHop = { v4: ip.replace(/^127\.0\.0\./, '192.0.2.') };
  const node = await startNode(cfg, {
    logger: silentLogger,
    datastore: store,
    fib,
    syncTimeoutMs: 20_000,
    reflectorGraceMs: 0,
    nextHop,
  });
  return { node, fib, ip };
}

function same(x: Record<string, string>, y: Record<string, string>): boolean {
  const k = (o: Record<string, string>) => JSON.stringify(Object.entries(o).sort());
  return k(x) === k(y);
}

function fibOf(a: Agent): Record<string, string> {
  return Object.fromEntries(
    a.fib
      .routes()
      .map((r) => [r.prefix, r.kind === 'blackhole' ? 'blackhole' : r.nextHops.map((h) => h.gateway).join(',')]),
  );
}

async function pool(store: Datastore): Promise<void> {
  await putResource(store, {
    apiVersion: 'vroute/v1',
    kind: 'IPPool',
    metadata: { name: 'p' },
    spec: { cidr: '10.233.0.0/16', blockSize: 26, disabled: false },
  });
}

function established(a: Agent): string[] {
  return a.node.speaker
    .peers()
    .filter((p) => p.state === 'Established')
    .map((p) => p.config.address)
    .sort();
}

test("three nodes in a mesh: each learns the others' blocks, installs them, blackholes its own, reports status", async () => {
  const store = openDatastore('memory');
  const port = await freePort();
  await pool(store);
  const agents: Agent[] = [];
  try {
    for (const [i, n] of ['alpha', 'beta', 'gamma'].entries()) {
      await allocate(store, { node: n });
      agents.push(await startAgent(store, n, `127.0.0.${i + 1}`, port));
    }
    const [a, b, c] = agents as [Agent, Agent, Agent];
    // Blocks are the first three /26 of the pool, in allocation order.
    const want = (self: number) =>
      Object.fromEntries(
        [0, 1, 2].map((j) => [`10.233.0.${j * 64}/26`, j === self ? 'blackhole' : `192.0.2.${j + 1}`]),
      );
    for (const [i, x] of agents.entries()) {
      await waitFor(`node ${i} FIB`, () => same(fibOf(x), want(i)));
    }
    assert.deepEqual(established(a), ['127.0.0.2', '127.0.0.3']);
    // Initial sync: every first peer sent End-of-RIB.
    await waitFor('synced', () => agents.every((x) => x.node.synced));
    // status/<node> in the datastore: sessions and the FIB line.
    const st = await waitFor('status/alpha', async () => {
      const kv = await store.get(statusKey('alpha'));
      const s =
        kv &&
        (JSON.parse(kv.value) as { status: { sessions: Array<{ state: string }>; fib: { installed: number } } }).status;
      return s && s.sessions.length === 2 && s.sessions.every((x) => x.state === 'Established') && s.fib.installed === 3
        ? s
        : undefined;
    });
    assert.equal(st.fib.installed, 3);
    // The Node resources carry what the agents were given.
    const nodeB = JSON.parse((await store.get('/vroute/v1/node/beta'))!.value) as {
      spec: { bgp: Record<string, unknown> };
    };
    assert.equal(nodeB.spec.bgp.ipv4Address, '127.0.0.2');

    // A node goes: the other two drop it within seconds; their own session never blinks.
    const abPeer = a.node.speaker.peer('127.0.0.2')!;
    const abTransitions: string[] = [];
    abPeer.on('stateChange', (_f: string, to: string) => abTransitions.push(to));
    await c.node.stop();
    await deleteResource(store, 'Node', 'gamma');
    await waitFor(
      'alpha drops gamma',
      () => a.node.speaker.peer('127.0.0.3') === undefined && !('10.233.0.128/26' in fibOf(a)),
    );
    await waitFor('beta drops gamma', () => b.node.speaker.peer('127.0.0.3') === undefined);
    assert.deepEqual(abTransitions, [], 'the alpha-beta session was not disturbed');
    assert.equal(a.node.speaker.peer('127.0.0.2'), abPeer);

    // A new block for beta reaches alpha; releasing... the block goes away again.
    await allocate(store, { node: 'beta', count: 64 }); // fills beta's block: the next one is claimed
    await allocate(store, { node: 'beta' });
    await waitFor("beta's second block at alpha", () => fibOf(a)['10.233.0.192/26'] === '192.0.2.2');
  } finally {
    for (const x of agents) await x.node.stop();
    await store.close();
  }
});

test('a node is a plain speaker: what it learns over iBGP goes to no other iBGP peer', async () => {
  const store = openDatastore('memory');
  const port = await freePort();
  await pool(store);
  // Mesh off; explicit BGPPeers a-b and b-c only (b in the middle).
  await putResource(store, {
    apiVersion: 'vroute/v1',
    kind: 'BGPConfiguration',
    metadata: { name: 'default' },
    spec: { nodeToNodeMesh: false },
  });
  const peer = (name: string, node: string, ip: string) =>
    putResource(store, {
      apiVersion: 'vroute/v1',
      kind: 'BGPPeer',
      metadata: { name },
      spec: { node, peerIP: ip, asNumber: 64512, port },
    });
  await peer('a-b', 'a', '127.0.0.2');
  await peer('b-a', 'b', '127.0.0.1');
  await peer('b-c', 'b', '127.0.0.3');
  await peer('c-b', 'c', '127.0.0.2');
  const agents: Agent[] = [];
  try {
    for (const [i, n] of ['a', 'b', 'c'].entries()) {
      await allocate(store, { node: n });
      agents.push(await startAgent(store, n, `127.0.0.${i + 1}`, port));
    }
    const [a, b, c] = agents as [Agent, Agent, Agent];
    await waitFor(
      'b learns both',
      () => fibOf(b)['10.233.0.0/26'] === '192.0.2.1' && fibOf(b)['10.233.0.128/26'] === '192.0.2.3',
    );
    await waitFor('a and c established with b', () => established(a).length === 1 && established(c).length === 1);
    await waitFor('everyone synced', () => agents.every((x) => x.node.synced));
    // RFC 4271 9.2: b never advertises a's block to c or c's to a.
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(fibOf(a), { '10.233.0.0/26': 'blackhole', '10.233.0.64/26': '192.0.2.2' });
    assert.deepEqual(fibOf(c), { '10.233.0.128/26': 'blackhole', '10.233.0.64/26': '192.0.2.2' });
    assert.deepEqual(
      b.node.engine
        .routes('ipv4-unicast')
        .filter((r) => r.from === 'local')
        .map((r) => r.prefix),
      ['10.233.0.64/26'],
    );
  } finally {
    for (const x of agents) await x.node.stop();
    await store.close();
  }
});

test('mesh off: nodes peer with the registered reflectors instead, and learn through them', async () => {
  const store = openDatastore('memory');
  const port = await freePort();
  await pool(store);
  await putResource(store, {
    apiVersion: 'vroute/v1',
    kind: 'BGPConfiguration',
    metadata: { name: 'default' },
    spec: { nodeToNodeMesh: false },
  });
  const rrCfg = validateConfig({
    name: 'rr1',
    routerId: '127.0.0.9',
    asn: 64512,
    listen: { address: '127.0.0.9', port },
    reflector: { clusterId: '127.0.0.9' },
    datastore: 'memory',
    dynamicNeighbors: [{ prefix: '127.0.0.0/8', asn: 64512, routeReflectorClient: true, holdTime: 9 }],
  });
  const rr = await startReflector(rrCfg, { logger: silentLogger, datastore: store });
  const agents: Agent[] = [];
  try {
    for (const [i, n] of ['a', 'b'].entries()) {
      await allocate(store, { node: n });
      agents.push(await startAgent(store, n, `127.0.0.${i + 1}`, port));
    }
    const [a, b] = agents as [Agent, Agent];
    await waitFor('a learns b via rr', () => fibOf(a)['10.233.0.64/26'] === '192.0.2.2', 20000);
    await waitFor('b learns a via rr', () => fibOf(b)['10.233.0.0/26'] === '192.0.2.1');
    assert.deepEqual(
      a.node.speaker.peers().map((p) => p.config.address),
      ['127.0.0.9'],
      'only the reflector, no mesh',
    );
  } finally {
    for (const x of agents) await x.node.stop();
    await rr.stop();
    await store.close();
  }
});

test("borrowed addresses: a /32 for an address the node holds in another node's block", async () => {
  const store = openDatastore('memory');
  const port = await freePort();
  // A pool of exactly one /30 block: the second node can only borrow (a pool's first and last
  // addresses are never handed out: a gets .1, b borrows .2).
  await putResource(store, {
    apiVersion: 'vroute/v1',
    kind: 'IPPool',
    metadata: { name: 'tiny' },
    spec: { cidr: '10.9.0.0/30', blockSize: 30, disabled: false },
  });
  await allocate(store, { node: 'a' });
  const [borrowed] = await allocate(store, { node: 'b' });
  assert.equal(borrowed, '10.9.0.2');
  const a = await startAgent(store, 'a', '127.0.0.1', port);
  const b = await startAgent(store, 'b', '127.0.0.2', port);
  try {
    await waitFor("a has b's /32", () => fibOf(a)['10.9.0.2/32'] === '192.0.2.2');
    assert.equal(fibOf(a)['10.9.0.0/30'], 'blackhole');
    await waitFor("b has a's block", () => fibOf(b)['10.9.0.0/30'] === '192.0.2.1');
    assert.equal(fibOf(b)['10.9.0.2/32'], undefined, 'our own /32 is no kernel route of ours');
    assert.deepEqual(
      b.node.localRoutes().map((r) => r.prefix),
      ['10.9.0.2/32'],
    );
  } finally {
    await a.node.stop();
    await b.node.stop();
    await store.close();
  }
});

test("eBGP ToR: only the node's own routes, next hop self, and RFC 8212 without policies", async () => {
  for (const withPolicy of [true, false]) {
    const store = openDatastore('memory');
    const port = await freePort();
    await pool(store);
    await allocate(store, { node: 'a' });
    await allocate(store, { node: 'b' });
    await putResource(store, {
      apiVersion: 'vroute/v1',
      kind: 'BGPPeer',
      metadata: { name: 'tor' },
      spec: { node: 'a', peerIP: '127.0.0.9', asNumber: 65100, port },
    });
    // The ToR: a vroute speaker in AS 65100 that accepts everything. On loopback its RFC 7606
    // check refuses our 127/8 next hop, so what it was sent is in its rejected list, with the
    // next hop in the reason.
    const tor = await startReflector(
      validateConfig({
        name: 'tor',
        routerId: '127.0.0.9',
        asn: 65100,
        listen: { address: '127.0.0.9', port },
        datastore: 'memory',
        policies: { all: [{ action: 'accept' }] },
        neighbors: [{ address: '127.0.0.1', asn: 64512, port, importPolicy: 'all', exportPolicy: 'all', holdTime: 9 }],
      }),
      { logger: silentLogger, datastore: openDatastore('memory') },
    );
    const extra = withPolicy
      ? { policies: { all: [{ action: 'accept' }] }, ebgp: { importPolicy: 'all', exportPolicy: 'all' } }
      : {};
    const a = await startAgent(store, 'a', '127.0.0.1', port, extra);
    const b = await startAgent(store, 'b', '127.0.0.2', port);
    try {
      await waitFor("a has b's block", () => fibOf(a)['10.233.0.64/26'] === '192.0.2.2');
      await waitFor('tor session', () => a.node.speaker.peer('127.0.0.9')?.state === 'Established');
      await waitFor('a synced', () => a.node.synced);
      await new Promise((res) => setTimeout(res, 500));
      const announced = tor.engine.rejected('ipv4-unicast').map((r) => `${String(r.prefix)} ${String(r.reason)}`);
      const st = a.node.speaker.peer('127.0.0.9')!;
      if (withPolicy) {
        // Own block only (b's, learned over iBGP, is no transit), next hop self (our session address).
        assert.equal(announced.length, 1, announced.join('\n'));
        assert.match(announced[0]!, /^10\.233\.0\.0\/26 unusable NEXT_HOP 127\.0\.0\.1\b/);
        assert.deepEqual(a.node.engine.policyOf(st), { import: 'all', export: 'all' });
      } else {
        assert.deepEqual(announced, [], 'RFC 8212: nothing sent without an export policy');
        assert.deepEqual(a.node.engine.policyOf(st), { import: 'none (RFC 8212)', export: 'none (RFC 8212)' });
      }
    } finally {
      await a.node.stop();
      await b.node.stop();
      await tor.stop();
      await store.close();
    }
  }
});

test('status API: sessions as for the reflector, plus the FIB and the local routes', async () => {
  const store = openDatastore('memory');
  const port = await freePort();
  const apiPort = await freePort();
  await pool(store);
  await allocate(store, { node: 'a' });
  const a = await startAgent(store, 'a', '127.0.0.1', port, { api: `127.0.0.1:${apiPort}` });
  const b = await startAgent(store, 'b', '127.0.0.2', port);
  try {
    await waitFor('b learns a', () => fibOf(b)['10.233.0.0/26'] === '192.0.2.1');
    const st = (await apiGet({ host: '127.0.0.1', port: apiPort }, '/status')) as NodeApiStatus;
    assert.equal(st.name, 'a');
    assert.equal(st.sessions[0].peer, '127.0.0.2');
    assert.equal(st.sessions[0].state, 'Established');
    assert.deepEqual(
      { installed: st.fib.installed, pending: st.fib.pending, failed: st.fib.failed },
      { installed: 1, pending: 0, failed: 0 },
    );
    assert.deepEqual(st.localRoutes, ['10.233.0.0/26']);
    // The peer advertised RFC 4724 graceful restart (our helper side keeps its routes).
    assert.ok(a.node.speaker.peer('127.0.0.2')!.negotiated!.gracefulRestart);
  } finally {
    await a.node.stop();
    await b.node.stop();
    await store.close();
  }
});
