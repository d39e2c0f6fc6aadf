// Names and parsing that need no root: host interface names, workload MACs, the CNI
// environment and network configuration checks, and how a reported status prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeStatus, endpointStatus, hostInterfaceName, workloadMac } from '../../src/cni';
import { parseNetConf, readEnv } from '../../src/cni/cni-config';
import { CniError } from '../../src/cni/cni-errors';
import { EmbeddedDatastore } from '../../src/datastore/embedded';

test('host interface names: vr + 11 hex of the endpoint ID, stable, within IFNAMSIZ', () => {
  const a = hostInterfaceName('alpha.workload-A.eth0');
  assert.match(a, /^vr[0-9a-f]{11}$/);
  assert.ok(a.length <= 15);
  assert.equal(hostInterfaceName('alpha.workload-A.eth0'), a);
  assert.notEqual(hostInterfaceName('alpha.workload-B.eth0'), a);
});

test('workload MACs are locally administered unicast (IEEE 802 8.2)', () => {
  for (const id of ['a', 'alpha.workload-A.eth0', 'x'.repeat(200)]) {
    const mac = workloadMac(id);
    assert.match(mac, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    const first = parseInt(mac.slice(0, 2), 16);
    assert.equal(first & 1, 0, 'unicast');
    assert.equal(first & 2, 2, 'locally administered');
  }
});

const code = (fn: () => unknown): number => {
  try {
    fn();
  } catch (e) {
    if (e instanceof CniError) return e.code;
    throw e;
  }
  return 0;
};

test('CNI environment: required variables per command, container IDs and interface names checked', () => {
  assert.equal(
    code(() => readEnv({})),
    4,
  );
  assert.deepEqual(readEnv({ CNI_COMMAND: 'VERSION' }), { command: 'VERSION' });
  const base = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'abc', CNI_IFNAME: 'eth0', CNI_NETNS: '/run/netns/x' };
  assert.deepEqual(readEnv(base), { command: 'ADD', containerId: 'abc', ifname: 'eth0', netns: '/run/netns/x' });
  assert.equal(
    code(() => readEnv({ ...base, CNI_NETNS: '' })),
    4,
  );
  assert.deepEqual(readEnv({ ...base, CNI_COMMAND: 'DEL', CNI_NETNS: '' }), {
    command: 'DEL',
    containerId: 'abc',
    ifname: 'eth0',
    netns: undefined,
  });
  assert.equal(
    code(() => readEnv({ ...base, CNI_CONTAINERID: '-x' })),
    4,
  );
  assert.equal(
    code(() => readEnv({ ...base, CNI_IFNAME: 'a/b' })),
    4,
  );
  assert.equal(
    code(() => readEnv({ ...base, CNI_IFNAME: 'x'.repeat(16) })),
    4,
  );
});

test('CNI network configuration: versions, fields, ipam.pool, nodename default', () => {
  const ok = { cniVersion: '1.0.0', name: 'n', type: 'vroute-cni', datastore: 'memory' };
  assert.deepEqual(parseNetConf(JSON.stringify(ok), 'ADD', { VROUTE_NODE: 'beta' }), { ...ok, nodename: 'beta' });
  assert.equal(
    parseNetConf(JSON.stringify({ ...ok, ipam: { pool: '10.0.0.0/8' }, nodename: 'a' }), 'ADD', {}).pool,
    '10.0.0.0/8',
  );
  assert.equal(
    code(() => parseNetConf('{', 'ADD')),
    6,
  );
  assert.equal(
    code(() => parseNetConf('"x"', 'ADD')),
    6,
  );
  assert.equal(
    code(() => parseNetConf(JSON.stringify({ ...ok, cniVersion: '0.3.1' }), 'ADD')),
    1,
  );
  assert.equal(
    code(() => parseNetConf(JSON.stringify({ ...ok, cniVersion: 1 }), 'ADD')),
    7,
  );
  assert.equal(
    code(() => parseNetConf(JSON.stringify({ ...ok, bridge: 'br0' }), 'ADD')),
    2,
  );
  assert.equal(
    code(() => parseNetConf(JSON.stringify({ ...ok, ipam: { pool: 'x' } }), 'ADD')),
    7,
  );
  assert.equal(
    code(() => parseNetConf(JSON.stringify({ ...ok, name: undefined }), 'ADD')),
    7,
  );
  assert.equal(
    code(() => parseNetConf(JSON.stringify({ ...ok, nodename: 'a b' }), 'ADD')),
    7,
  );
  // Runtime-injected fields are accepted.
  assert.equal(
    code(() =>
      parseNetConf(
        JSON.stringify({ ...ok, runtimeConfig: {}, args: {}, prevResult: {}, 'cni.dev/valid-attachments': [] }),
        'ADD',
      ),
    ),
    0,
  );
});

test("endpoint status: its own key, or an entry of the node's status document; else none", async () => {
  assert.equal(describeStatus('up'), 'up');
  assert.equal(describeStatus({ status: 'error', reason: 'nft: no such set' }), 'error: nft: no such set');
  assert.equal(describeStatus(undefined), undefined);
  const ds = new EmbeddedDatastore();
  assert.equal(await endpointStatus(ds, 'alpha', 'alpha.w.eth0'), undefined);
  await ds.put(
    '/vroute/v1/status/alpha',
    JSON.stringify({ node: 'alpha', status: { endpoints: { 'alpha.w.eth0': { status: 'down' } } } }),
  );
  assert.equal(await endpointStatus(ds, 'alpha', 'alpha.w.eth0'), 'down');
  assert.equal(await endpointStatus(ds, 'alphabet', 'alpha.w.eth0'), undefined);
  // The dataplane's layout: status/<node>/endpoint/<ID> = {endpoint, node, state, reason}.
  await ds.put(
    '/vroute/v1/status/alpha/endpoint/alpha.w.eth0',
    JSON.stringify({ endpoint: 'alpha.w.eth0', node: 'alpha', state: 'up', reason: null }),
  );
  assert.equal(await endpointStatus(ds, 'alpha', 'alpha.w.eth0'), 'up');
  await ds.put(
    '/vroute/v1/status/alpha/endpoint/alpha.w.eth0',
    JSON.stringify({
      endpoint: 'alpha.w.eth0',
      node: 'alpha',
      state: 'error',
      reason: 'interface vr0123456789a missing',
    }),
  );
  assert.equal(await endpointStatus(ds, 'alpha', 'alpha.w.eth0'), 'error: interface vr0123456789a missing');
  await ds.put(
    '/vroute/v1/status/alpha/dataplane',
    JSON.stringify({ node: 'alpha', endpoints: { up: 0, down: 0, error: 1 } }),
  );
  assert.equal(
    await endpointStatus(ds, 'alpha', 'alpha.w.eth0'),
    'error: interface vr0123456789a missing',
    "the node document's counters are not an endpoint",
  );
  await ds.close();
});
