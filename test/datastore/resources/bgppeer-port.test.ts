// BGPPeer spec.port: validated (1..65535), carried into the effective peer; absent stays absent
// (the daemon then connects to 179).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateResource } from '../../../src/datastore/resources/validate';
import { computePeers } from '../../../src/datastore/resources/peers';
import type { Resource } from '../../../src/datastore/resources/types';

const peer = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'vroute/v1',
  kind: 'BGPPeer',
  metadata: { name },
  spec,
});

test('BGPPeer spec.port validates and reaches the effective peer', () => {
  const withPort = validateResource(peer('tor-a', { peerIP: '10.0.0.254', asNumber: 64512, port: 1179 })) as Resource;
  const without = validateResource(peer('tor-b', { peerIP: '10.0.0.253', asNumber: 64512 })) as Resource;
  const eff = computePeers({ peers: [withPort, without], nodes: [] }, 'rr1', {});
  assert.deepEqual(
    eff.map((p) => [p.peerIP, p.port]),
    [
      ['10.0.0.253', undefined],
      ['10.0.0.254', 1179],
    ],
  );
  assert.equal('port' in eff[0]!, false);
});

for (const [bad, msg] of [
  [0, '0 is not an integer in 1..65535'],
  [65536, '65536 is not an integer in 1..65535'],
  ['179', '"179" is not an integer'],
] as const) {
  test(`BGPPeer spec.port ${JSON.stringify(bad)} is refused naming the field`, () => {
    assert.throws(
      () => validateResource(peer('tor-a', { peerIP: '10.0.0.1', asNumber: 1, port: bad })),
      (e: Error) => e.name === 'ResourceError' && e.message.startsWith(`BGPPeer tor-a: spec.port: ${msg}`),
    );
  });
}
