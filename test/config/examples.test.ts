// Every example config in examples/ loads, and the policy example compiles for both families.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { loadConfigFile } from '../../src/config';
import { PolicyBook } from '../../src/routing';
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
