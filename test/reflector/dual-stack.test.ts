// A dual-stack reflector as operators run it, in network namespaces: `vroute reflector` on the
// `::` listener registers its IPv4 address and (advertiseAddress6) its IPv6 one; two dual-stack
// `vroute node` agents with the mesh off find both in the datastore and peer with the
// reflector over IPv4 and over IPv6 (ipv4-unicast on the one, ipv6-unicast on the other): each
// learns the other's IPv4 block and IPv6 block, next hop the other host's address of that
// family. Then the reflector's IPv6 session alone is what carries the IPv6 routes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { skipReason } from '../helpers/env';
import { createLab, waitFor, type Lab } from '../helpers/netns';
import { spawnDualStackNode, spawnReflector, vrouteJson, routesIn, type ReflectorProcess } from '../helpers/vroute';
import { EmbeddedDatastore, putResource } from '../../src/datastore';
import { dualStackBlocks } from '../helpers/node-lab';

interface Status {
  sessions: Array<{ peer: string; state: string }>;
}

test('dual-stack reflector: registered over IPv4 and IPv6, dual-stack nodes peer over both and learn both families', {
  skip: skipReason('netns'),
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-rr6-'));
  const file = path.join(dir, 'datastore.json');
  const ds = `embedded:${file}`;
  const store = new EmbeddedDatastore({ path: file });
  let lab: Lab | undefined;
  const procs: ReflectorProcess[] = [];
  const logs = () => procs.map((p) => p.log().split('\n').slice(-15).join('\n')).join('\n----\n');
  try {
    lab = createLab(3, 'rr6');
    const [h1, h2, rr] = lab.hosts as [Lab['hosts'][number], Lab['hosts'][number], Lab['hosts'][number]];
    await putResource(store, {
      apiVersion: 'vroute/v1',
      kind: 'BGPConfiguration',
      metadata: { name: 'default' },
      spec: { nodeToNodeMesh: false },
    });
    await dualStackBlocks(store, ['n1', 'n2']);
    procs.push(
      spawnReflector(rr.ns, dir, {
        name: 'rr1',
        routerId: rr.ipv4,
        asn: 64512,
        listen: { address: '::', port: 179 },
        reflector: { clusterId: rr.ipv4, advertiseAddress: rr.ipv4, advertiseAddress6: rr.ipv6 },
        datastore: ds,
        api: '127.0.0.1:8179',
        log: 'warn',
        dynamicNeighbors: [
          { prefix: '192.0.2.0/24', asn: 64512, routeReflectorClient: true, families: ['ipv4-unicast'] },
          { prefix: '2001:db8::/64', asn: 64512, routeReflectorClient: true, families: ['ipv6-unicast'] },
        ],
      }),
    );
    const reg = await waitFor(
      'the reflector registered',
      async () => (await store.get('/vroute/v1/reflector/rr1')) ?? undefined,
      15_000,
      200,
    );
    assert.deepEqual((JSON.parse(reg.value) as { addresses: string[] }).addresses, [rr.ipv4, rr.ipv6]);
    const start = (h: typeof h1, name: string) => spawnDualStackNode(h, name, ds);
    procs.push(start(h1, 'n1'), start(h2, 'n2'));
    const up = (h: typeof h1) =>
      vrouteJson<Status>(h.ns, 'status', '--api', '127.0.0.1:8179')
        .sessions.filter((x) => x.state === 'Established')
        .map((x) => x.peer)
        .sort();
    const routes = (h: typeof h1, family: string) =>
      routesIn(h.ns, '127.0.0.1:8179', family)
        .filter((r) => r.best && r.from !== 'local')
        .map((r) => `${r.prefix} ${r.nextHop} from ${r.from}`)
        .sort();
    const want = {
      n1: {
        v4: [`10.233.0.64/26 ${h2.ipv4} from ${rr.ipv4}`],
        v6: [`2001:db8:100::40/122 ${h2.ipv6} from ${rr.ipv6}`],
      },
      n2: { v4: [`10.233.0.0/26 ${h1.ipv4} from ${rr.ipv4}`], v6: [`2001:db8:100::/122 ${h1.ipv6} from ${rr.ipv6}`] },
    };
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    try {
      await waitFor(
        'both nodes on the reflector over IPv4 and IPv6, both families learned',
        () => {
          for (const [h, w] of [
            [h1, want.n1],
            [h2, want.n2],
          ] as const) {
            if (!same(up(h), [rr.ipv4, rr.ipv6].sort())) return undefined;
            if (!same(routes(h, 'ipv4-unicast'), w.v4) || !same(routes(h, 'ipv6-unicast'), w.v6)) return undefined;
          }
          return true;
        },
        60_000,
        250,
      );
    } catch (e) {
      throw new Error(
        `${(e as Error).message}\nn1 up ${JSON.stringify(up(h1))} v4 ${JSON.stringify(routes(h1, 'ipv4-unicast'))} v6 ${JSON.stringify(routes(h1, 'ipv6-unicast'))}\n${logs()}`,
      );
    }
    // The reflector sees each node twice: from its IPv4 and from its IPv6 address.
    assert.deepEqual(up(rr), [h1.ipv4, h2.ipv4, h1.ipv6, h2.ipv6].sort());
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    lab?.cleanup();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
