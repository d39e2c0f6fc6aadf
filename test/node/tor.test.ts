// `vroute node` under a top-of-rack switch (issue 11, "ToR"): FRR bgpd (with zebra, so it
// installs and forwards what it learns) peers over eBGP with node agents that each run in their
// own AS (the Node resource's spec.bgp.asNumber), the mesh off, the sessions from BGPPeer
// resources selecting the nodes by label, with TCP-MD5 (RFC 2385; BGPPeer spec.password).
// - FRR learns each node's IPAM block with the node's AS and next hop; FRR's own prefix reaches
//   both nodes' kernels (protocol 200, via FRR's address) and workloads ping through it.
// - With the wrong key in the BGPPeer the sessions stay down: the ToR's kernel drops the
//   node's SYNs (TcpExtTCPMD5Failure grows); the right key brings them back.
// - ECMP: one node under two ToRs (two links, same AS) that both offer a prefix gets one
//   multipath kernel route with both next hops; when one ToR stops, the route keeps the
//   other next hop and is never missing from the table (sampled).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { skipReason } from '../helpers/env';
import { createLab, vethPair, waitFor, withNamespaceSet, type Lab, type Netns } from '../helpers/netns';
import { frrNeighborState, startFrr, type Daemon } from '../helpers/peers';
import { nstat } from '../helpers/routed';
import { spawnNode, vrouteJson, type ReflectorProcess } from '../helpers/vroute';
import { allocate, EmbeddedDatastore, getResource, putResource, type Datastore } from '../../src/datastore';

const skip = skipReason('netns', 'frr');
const KEY = 'T0r-md5-Key';

/** The node config: kernel FIB, and eBGP policies (without them RFC 8212 sends nothing). */
function nodeConfig(dir: string, name: string, ip: string, ds: string): string {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name,
      ip,
      datastore: ds,
      api: '127.0.0.1:8179',
      log: 'info',
      prefixLists: { workloads: [{ action: 'permit', prefix: '10.233.0.0/16', ge: 16 }] },
      policies: {
        // To the ToR: our workload routes only (the engine already sends nothing but our own).
        'to-tor': [{ match: { prefixList: 'workloads' }, action: 'accept' }, { action: 'reject' }],
        'from-tor': [{ action: 'accept' }],
      },
      ebgp: { exportPolicy: 'to-tor', importPolicy: 'from-tor' },
    }),
  );
  return file;
}

async function put(
  store: Datastore,
  kind: string,
  name: string,
  spec: unknown,
  labels?: Record<string, string>,
): Promise<void> {
  const old = await getResource(store, kind as 'Node', name);
  await putResource(store, {
    apiVersion: 'vroute/v1',
    kind,
    metadata: {
      name,
      ...(labels ? { labels } : {}),
      ...(old ? { resourceVersion: old.metadata.resourceVersion } : {}),
    },
    spec,
  } as Parameters<typeof putResource>[1]);
}

/** `ip -j route show PREFIX proto 200` in `ns`: the next hops of our route ([] when absent). */
function ourNextHops(ns: Netns, prefix: string): string[] {
  const j = JSON.parse(ns.exec('ip', ['-j', '-4', 'route', 'show', prefix, 'proto', '200']) || '[]') as Array<{
    dst: string;
    gateway?: string;
    nexthops?: Array<{ gateway?: string }>;
  }>;
  return j
    .filter((r) => r.dst === prefix)
    .flatMap((r) => (r.nexthops ? r.nexthops.map((n) => n.gateway ?? '?') : [r.gateway ?? '?']))
    .sort();
}

/** FRR's paths for a prefix: "ASPATH via NEXTHOP", sorted. */
function frrPaths(tor: Daemon, prefix: string): string[] {
  try {
    const j = JSON.parse(tor.query(`show bgp ipv4 unicast ${prefix} json`)) as {
      paths?: Array<{ aspath?: { string?: string }; nexthops?: Array<{ ip?: string }> }>;
    };
    return (j.paths ?? []).map((p) => `${p.aspath?.string ?? ''} via ${p.nexthops?.[0]?.ip ?? '?'}`).sort();
  } catch {
    return [];
  }
}

function ping(ns: Netns, from: string, to: string): boolean {
  try {
    ns.exec('ping', ['-c', '1', '-W', '2', '-I', from, to]);
    return true;
  } catch {
    return false;
  }
}

const torConf = (
  id: string,
  prefix: string,
  neighbors: Array<{ ip: string; asn: number; password?: string }>,
): string => `frr defaults traditional
hostname tor-${id}
router bgp 65100
 bgp router-id ${id}
 no bgp ebgp-requires-policy
 no bgp network import-check
${neighbors
  .map(
    (n) => ` neighbor ${n.ip} remote-as ${n.asn}
 neighbor ${n.ip} timers 3 9
 neighbor ${n.ip} timers connect 2
${n.password ? ` neighbor ${n.ip} password ${n.password}\n` : ''}`,
  )
  .join('')} address-family ipv4 unicast
  network ${prefix}
 exit-address-family
`;

test('FRR as the eBGP ToR of two nodes in their own AS, with TCP-MD5: it learns both blocks, its prefix reaches both kernels (proto 200), a wrong key keeps the sessions down', {
  skip,
  timeout: 180_000,
}, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-nodetor-'));
  const file = path.join(dir, 'datastore.json');
  const ds = `embedded:${file}`;
  const store = new EmbeddedDatastore({ path: file });
  let lab: Lab | undefined;
  let tor: Daemon | undefined;
  const procs: ReflectorProcess[] = [];
  const logs = () =>
    `${procs.map((p) => p.log().split('\n').slice(-12).join('\n')).join('\n----\n')}\n---- frr\n${tor?.log().slice(-3000) ?? ''}`;
  try {
    lab = createLab(3, 'nodetor');
    const [h1, h2, ht] = lab.hosts as [Lab['hosts'][number], Lab['hosts'][number], Lab['hosts'][number]];
    // The ToR's own prefix: a real address on its loopback, for the workloads to ping.
    ht.ns.exec('ip', ['addr', 'add', '10.50.0.1/32', 'dev', 'lo']);
    ht.ns.exec('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    await put(store, 'BGPConfiguration', 'default', { nodeToNodeMesh: false });
    await put(store, 'IPPool', 'p', { cidr: '10.233.0.0/16', blockSize: 26, disabled: false });
    // Per-node AS in the Node resource (the agent keeps it: no --asn given), rack label for the peer.
    await put(store, 'Node', 'n1', { bgp: { asNumber: 65001 } }, { rack: 'a' });
    await put(store, 'Node', 'n2', { bgp: { asNumber: 65002 } }, { rack: 'a' });
    await put(store, 'BGPPeer', 'tor-a', {
      peerIP: ht.ipv4,
      asNumber: 65100,
      nodeSelector: "rack == 'a'",
      password: KEY,
      holdTime: 9,
    });
    const [w1] = await allocate(store, { node: 'n1' });
    const [w2] = await allocate(store, { node: 'n2' });
    assert.deepEqual([w1, w2], ['10.233.0.1', '10.233.0.64']);
    h1.ns.exec('ip', ['addr', 'add', `${w1}/32`, 'dev', 'lo']);
    h2.ns.exec('ip', ['addr', 'add', `${w2}/32`, 'dev', 'lo']);

    tor = await startFrr(
      ht.ns,
      torConf(ht.ipv4, '10.50.0.0/24', [
        { ip: h1.ipv4, asn: 65001, password: KEY },
        { ip: h2.ipv4, asn: 65002, password: KEY },
      ]),
      { zebra: true },
    );
    procs.push(spawnNode(h1.ns, ['--config', nodeConfig(dir, 'n1', h1.ipv4, ds)]));
    procs.push(spawnNode(h2.ns, ['--config', nodeConfig(dir, 'n2', h2.ipv4, ds)]));
    const t = tor;
    const want = {
      '10.233.0.0/26': ['65001 via 192.0.2.1'],
      '10.233.0.64/26': ['65002 via 192.0.2.2'],
    };
    try {
      await waitFor(
        'FRR learns both blocks',
        () =>
          Object.entries(want).every(([p, w]) => JSON.stringify(frrPaths(t, p)) === JSON.stringify(w))
            ? true
            : undefined,
        60_000,
        500,
      );
      await waitFor(
        "FRR's prefix in both kernels",
        () =>
          [h1, h2].every((h) => JSON.stringify(ourNextHops(h.ns, '10.50.0.0/24')) === JSON.stringify([ht.ipv4]))
            ? true
            : undefined,
        30_000,
        250,
      );
    } catch (e) {
      throw new Error(
        `${(e as Error).message}\nfrr: ${JSON.stringify(Object.keys(want).map((p) => frrPaths(t, p)))}\nn1: ${h1.ns.exec('ip', ['route'])}\n${logs()}`,
      );
    }
    // Each node runs in its own AS, from its Node resource.
    for (const [h, asn] of [
      [h1, 65001],
      [h2, 65002],
    ] as const) {
      const s = vrouteJson<{ asn: number; sessions: Array<{ peer: string; state: string; asn: number }> }>(
        h.ns,
        'status',
        '--api',
        '127.0.0.1:8179',
      );
      assert.equal(s.asn, asn);
      assert.deepEqual(
        s.sessions.map((x) => [x.peer, x.asn, x.state]),
        [[ht.ipv4, 65100, 'Established']],
      );
    }
    // Workload -> ToR address, and workload -> workload through the ToR's routes.
    assert.ok(ping(h1.ns, w1!, '10.50.0.1'), 'n1 workload pings the ToR');
    assert.ok(ping(h2.ns, w2!, '10.50.0.1'), 'n2 workload pings the ToR');
    await waitFor(
      'the other block in each kernel',
      () =>
        ourNextHops(h1.ns, '10.233.0.64/26').length === 1 && ourNextHops(h2.ns, '10.233.0.0/26').length === 1
          ? true
          : undefined,
      20_000,
      250,
    );
    assert.ok(ping(h1.ns, w1!, w2!), `ping ${w1} -> ${w2}`);

    // A wrong key: the agents reconfigure the sessions with it; they stay down, the ToR's
    // kernel refusing every segment with a bad signature.
    const failures = () => nstat(ht.ns, 'TcpExtTCPMD5Failure').TcpExtTCPMD5Failure!;
    const before = failures();
    await put(store, 'BGPPeer', 'tor-a', {
      peerIP: ht.ipv4,
      asNumber: 65100,
      nodeSelector: "rack == 'a'",
      password: 'not-the-key',
      holdTime: 9,
    });
    await waitFor(
      'both sessions down at FRR',
      () => ([h1, h2].every((h) => frrNeighborState(t, h.ipv4) !== 'Established') ? true : undefined),
      20_000,
      200,
    );
    await waitFor('signature failures at the ToR', () => (failures() > before + 2 ? true : undefined), 20_000, 250);
    for (let i = 0; i < 16; i++) {
      await new Promise((r) => setTimeout(r, 500));
      for (const h of [h1, h2])
        assert.notEqual(frrNeighborState(t, h.ipv4), 'Established', `session with ${h.ipv4} up with a wrong key`);
    }
    // The right key again: both sessions come back and FRR relearns the blocks.
    await put(store, 'BGPPeer', 'tor-a', {
      peerIP: ht.ipv4,
      asNumber: 65100,
      nodeSelector: "rack == 'a'",
      password: KEY,
      holdTime: 9,
    });
    await waitFor(
      'FRR relearns both blocks',
      () =>
        Object.entries(want).every(([p, w]) => JSON.stringify(frrPaths(t, p)) === JSON.stringify(w)) ? true : undefined,
      60_000,
      500,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\n${logs()}`);
    });
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await tor?.stop();
    lab?.cleanup();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ECMP: a node under two ToRs that offer the same prefix gets one multipath kernel route; one ToR gone, the other next hop stays and the route never leaves the table', {
  skip,
  timeout: 150_000,
}, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-nodeecmp-'));
  const file = path.join(dir, 'datastore.json');
  const ds = `embedded:${file}`;
  const store = new EmbeddedDatastore({ path: file });
  const tors: Daemon[] = [];
  let node: ReflectorProcess | undefined;
  let set: { cleanup(): void } | undefined;
  const logs = () =>
    `${node?.log().split('\n').slice(-15).join('\n') ?? ''}\n${tors.map((t) => t.log().slice(-1500)).join('\n---- frr\n')}`;
  try {
    // node vr0 192.0.2.1 -- tor1 192.0.2.3;  node vr1 198.51.100.1 -- tor2 198.51.100.3
    const lab = withNamespaceSet('nodeecmp', 'tor.test', (s) => {
      const n = s.create('n');
      const t1 = s.create('t1');
      const t2 = s.create('t2');
      vethPair(n, 'vr0', t1, 'vr0');
      vethPair(n, 'vr1', t2, 'vr0');
      for (const [ns, dev, addr] of [
        [n, 'vr0', '192.0.2.1/24'],
        [n, 'vr1', '198.51.100.1/24'],
        [t1, 'vr0', '192.0.2.3/24'],
        [t2, 'vr0', '198.51.100.3/24'],
      ] as const) {
        ns.exec('ip', ['addr', 'add', addr, 'dev', dev]);
        ns.exec('ip', ['link', 'set', dev, 'up']);
      }
      return { n, t1, t2, cleanup: s.cleanup };
    });
    set = lab;
    await put(store, 'BGPConfiguration', 'default', { nodeToNodeMesh: false });
    await put(store, 'IPPool', 'p', { cidr: '10.233.0.0/16', blockSize: 26, disabled: false });
    await put(store, 'Node', 'n1', { bgp: { asNumber: 65001 } });
    await allocate(store, { node: 'n1' });
    await put(store, 'BGPPeer', 'tor1', { peerIP: '192.0.2.3', asNumber: 65100, node: 'n1', holdTime: 9 });
    // The agent listens on its --ip only, so the second link's session is ours to open, from
    // that link's address.
    await put(store, 'BGPPeer', 'tor2', {
      peerIP: '198.51.100.3',
      asNumber: 65100,
      node: 'n1',
      holdTime: 9,
      localAddress: '198.51.100.1',
    });
    tors.push(await startFrr(lab.t1, torConf('192.0.2.3', '10.60.0.0/24', [{ ip: '192.0.2.1', asn: 65001 }])));
    tors.push(await startFrr(lab.t2, torConf('198.51.100.3', '10.60.0.0/24', [{ ip: '198.51.100.1', asn: 65001 }])));
    node = spawnNode(lab.n, ['--config', nodeConfig(dir, 'n1', '192.0.2.1', ds)]);
    const both = ['192.0.2.3', '198.51.100.3'];
    await waitFor(
      'one route, two next hops',
      () => (JSON.stringify(ourNextHops(lab.n, '10.60.0.0/24')) === JSON.stringify(both) ? true : undefined),
      60_000,
      250,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\n${lab.n.exec('ip', ['route'])}\n${logs()}`);
    });
    const shown = lab.n.exec('ip', ['route', 'show', '10.60.0.0/24']);
    assert.equal(
      shown.split('\n').filter((l) => l.startsWith('10.60.0.0/24')).length,
      1,
      `one route, not two: ${shown}`,
    );
    assert.match(shown, /proto 200/);

    // tor2 stops (Cease): its path goes, the route is replaced in place by the single path.
    const samples: string[][] = [];
    const stopping = tors[1]!.stop();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const s = ourNextHops(lab.n, '10.60.0.0/24');
      samples.push(s);
      if (JSON.stringify(s) === JSON.stringify(['192.0.2.3'])) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await stopping;
    assert.deepEqual(samples.at(-1), ['192.0.2.3'], `${JSON.stringify(samples.slice(-5))}\n${logs()}`);
    const missing = samples.findIndex((s) => s.length === 0);
    assert.equal(missing, -1, `sample ${missing} of ${samples.length} had no route`);
  } finally {
    await node?.stop();
    for (const t of tors) await t.stop();
    set?.cleanup();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
