// parseV4PrefixInto: the FIB's allocation-free IPv4 prefix parser takes exactly the canonical
// IPv4 prefixes parseInetPrefix takes, with the same octets and length, and -1 for the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseInetPrefix, parseV4PrefixInto } from '../../src/sys';

test('parseV4PrefixInto: canonical IPv4 prefixes into the buffer; -1 for other forms, IPv6 and host bits', () => {
  const out = new Uint8Array(4);
  assert.equal(parseV4PrefixInto('10.65.1.0/26', out), 26);
  assert.deepEqual([...out], [10, 65, 1, 0]);
  assert.equal(parseV4PrefixInto('0.0.0.0/0', out), 0);
  assert.equal(parseV4PrefixInto('255.255.255.255/32', out), 32);
  assert.deepEqual([...out], [255, 255, 255, 255]);
  for (const bad of [
    '10.65.1.1/26',
    '10.65.1.0/33',
    '10.65.1.0/026',
    '10.65.1.0/',
    '10.065.1.0/24',
    '10.1.0/24',
    'fd00::/64',
    '10.1.1.0',
    '/24',
    '10.1.1.0/2x',
    '256.1.1.0/24',
    '1.2.3.4/32 ',
  ]) {
    assert.equal(parseV4PrefixInto(bad, out), -1, bad);
  }
  // Agreement with parseInetPrefix on random texts (valid and not).
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 33 }), (a, len) => {
      const text = `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/${len}`;
      const slow = parseInetPrefix(text);
      const got = parseV4PrefixInto(text, out);
      if (slow instanceof RangeError) return got === -1;
      return got === slow.len && out.every((b, i) => b === slow.bytes[i]);
    }),
    { numRuns: 3000 },
  );
});
