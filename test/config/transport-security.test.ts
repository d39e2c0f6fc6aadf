// password (RFC 2385 TCP-MD5) and ttlSecurity (RFC 5082 GTSM) on neighbors, dynamic ranges and
// BGPPeer resources: validated naming the field, and carried to the session (never dropped).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, validateConfig } from '../../src/config';
import { validateResource } from '../../src/datastore/resources/validate';
import { computePeers } from '../../src/datastore/resources/peers';
import type { Resource } from '../../src/datastore/resources/types';
import { datastorePeerToSession, neighborToSession } from '../../src/routing';

const base = { routerId: '10.0.0.1', asn: 65000 };

test('neighbors and dynamic ranges take password and ttlSecurity; the session config carries them', () => {
  const cfg = validateConfig({
    ...base,
    neighbors: [
      { address: '10.0.0.2', asn: 65001, password: 'tor-key', ttlSecurity: 1 },
      { address: '10.0.0.3', asn: 65000 },
    ],
    dynamicNeighbors: [{ prefix: '10.1.0.0/16', asn: 65000, password: 'range-key', ttlSecurity: 2 }],
  });
  assert.equal(cfg.neighbors[0]!.password, 'tor-key');
  assert.equal(cfg.neighbors[0]!.ttlSecurity, 1);
  assert.equal(cfg.dynamicNeighbors[0]!.password, 'range-key');
  assert.equal(cfg.dynamicNeighbors[0]!.ttlSecurity, 2);
  const s = neighborToSession(cfg.neighbors[0]!);
  assert.equal(s.password, 'tor-key');
  assert.equal(s.ttlSecurity, 1);
  const plain = neighborToSession(cfg.neighbors[1]!);
  assert.equal('password' in plain || 'ttlSecurity' in plain, false);
});

const bad: Array<[string, unknown, string]> = [
  [
    'ttlSecurity 0',
    { address: '10.0.0.2', asn: 1, ttlSecurity: 0 },
    'neighbors[0].ttlSecurity: 0 is not a hop count from 1 to 254',
  ],
  [
    'ttlSecurity 255',
    { address: '10.0.0.2', asn: 1, ttlSecurity: 255 },
    'neighbors[0].ttlSecurity: 255 is not a hop count from 1 to 254',
  ],
  [
    'ttlSecurity text',
    { address: '10.0.0.2', asn: 1, ttlSecurity: '1' },
    'neighbors[0].ttlSecurity: "1" is not a hop count',
  ],
  [
    'empty password',
    { address: '10.0.0.2', asn: 1, password: '' },
    'neighbors[0].password: "" is not a non-empty string',
  ],
  [
    'password number',
    { address: '10.0.0.2', asn: 1, password: 1234 },
    'neighbors[0].password: 1234 is not a non-empty string',
  ],
  [
    'password 81 octets',
    { address: '10.0.0.2', asn: 1, password: 'x'.repeat(81) },
    'neighbors[0].password: is 81 octets; a TCP-MD5 key is at most 80',
  ],
];
for (const [name, n, msg] of bad) {
  test(`config error names the field: ${name}`, () => {
    assert.throws(
      () => validateConfig({ ...base, neighbors: [n] }),
      (e: unknown) => e instanceof ConfigError && e.message.startsWith(msg),
    );
  });
}

test('a dynamic range with a bad ttlSecurity is an error naming it', () => {
  assert.throws(
    () => validateConfig({ ...base, dynamicNeighbors: [{ prefix: '10.1.0.0/16', asn: 1, ttlSecurity: 300 }] }),
    (e: unknown) =>
      e instanceof ConfigError && e.message.startsWith('dynamicNeighbors[0].ttlSecurity: 300 is not a hop count'),
  );
});

const peer = (spec: Record<string, unknown>) => ({
  apiVersion: 'vroute/v1',
  kind: 'BGPPeer',
  metadata: { name: 'tor-a' },
  spec,
});

test('BGPPeer spec.password, spec.ttlSecurity and spec.localAddress reach the session (no longer dropped)', () => {
  const r = validateResource(
    peer({ peerIP: '10.0.0.254', asNumber: 64512, password: 'k3y', ttlSecurity: 1, localAddress: '10.0.0.1' }),
  ) as Resource;
  const [eff] = computePeers({ peers: [r], nodes: [] }, 'rr1', {});
  const s = datastorePeerToSession(eff!);
  assert.equal(s.password, 'k3y');
  assert.equal(s.ttlSecurity, 1);
  assert.equal(s.localAddress, '10.0.0.1');
});

for (const [spec, msg] of [
  [{ ttlSecurity: 0 }, 'spec.ttlSecurity: 0 is not an integer in 1..254'],
  [{ ttlSecurity: 255 }, 'spec.ttlSecurity: 255 is not an integer in 1..254'],
  [{ password: 'y'.repeat(81) }, 'spec.password: is 81 octets; a TCP-MD5 key is at most 80'],
  [{ localAddress: '10.0.0.300' }, 'spec.localAddress: "10.0.0.300" is not an IP address'],
] as const) {
  test(`BGPPeer ${JSON.stringify(spec).slice(0, 40)} is refused naming the field`, () => {
    assert.throws(
      () => validateResource(peer({ peerIP: '10.0.0.1', asNumber: 1, ...spec })),
      (e: Error) => e.name === 'ResourceError' && e.message.startsWith(`BGPPeer tor-a: ${msg}`),
    );
  });
}
