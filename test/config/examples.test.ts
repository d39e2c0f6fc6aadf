// Every example config in examples/ loads, and the policy example compiles for both families.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { loadConfigFile } from '../../src/config';
import { PolicyBook } from '../../src/routing';
import { registeredAddresses } from '../../src/reflector';
import { AttrStore } from '../../src/rib';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/bgp/messages';
import { REPO_ROOT } from '../helpers/env';

const dir = path.join(REPO_ROOT, 'examples');

for (const f of readdirSync(dir).filter((x) => /\.(ya?ml|json)$/.test(x))) {
  test(`examples/${f} is a valid daemon config`, () => {
    const c = loadConfigFile(path.join(dir, f));
    assert.ok(c.asn > 0);
  });
}

test('examples/reflector-policy.yaml: policies referenced, ADD-PATH best 4, every policy compiles per family', () => {
  const c = loadConfigFile(path.join(dir, 'reflector-policy.yaml'));
  const d = c.dynamicNeighbors[0]!;
  assert.deepEqual([d.addPath, d.addPathSend, d.importPolicy, d.maxPrefixes], ['both', 4, 'from-nodes', 5000]);
  assert.equal(c.neighbors[0]!.exportPolicy, 'to-tor');
  const book = new PolicyBook(new AttrStore(), c);
  for (const name of Object.keys(c.policies)) {
    for (const f of [IPV4_UNICAST, IPV6_UNICAST]) assert.equal(book.get(f, name)?.name, name);
  }
  assert.equal(book.get(IPV4_UNICAST, 'missing'), undefined);
});

test('examples/reflector-netns.yaml is examples/reflector.yaml but for where it listens and which clients it accepts', () => {
  // README "Two hosts on one machine" runs the quick-start reflector in a namespace with this file.
  const lines = (f: string) =>
    readFileSync(path.join(dir, f), 'utf8')
      .split('\n')
      .filter((l) => !/^\s*(#|$)/.test(l));
  const [quick, netns] = [lines('reflector.yaml'), lines('reflector-netns.yaml')];
  assert.equal(netns.length, quick.length);
  const differ = quick.flatMap((l, i) => (l === netns[i] ? [] : [[l, netns[i]]]));
  assert.deepEqual(differ, [
    ['listen: {address: 127.0.0.1, port: 1179}', 'listen: {address: 10.0.0.1, port: 1179}'],
    [
      '  - {prefix: 127.0.0.0/8, asn: 65000, routeReflectorClient: true, families: [ipv4-unicast, ipv6-unicast]}',
      '  - {prefix: 10.0.0.0/24, asn: 65000, routeReflectorClient: true, families: [ipv4-unicast, ipv6-unicast]}',
    ],
  ]);
  // The address it registers for nodes to peer with is its router ID, the address it listens on.
  const c = loadConfigFile(path.join(dir, 'reflector-netns.yaml'));
  assert.deepEqual(registeredAddresses(c), ['10.0.0.1']);
  assert.equal(c.listen?.address, '10.0.0.1');
});
