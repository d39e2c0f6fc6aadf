// Config fields for bounded churn: dynamic-range defaults (maxPeers, maxPrefixes), the RFC 9687
// sendHoldTime, and their errors naming the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig, ConfigError } from '../../src/config';
import { neighborToSession } from '../../src/routing';

const base = { routerId: '10.0.0.1', asn: 65000 };

test('dynamic ranges default to maxPeers 100 and maxPrefixes 100000; both can be set', () => {
  const c = validateConfig({
    ...base,
    dynamicNeighbors: [
      { prefix: '10.0.0.0/16', asn: 65000 },
      { prefix: '10.1.0.0/16', asn: 65000, maxPeers: 5, maxPrefixes: 2000000, sendHoldTime: 30 },
    ],
  });
  assert.equal(c.dynamicNeighbors[0]!.maxPeers, 100);
  assert.equal(c.dynamicNeighbors[0]!.maxPrefixes, 100000);
  assert.equal(c.dynamicNeighbors[0]!.sendHoldTime, undefined);
  assert.equal(c.dynamicNeighbors[1]!.maxPeers, 5);
  assert.equal(c.dynamicNeighbors[1]!.maxPrefixes, 2000000);
  assert.equal(c.dynamicNeighbors[1]!.sendHoldTime, 30);
});

test('neighbors take sendHoldTime into the session config', () => {
  const c = validateConfig({
    ...base,
    neighbors: [
      { address: '10.0.0.2', asn: 65000, sendHoldTime: 20 },
      { address: '10.0.0.3', asn: 65000 },
    ],
  });
  assert.equal(neighborToSession(c.neighbors[0]!).sendHoldTime, 20);
  assert.equal(neighborToSession(c.neighbors[1]!).sendHoldTime, undefined);
});

const bad: Array<[string, unknown, string]> = [
  [
    'maxPeers 0',
    { ...base, dynamicNeighbors: [{ prefix: '10.0.0.0/16', asn: 1, maxPeers: 0 }] },
    'dynamicNeighbors[0].maxPeers:',
  ],
  [
    'maxPeers text',
    { ...base, dynamicNeighbors: [{ prefix: '10.0.0.0/16', asn: 1, maxPeers: 'many' }] },
    'dynamicNeighbors[0].maxPeers:',
  ],
  [
    'sendHoldTime 0',
    { ...base, neighbors: [{ address: '10.0.0.2', asn: 1, sendHoldTime: 0 }] },
    'neighbors[0].sendHoldTime:',
  ],
  ['advertiseAddress wildcard', { ...base, reflector: { advertiseAddress: '::' } }, 'reflector.advertiseAddress:'],
  ['advertiseAddress not an IP', { ...base, reflector: { advertiseAddress: 'rr1' } }, 'reflector.advertiseAddress:'],
];
for (const [name, doc, field] of bad) {
  test(`config error names the field: ${name}`, () => {
    assert.throws(
      () => validateConfig(doc),
      (e: unknown) => e instanceof ConfigError && e.message.startsWith(field),
    );
  });
}
