// What a reflector registers (contract 4 `addresses`) and what node agents make of it
// (contract 6, mesh off): an IPv4 address and, when the reflector has one, an IPv6 address;
// dual-stack nodes get a session to each, an IPv4-only node peers over IPv4 and says why it
// leaves the IPv6 address out (no error, no failed session).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ConfigError, validateConfig, validateNodeConfig } from '../../src/config';
import { registeredAddresses, startReflector } from '../../src/reflector';
import { memoryFib, startNode } from '../../src/node';
import { familyNotCarried } from '../../src/node/peer-family';
import { createLogger, silentLogger } from '../../src/observability';
import { openDatastore, peersForNode, putResource, reflectorKey } from '../../src/datastore';
import { freePort } from '../helpers/etcd';
import { waitFor as waitUntil } from '../helpers/netns';

function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 15_000,
): Promise<T> {
  return waitUntil(what, async () => (await probe()) || undefined, ms, 50) as Promise<T>;
}

const base = { routerId: '10.0.0.1', asn: 65000 };
const addrs = (doc: Record<string, unknown>): string[] => registeredAddresses(validateConfig({ ...base, ...doc }));

function configError(doc: Record<string, unknown>): string {
  try {
    validateConfig({ ...base, ...doc });
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.message;
  }
  assert.fail('no error');
}

test('registeredAddresses: IPv4 (advertiseAddress, else the router ID) plus IPv6 (advertiseAddress6, else a specific IPv6 listen address)', () => {
  assert.deepEqual(addrs({ reflector: {} }), ['10.0.0.1']);
  assert.deepEqual(addrs({ reflector: { advertiseAddress: '192.0.2.10' } }), ['192.0.2.10']);
  assert.deepEqual(addrs({ reflector: { advertiseAddress6: '2001:db8::10' } }), ['10.0.0.1', '2001:db8::10']);
  assert.deepEqual(addrs({ reflector: { advertiseAddress: '192.0.2.10', advertiseAddress6: '2001:db8::10' } }), [
    '192.0.2.10',
    '2001:db8::10',
  ]);
  assert.deepEqual(addrs({ listen: { address: '2001:db8::11', port: 179 }, reflector: {} }), [
    '10.0.0.1',
    '2001:db8::11',
  ]);
  // A wildcard listener names no address: only the IPv4 one (set advertiseAddress6).
  assert.deepEqual(addrs({ listen: { address: '::', port: 179 }, reflector: {} }), ['10.0.0.1']);
  assert.deepEqual(addrs({ listen: { address: '0.0.0.0', port: 179 }, reflector: {} }), ['10.0.0.1']);
  // An IPv6 advertiseAddress alone is what it was: that one address.
  assert.deepEqual(
    addrs({ listen: { address: '2001:db8::11', port: 179 }, reflector: { advertiseAddress: '2001:db8::12' } }),
    ['2001:db8::12'],
  );
});

test('reflector.advertiseAddress6: one line naming the field for each bad value', () => {
  assert.match(
    configError({ reflector: { advertiseAddress6: '192.0.2.1' } }),
    /^reflector\.advertiseAddress6: 192\.0\.2\.1 is not an IPv6 address/,
  );
  assert.match(
    configError({ reflector: { advertiseAddress6: '::' } }),
    /^reflector\.advertiseAddress6: :: is not an address others can reach/,
  );
  assert.match(
    configError({ reflector: { advertiseAddress6: 'fe80::1' } }),
    /^reflector\.advertiseAddress6: .*link-local/,
  );
  assert.match(configError({ reflector: { advertiseAddress6: 'nope' } }), /^reflector\.advertiseAddress6: /);
  assert.match(
    configError({ reflector: { advertiseAddress: '2001:db8::1', advertiseAddress6: '2001:db8::2' } }),
    /^reflector\.advertiseAddress6: .*IPv6 already/,
  );
});

test('familyNotCarried: IPv6 mesh and reflector addresses are left out by a node without ip6; a BGPPeer is not', () => {
  assert.match(familyNotCarried({ peerIP: '2001:db8::9', source: 'reflector/rr1' }, undefined)!, /no ip6/);
  assert.match(familyNotCarried({ peerIP: '2001:db8::2', source: 'mesh/beta' }, undefined)!, /no ip6/);
  assert.equal(familyNotCarried({ peerIP: '2001:db8::9', source: 'reflector/rr1' }, '2001:db8::1'), undefined);
  assert.equal(familyNotCarried({ peerIP: '192.0.2.9', source: 'reflector/rr1' }, undefined), undefined);
  assert.equal(familyNotCarried({ peerIP: '2001:db8::9', source: 'bgppeer/tor' }, undefined), undefined);
});

test('a dual-stack reflector registers both addresses: a dual-stack node peers with both, an IPv4-only node over IPv4 with no error', async () => {
  const store = openDatastore('memory');
  const port = await freePort();
  await putResource(store, {
    apiVersion: 'vroute/v1',
    kind: 'BGPConfiguration',
    metadata: { name: 'default' },
    spec: { nodeToNodeMesh: false },
  });
  const rr = await startReflector(
    validateConfig({
      name: 'rr1',
      routerId: '127.0.0.9',
      asn: 64512,
      listen: { address: '127.0.0.9', port },
      reflector: { clusterId: '127.0.0.9', advertiseAddress6: '2001:db8::9' },
      datastore: 'memory',
      dynamicNeighbors: [{ prefix: '127.0.0.0/8', asn: 64512, routeReflectorClient: true, holdTime: 9 }],
    }),
    { logger: silentLogger, datastore: store },
  );
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      cb();
    },
  });
  let node: Awaited<ReturnType<typeof startNode>> | undefined;
  try {
    await rr.registration!.ready;
    const rec = JSON.parse((await store.get(reflectorKey('rr1')))!.value) as { addresses: string[] };
    assert.deepEqual(rec.addresses, ['127.0.0.9', '2001:db8::9']);
    // What a dual-stack node would peer with: both, each a plain iBGP session to the reflector.
    await putResource(store, {
      apiVersion: 'vroute/v1',
      kind: 'Node',
      metadata: { name: 'ds' },
      spec: { bgp: { ipv4Address: '192.0.2.5', ipv6Address: '2001:db8::5' } },
    });
    const ds = await peersForNode(store, 'ds', undefined, { reflectorsWhenMeshOff: true });
    assert.deepEqual(
      ds.map((p) => [p.peerIP, p.source, p.asNumber]),
      [
        ['127.0.0.9', 'reflector/rr1', 64512],
        ['2001:db8::9', 'reflector/rr1', 64512],
      ],
    );
    // A real IPv4-only agent: the IPv4 session comes up, the IPv6 address is skipped with a reason.
    const cfg = validateNodeConfig({
      name: 'v4only',
      ip: '127.0.0.1',
      port,
      fib: false,
      api: false,
      datastore: 'memory',
    });
    node = await startNode(cfg, {
      logger: createLogger({ level: 'info', destination }),
      datastore: store,
      fib: memoryFib(),
      syncTimeoutMs: 5000,
      reflectorGraceMs: 0,
    });
    const n = node;
    await waitFor('the IPv4 session to the reflector', () =>
      n.speaker.peers().some((p) => p.config.address === '127.0.0.9' && p.state === 'Established'),
    );
    await waitFor('the skip logged', () => lines.some((l) => l.peer === '2001:db8::9' && /no ip6/.test(String(l.msg))));
    assert.deepEqual(
      n.speaker.peers().map((p) => p.config.address),
      ['127.0.0.9'],
    );
    assert.deepEqual(
      lines.filter((l) => Number(l.level) >= 50).map((l) => l.msg),
      [],
      'no error logged',
    );
  } finally {
    await node?.stop();
    await rr.stop();
    await store.close();
  }
});
