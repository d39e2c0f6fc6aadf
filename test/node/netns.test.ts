// `vroute node` as operators run it: three agents, each a child process in its own network
// namespace on one bridge, sharing one embedded datastore file. Mesh on: each ends with the
// other two blocks (next hop: the right host) and its own blackhole in its FIB and status.
// Then a reflector registers in a fourth namespace and the mesh is turned off: every node
// moves onto the reflector and keeps the others' routes. (`fib: false`: the kernel FIB is
// another branch; with it, the same test checks `ip route show proto 200` and pings.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { skipReason } from '../helpers/env';
import { createLab, waitFor, type Lab } from '../helpers/netns';
import { spawnNode, spawnReflector, vrouteJson, routesIn, type ReflectorProcess } from '../helpers/vroute';
import { allocate, EmbeddedDatastore, putResource } from '../../src/datastore';

interface Status {
  name: string;
  sessions: Array<{ peer: string; state: string }>;
  fib: { installed: number; pending: number; failed: number };
  localRoutes: string[];
}

test('three node agents in namespaces: mesh, then onto a registered reflector with the mesh off', { skip: skipReason('netns'), timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-node-'));
  const ds = `embedded:${path.join(dir, 'datastore.json')}`;
  const store = new EmbeddedDatastore({ path: path.join(dir, 'datastore.json') });
  let lab: Lab | undefined;
  const procs: ReflectorProcess[] = [];
  const logs = () => procs.map((p) => p.log().split('\n').slice(-15).join('\n')).join('\n----\n');
  try {
    lab = createLab(4, 'node');
    const hosts = lab.hosts;
    await putResource(store, { apiVersion: 'vroute/v1', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.233.0.0/16', blockSize: 26, disabled: false } });
    const names = ['n1', 'n2', 'n3'];
    for (const n of names) await allocate(store, { node: n });
    const blockOf = (i: number) => `10.233.0.${i * 64}/26`;
    for (let i = 0; i < 3; i++) {
      procs.push(spawnNode(hosts[i]!.ns, ['--name', names[i]!, '--ip', hosts[i]!.ipv4, '--datastore', ds, '--no-fib', '--api', '127.0.0.1:8179']));
    }
    const status = (i: number) => vrouteJson<Status>(hosts[i]!.ns, 'status', '--api', '127.0.0.1:8179');
    const learned = (i: number) => routesIn(hosts[i]!.ns).filter((r) => r.best && r.from !== 'local').map((r) => `${r.prefix} ${r.nextHop}`).sort();
    const want = (i: number) => [0, 1, 2].filter((j) => j !== i).map((j) => `${blockOf(j)} ${hosts[j]!.ipv4}`).sort();
    const converged = (peers: (i: number) => string[]) => async () => {
      for (let i = 0; i < 3; i++) {
        const s = status(i);
        const up = s.sessions.filter((x) => x.state === 'Established').map((x) => x.peer).sort();
        if (JSON.stringify(up) !== JSON.stringify(peers(i))) return undefined;
        // Two learned blocks plus our own blackhole.
        if (s.fib.installed !== 3 || JSON.stringify(s.localRoutes) !== JSON.stringify([blockOf(i)])) return undefined;
        if (JSON.stringify(learned(i)) !== JSON.stringify(want(i))) return undefined;
      }
      return true;
    };
    try {
      await waitFor('the mesh converged', converged((i) => [0, 1, 2].filter((j) => j !== i).map((j) => hosts[j]!.ipv4).sort()), 40_000, 250);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${logs()}`);
    }
    // status/<node> in the datastore says the same.
    const rec = JSON.parse((await store.get('/vroute/v1/status/n1'))!.value) as { status: Status };
    assert.equal(rec.status.sessions.length, 2);

    // A reflector registers; then the mesh goes off: every node moves onto it.
    const rr = hosts[3]!;
    procs.push(spawnReflector(rr.ns, dir, {
      name: 'rr1', routerId: rr.ipv4, asn: 64512, listen: { address: rr.ipv4, port: 179 },
      reflector: { clusterId: rr.ipv4 }, datastore: ds, api: '127.0.0.1:8179', log: 'warn',
      dynamicNeighbors: [{ prefix: '192.0.2.0/24', asn: 64512, routeReflectorClient: true }],
    }));
    await waitFor('the reflector registered', async () => (await store.get('/vroute/v1/reflector/rr1')) ?? undefined, 15_000, 200);
    await putResource(store, { apiVersion: 'vroute/v1', kind: 'BGPConfiguration', metadata: { name: 'default' }, spec: { nodeToNodeMesh: false } });
    try {
      await waitFor('every node on the reflector', converged(() => [rr.ipv4]), 40_000, 250);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${logs()}`);
    }
    // SIGTERM: Cease to every peer and exit 0 (contract 0).
    await Promise.all(procs.map((p) => p.stop()));
    assert.deepEqual(procs.map((p) => p.child.exitCode), [0, 0, 0, 0], logs());
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    lab?.cleanup();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two dual-stack node agents: IPv4 and IPv6 blocks over their own sessions; SIGKILL and restart keep the peer\'s routes (RFC 4724)', { skip: skipReason('netns'), timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-node6-'));
  const file = path.join(dir, 'datastore.json');
  const store = new EmbeddedDatastore({ path: file });
  let lab: Lab | undefined;
  const procs: ReflectorProcess[] = [];
  const logs = () => procs.map((p) => p.log().split('\n').slice(-15).join('\n')).join('\n----\n');
  try {
    lab = createLab(2, 'node6');
    const [h1, h2] = lab.hosts as [Lab['hosts'][number], Lab['hosts'][number]];
    await putResource(store, { apiVersion: 'vroute/v1', kind: 'IPPool', metadata: { name: 'v4' }, spec: { cidr: '10.233.0.0/16', blockSize: 26, disabled: false } });
    await putResource(store, { apiVersion: 'vroute/v1', kind: 'IPPool', metadata: { name: 'v6' }, spec: { cidr: '2001:db8:100::/48', blockSize: 122, disabled: false } });
    for (const n of ['n1', 'n2']) {
      await allocate(store, { node: n });
      await allocate(store, { node: n, family: 6 });
    }
    const start = (h: typeof h1, name: string) => spawnNode(h.ns, ['--name', name, '--ip', h.ipv4, '--ip6', h.ipv6, '--datastore', `embedded:${file}`, '--no-fib', '--api', '127.0.0.1:8179']);
    procs.push(start(h1, 'n1'), start(h2, 'n2'));
    const routes = (h: typeof h1, family: string) => routesIn(h.ns, '127.0.0.1:8179', family).filter((r) => r.best && r.from !== 'local');
    const view = (h: typeof h1) => [...routes(h, 'ipv4-unicast'), ...routes(h, 'ipv6-unicast')].map((r) => `${r.prefix} ${r.nextHop}${r.stale ? ' stale' : ''}`).sort();
    const want1 = ['10.233.0.64/26 192.0.2.2', '2001:db8:100::40/122 2001:db8::2'];
    const want2 = ['10.233.0.0/26 192.0.2.1', '2001:db8:100::/122 2001:db8::1'];
    try {
      await waitFor('both families both ways', () => {
        const s = vrouteJson<Status>(h1.ns, 'status', '--api', '127.0.0.1:8179');
        return s.sessions.filter((x) => x.state === 'Established').length === 2 && s.fib.installed === 4
          && JSON.stringify(view(h1)) === JSON.stringify(want1) && JSON.stringify(view(h2)) === JSON.stringify(want2) ? true : undefined;
      }, 40_000, 250);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${logs()}`);
    }
    // SIGKILL n2: no NOTIFICATION, so n1 (the helper) keeps n2's routes as stale for its
    // Restart Time instead of dropping them.
    procs[1]!.kill();
    await new Promise<void>((r) => procs[1]!.child.once('exit', () => r()));
    await waitFor('n1 sees the sessions drop', () => {
      const s = vrouteJson<Status>(h1.ns, 'status', '--api', '127.0.0.1:8179');
      return s.sessions.every((x) => x.state !== 'Established') ? true : undefined;
    }, 20_000, 200);
    assert.deepEqual(view(h1), want1.map((r) => `${r} stale`), 'n2\'s routes kept, stale (RFC 4724)');
    procs[1] = start(h2, 'n2');
    try {
      await waitFor('n2 back: routes fresh again', () => JSON.stringify(view(h1)) === JSON.stringify(want1) && JSON.stringify(view(h2)) === JSON.stringify(want2) ? true : undefined, 40_000, 250);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${logs()}`);
    }
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    lab?.cleanup();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
