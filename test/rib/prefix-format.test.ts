// PrefixIndex.format: IPv4 text straight from the key words (the node agent's FIB path)
// agrees with the general formatter (formatPrefix over value()) for every address and length,
// including addresses with the top bit set (uint32 words, never negative).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PrefixIndex, formatPrefix } from '../../src/rib/prefix-index';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/bgp/messages/types';

test('PrefixIndex.format: IPv4 fast path equals formatPrefix(value()), IPv6 unchanged', () => {
  const ix = new PrefixIndex(IPV4_UNICAST, 4);
  const cases: [number, number, string][] = [
    [0, 0, '0.0.0.0/0'],
    [0xffffffff, 32, '255.255.255.255/32'],
    [0xc8010200, 24, '200.1.2.0/24'],
    [0x0a000000, 8, '10.0.0.0/8'],
    [0x0a0101ff, 31, '10.1.1.254/31'], // host bit masked on intern (RFC 4271 4.3)
  ];
  for (const [addr, len, text] of cases) {
    const id = ix.intern4(addr, len);
    ix.ref(id);
    assert.equal(ix.format(id), text);
    assert.equal(ix.format(id), formatPrefix(ix.value(id)));
  }
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), (addr, len) => {
      const id = ix.intern4(addr, len);
      return ix.format(id) === formatPrefix(ix.value(id));
    }),
    { numRuns: 2000 },
  );
  const ix6 = new PrefixIndex(IPV6_UNICAST, 4);
  const id6 = ix6.intern([0x20010db8, 0, 0, 0], 32);
  assert.equal(ix6.format(id6), '2001:db8::/32');
});
