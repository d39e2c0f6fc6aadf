// Resource validation: every error names the resource, the field and what is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocuments } from '../../../src/datastore/resources/documents';
import { validateResource } from '../../../src/datastore/resources/validate';
import { blockName, kindOf, resourceKey } from '../../../src/datastore/resources/types';
import { parseSelector } from '../../../src/datastore/resources/selector';

const peer = (spec: Record<string, unknown>) => ({
  apiVersion: 'vroute/v1',
  kind: 'BGPPeer',
  metadata: { name: 'tor-a' },
  spec,
});

const BAD: Array<[string, unknown, string]> = [
  [
    'peerIP not an IP',
    peer({ peerIP: '10.0.0.999', asNumber: 64512 }),
    'BGPPeer tor-a: spec.peerIP: "10.0.0.999" is not an IP address',
  ],
  ['asNumber missing', peer({ peerIP: '10.0.0.1' }), 'BGPPeer tor-a: spec.asNumber: is required'],
  [
    'asNumber too big',
    peer({ peerIP: '10.0.0.1', asNumber: 4294967296 }),
    'BGPPeer tor-a: spec.asNumber: 4294967296 is not an integer in 1..4294967295',
  ],
  [
    'holdTime 1 (RFC 4271 4.2)',
    peer({ peerIP: '10.0.0.1', asNumber: 1, holdTime: 1 }),
    'BGPPeer tor-a: spec.holdTime: 1 must be 0 or at least 3',
  ],
  [
    'keepalive >= hold',
    peer({ peerIP: '10.0.0.1', asNumber: 1, holdTime: 9, keepaliveTime: 9 }),
    'BGPPeer tor-a: spec.keepaliveTime: 9 must be less than spec.holdTime 9',
  ],
  [
    'bad selector',
    peer({ peerIP: '10.0.0.1', asNumber: 1, nodeSelector: "rack = 'a'" }),
    'BGPPeer tor-a: spec.nodeSelector: "rack = \'a\'" is not a selector: unexpected "=" at offset 4',
  ],
  [
    'node and nodeSelector',
    peer({ peerIP: '10.0.0.1', asNumber: 1, node: 'a', nodeSelector: 'all()' }),
    'BGPPeer tor-a: spec.nodeSelector: cannot be set together with spec.node',
  ],
  ['typo field', peer({ peerIP: '10.0.0.1', asNumber: 1, pasive: true }), 'BGPPeer tor-a: spec.pasive: unknown field'],
  [
    'passive not bool',
    peer({ peerIP: '10.0.0.1', asNumber: 1, passive: 'yes' }),
    'BGPPeer tor-a: spec.passive: "yes" is not true or false',
  ],
  [
    'pool host bits',
    { apiVersion: 'vroute/v1', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.1.2.3/16' } },
    'IPPool p: spec.cidr: "10.1.2.3/16" has host bits set',
  ],
  [
    'pool blockSize',
    { apiVersion: 'vroute/v1', kind: 'ippool', metadata: { name: 'p' }, spec: { cidr: '10.1.0.0/16', blockSize: 8 } },
    'IPPool p: spec.blockSize: 8 is not an integer in 16..32',
  ],
  [
    'node v4 address',
    { apiVersion: 'vroute/v1', kind: 'Node', metadata: { name: 'n1' }, spec: { bgp: { ipv4Address: 'fd00::1' } } },
    'Node n1: spec.bgp.ipv4Address: "fd00::1" is not an IPv4 address',
  ],
  [
    'community',
    {
      apiVersion: 'vroute/v1',
      kind: 'BGPConfiguration',
      metadata: { name: 'default' },
      spec: { communities: ['65000:70000'] },
    },
    'BGPConfiguration default: spec.communities[0]: "65000:70000" is not a community',
  ],
  [
    'block affinity',
    {
      apiVersion: 'vroute/v1',
      kind: 'IPAMBlock',
      metadata: { name: 'b' },
      spec: { cidr: '10.0.0.0/26', affinity: 'alpha' },
    },
    'IPAMBlock b: spec.affinity: "alpha" is not node:NAME or null',
  ],
  [
    'kind unknown',
    { apiVersion: 'vroute/v1', kind: 'Router', metadata: { name: 'x' } },
    'document: kind: "Router" is not one of',
  ],
  [
    'name',
    { apiVersion: 'vroute/v1', kind: 'Node', metadata: { name: 'Bad_Name' } },
    'document: Node: metadata.name: "Bad_Name" is not a name',
  ],
  [
    'apiVersion',
    { apiVersion: 'v2', kind: 'Node', metadata: { name: 'x' } },
    'document: apiVersion: "v2" is not vroute/v1',
  ],
];

for (const [title, doc, msg] of BAD) {
  test(`validation: ${title}`, () => {
    assert.throws(
      () => validateResource(doc),
      (e: Error) => e.name === 'ResourceError' && e.message.startsWith(msg),
    );
  });
}

test('IPPool blockSize defaults: 26 for IPv4, 122 for IPv6; disabled false', () => {
  const docs = parseDocuments(
    `apiVersion: vroute/v1
kind: IPPool
metadata: {name: v4}
spec: {cidr: 10.233.0.0/16}
---
apiVersion: vroute/v1
kind: ippool
metadata: {name: v6}
spec: {cidr: "fd00:233::/48"}
---
`,
    'pools.yaml',
  );
  assert.deepEqual(
    docs.map((d) => [d.kind, d.spec.blockSize, d.spec.disabled]),
    [
      ['IPPool', 26, false],
      ['IPPool', 122, false],
    ],
  );
});

test('documents: JSON list; errors name the document number', () => {
  const docs = parseDocuments(JSON.stringify([peer({ peerIP: '10.0.0.1', asNumber: 65000 })]), 'x.json');
  assert.equal(docs[0]!.metadata.name, 'tor-a');
  assert.throws(
    () => parseDocuments('apiVersion: vroute/v1\nkind: Node\nmetadata: {name: a}\n---\nkind: Node\n', 'f.yaml'),
    /^ResourceError: f.yaml document 2: apiVersion: undefined is not vroute\/v1|f.yaml document 2: apiVersion/,
  );
});

test('keys: kind lowercase, block name from CIDR, kinds case-insensitive', () => {
  assert.equal(resourceKey('BGPPeer', 'tor-a'), '/vroute/v1/bgppeer/tor-a');
  assert.equal(resourceKey('BGPConfiguration', 'default'), '/vroute/v1/bgpconfig/default');
  assert.equal(blockName('10.233.0.0/26'), '10-233-0-0-26');
  assert.equal(blockName('fd00:1::/122'), 'fd00-1---122');
  assert.equal(kindOf('bgppeer'), 'BGPPeer');
  assert.equal(kindOf('BGPPEERS'), 'BGPPeer');
  assert.equal(kindOf('ipamblock'), 'IPAMBlock');
  assert.equal(kindOf('nope'), undefined);
});

test('selectors: ==, !=, has, in, not in, &&, ||, parentheses', () => {
  const l = { rack: 'a', zone: 'z1' };
  const cases: Array<[string, boolean]> = [
    ["rack == 'a'", true],
    ["rack != 'a'", false],
    ['has(zone)', true],
    ['!has(zone)', false],
    ["zone in {'z1', 'z2'}", true],
    ["zone not in {'z1'}", false],
    ["rack == 'b' || has(rack)", true],
    ["rack == 'a' && (zone == 'z2' || zone == 'z1')", true],
    ['all()', true],
    ["missing == 'x'", false],
  ];
  for (const [s, want] of cases) assert.equal(parseSelector(s)(l), want, s);
});
