// startDataplane with a memory datastore and fake drivers (no root): local endpoints get
// their interfaces configured and routes set, remote ones only feed tag sets; statuses go to
// the datastore under status/<node>/...; removal undoes everything; failures are retried and
// reported; nothing runs before the datastore is synced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddedDatastore } from '../../src/datastore/embedded';
import { resourceKey } from '../../src/datastore';
import {
  FakeInterfaces,
  FakeRouteTable,
  dataplaneStatusKey,
  endpointStatusKey,
  startDataplane,
  type NftRunner,
} from '../../src/dataplane';
import { listChain } from '../../src/dataplane/names';
import { createLogger } from '../../src/observability';
import { waitFor } from '../helpers/netns';

class FakeNft implements NftRunner {
  scripts: string[] = [];
  lists = 0;
  fail: string | undefined;
  async apply(script: string): Promise<void> {
    if (this.fail) throw new Error(this.fail);
    this.scripts.push(script);
  }
  async list(): Promise<string | undefined> {
    this.lists++;
    return undefined;
  }
  async listChain(): Promise<string | undefined> {
    return undefined;
  }
}

const log = createLogger({ level: 'silent' });

/** The dataplane of node alpha over the fakes of setup(), applying every 10 ms. */
function startAlpha(
  f: { store: EmbeddedDatastore; nft: FakeNft; routes: FakeRouteTable; ifaces: FakeInterfaces },
  extra: { downRetryMs?: number } = {},
) {
  return startDataplane({
    store: f.store,
    nodeName: 'alpha',
    log,
    nft: f.nft,
    routes: f.routes,
    interfaces: f.ifaces,
    minIntervalMs: 10,
    statusIntervalMs: 10,
    ...extra,
  });
}

async function setup(): Promise<{
  store: EmbeddedDatastore;
  nft: FakeNft;
  routes: FakeRouteTable;
  ifaces: FakeInterfaces;
}> {
  const store = new EmbeddedDatastore();
  const put = (kind: 'WorkloadEndpoint' | 'Profile', name: string, spec: object): Promise<number> =>
    store.put(resourceKey(kind, name), JSON.stringify({ apiVersion: 'vroute/v1', kind, metadata: { name }, spec }));
  await put('Profile', 'PROF_A', { inbound: [{ action: 'allow', srcTag: 'PROF_A' }], outbound: [{ action: 'allow' }] });
  await put('WorkloadEndpoint', 'alpha.a.eth0', {
    node: 'alpha',
    interfaceName: 'vra',
    mac: 'ee:ee:ee:ee:ee:01',
    ipNetworks: ['192.168.1.1/32', '2001:db8::1/128'],
    profiles: ['PROF_A'],
  });
  await put('WorkloadEndpoint', 'beta.e.eth0', {
    node: 'beta',
    interfaceName: 'vre',
    ipNetworks: ['192.168.1.5/32'],
    profiles: ['PROF_A'],
  });
  return { store, nft: new FakeNft(), routes: new FakeRouteTable(), ifaces: new FakeInterfaces() };
}

const put = (
  store: EmbeddedDatastore,
  kind: 'WorkloadEndpoint' | 'Profile',
  name: string,
  spec: object,
): Promise<number> =>
  store.put(resourceKey(kind, name), JSON.stringify({ apiVersion: 'vroute/v1', kind, metadata: { name }, spec }));

async function statusOf(
  store: EmbeddedDatastore,
  name: string,
): Promise<{ state: string; reason: string | null } | undefined> {
  const kv = await store.get(endpointStatusKey('alpha', name));
  return kv ? JSON.parse(kv.value) : undefined;
}

test('a local endpoint: interface configured, routes set, ACLs in one transaction, status up', async () => {
  const { store, nft, routes, ifaces } = await setup();
  const dp = await startAlpha({ store, nft, routes, ifaces });
  try {
    await dp.applied();
    assert.deepEqual(
      [...routes.kernel],
      [
        ['192.168.1.1/32', 'vra'],
        ['2001:db8::1/128', 'vra'],
      ],
    );
    assert.deepEqual(ifaces.configured.get('vra'), {
      ifname: 'vra',
      v4: ['192.168.1.1'],
      v6: ['2001:db8::1'],
      mac: 'ee:ee:ee:ee:ee:01',
    });
    assert.equal(ifaces.configured.has('vre'), false, 'a remote endpoint is not ours to configure');
    assert.equal(nft.scripts.length, 1, 'one transaction');
    assert.match(nft.scripts[0]!, /add element inet vroute tag4-PROF_A \{ 192\.168\.1\.1, 192\.168\.1\.5 \}/);
    assert.doesNotMatch(nft.scripts[0]!, /"vre"/);
    assert.equal(nft.lists, 1, 'the first apply read the kernel');
    await waitFor(
      'status up',
      async () => ((await statusOf(store, 'alpha.a.eth0'))?.state === 'up' ? true : undefined),
      3000,
      10,
    );
    assert.equal(dp.status().endpointStates['alpha.a.eth0']!.state, 'up');
    await waitFor('node status', async () => (await store.get(dataplaneStatusKey('alpha'))) ?? undefined, 3000, 10);
    const node = JSON.parse((await store.get(dataplaneStatusKey('alpha')))!.value);
    assert.equal(node.node, 'alpha');
    assert.equal(typeof node.lastApply, 'string');
    assert.equal(node.failures, 0);
    // A remote workload joining the tag: one element, nothing else.
    await put(store, 'WorkloadEndpoint', 'beta.d.eth0', {
      node: 'beta',
      interfaceName: 'vrd',
      ipNetworks: ['192.168.1.4/32'],
      profiles: ['PROF_A'],
    });
    await dp.applied();
    assert.deepEqual(nft.scripts.slice(1), [
      'add table inet vroute\nadd element inet vroute tag4-PROF_A { 192.168.1.4 }\n',
    ]);
    assert.equal(ifaces.configured.size, 1);
  } finally {
    await dp.stop();
    await store.close();
  }
});

test('removal undoes the interface, routes, chains and status; a missing interface is down', async () => {
  const { store, nft, routes, ifaces } = await setup();
  ifaces.missing.add('vrx');
  await put(store, 'WorkloadEndpoint', 'alpha.x.eth0', {
    node: 'alpha',
    interfaceName: 'vrx',
    ipNetworks: ['192.168.1.9/32'],
    profiles: [],
  });
  const dp = await startAlpha({ store, nft, routes, ifaces }, { downRetryMs: 20 });
  try {
    await dp.applied();
    await waitFor(
      'x down',
      async () => ((await statusOf(store, 'alpha.x.eth0'))?.state === 'down' ? true : undefined),
      3000,
      10,
    );
    assert.match((await statusOf(store, 'alpha.x.eth0'))!.reason!, /interface vrx does not exist/);
    assert.equal(routes.kernel.has('192.168.1.9/32'), false, 'no route through a missing interface');
    // The interface appears: the endpoint comes up without any datastore change.
    ifaces.missing.delete('vrx');
    await waitFor(
      'x up',
      async () => ((await statusOf(store, 'alpha.x.eth0'))?.state === 'up' ? true : undefined),
      3000,
      10,
    );
    assert.equal(routes.kernel.get('192.168.1.9/32'), 'vrx');
    await store.delete(resourceKey('WorkloadEndpoint', 'alpha.a.eth0'));
    await dp.applied();
    assert.equal(routes.kernel.has('192.168.1.1/32'), false);
    assert.equal(routes.kernel.has('2001:db8::1/128'), false);
    assert.equal(ifaces.configured.has('vra'), false, 'unconfigured');
    const last = nft.scripts.at(-1)!;
    // PROF_A is used by no local endpoint any more: its chains and tag sets go whole.
    assert.match(last, /flush chain inet vroute pi-PROF_A\ndelete chain inet vroute pi-PROF_A/);
    assert.match(last, /delete set inet vroute tag4-PROF_A\n/);
    assert.match(last, /delete element inet vroute to-ep \{ "vra" \}/);
    const listIn = listChain('in', ['PROF_A']);
    assert.ok(last.includes(`flush chain inet vroute ${listIn}\ndelete chain inet vroute ${listIn}`), last);
    await waitFor('status deleted', async () => ((await statusOf(store, 'alpha.a.eth0')) ? undefined : true), 3000, 10);
  } finally {
    await dp.stop();
    await store.close();
  }
});

test('failures: a bad profile is an error naming the field; a failing nft is retried, reported, then recovers', async () => {
  const { store, nft, routes, ifaces } = await setup();
  const dp = await startAlpha({ store, nft, routes, ifaces });
  try {
    await dp.applied();
    await put(store, 'WorkloadEndpoint', 'alpha.bad.eth0', {
      node: 'alpha',
      interfaceName: 'vrbad',
      ipNetworks: ['10.0.0.0/24'],
      profiles: [],
    });
    await waitFor(
      'bad error',
      async () => ((await statusOf(store, 'alpha.bad.eth0'))?.state === 'error' ? true : undefined),
      3000,
      10,
    );
    assert.match(
      (await statusOf(store, 'alpha.bad.eth0'))!.reason!,
      /spec\.ipNetworks\[0\]: "10\.0\.0\.0\/24" is not a \/32 or \/128 network/,
    );
    nft.fail = 'nft: Error: Could not process rule: No buffer space available';
    const lists = nft.lists;
    await put(store, 'Profile', 'PROF_A', { inbound: [{ action: 'allow', protocol: 'tcp', dstPorts: [80] }] });
    await waitFor('failures counted', () => (dp.status().consecutiveFailures >= 2 ? true : undefined), 5000, 10);
    assert.equal(dp.status().lastError, nft.fail);
    assert.ok(nft.lists > lists, 'retries re-read the kernel');
    nft.fail = undefined;
    await dp.applied();
    assert.equal(dp.status().consecutiveFailures, 0);
    assert.match(nft.scripts.at(-1)!, /tcp dport 80 accept/);
    routes.failing.set('192.168.1.1/32', 'RTNETLINK answers: File exists');
    await put(store, 'WorkloadEndpoint', 'alpha.a.eth0', {
      node: 'alpha',
      interfaceName: 'vra',
      ipNetworks: ['192.168.1.1/32'],
      profiles: ['PROF_A'],
    });
    await waitFor(
      'route error',
      async () => (/^route /.test((await statusOf(store, 'alpha.a.eth0'))?.reason ?? '') ? true : undefined),
      3000,
      10,
    );
    const s = (await statusOf(store, 'alpha.a.eth0'))!;
    assert.equal(s.state, 'error');
    assert.equal(s.reason, 'route 192.168.1.1/32: RTNETLINK answers: File exists');
  } finally {
    await dp.stop();
    await store.close();
  }
});

test('two local endpoints naming one interface: the first keeps it, the second is an error until it is free', async () => {
  const { store, nft, routes, ifaces } = await setup();
  await put(store, 'WorkloadEndpoint', 'alpha.z.eth0', {
    node: 'alpha',
    interfaceName: 'vra',
    ipNetworks: ['192.168.1.7/32'],
    profiles: [],
  });
  const dp = await startAlpha({ store, nft, routes, ifaces });
  try {
    await dp.applied();
    await waitFor(
      'z error',
      async () => ((await statusOf(store, 'alpha.z.eth0'))?.state === 'error' ? true : undefined),
      3000,
      10,
    );
    assert.match(
      (await statusOf(store, 'alpha.z.eth0'))!.reason!,
      /spec\.interfaceName: vra is already the interface of endpoint alpha\.a\.eth0/,
    );
    assert.equal(routes.kernel.get('192.168.1.1/32'), 'vra');
    assert.equal(routes.kernel.has('192.168.1.7/32'), false);
    await store.delete(resourceKey('WorkloadEndpoint', 'alpha.a.eth0'));
    await waitFor(
      'z up',
      async () => ((await statusOf(store, 'alpha.z.eth0'))?.state === 'up' ? true : undefined),
      3000,
      10,
    );
    assert.equal(routes.kernel.get('192.168.1.7/32'), 'vra');
    assert.equal(routes.kernel.has('192.168.1.1/32'), false);
  } finally {
    await dp.stop();
    await store.close();
  }
});
