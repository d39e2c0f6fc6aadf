// Prefix text forms (RFC 5952 for IPv6) and the NLRI walkers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrefix, prefixToString } from '../../../src/bgp/messages/prefix';
// The address text is src/net's (test/net has its own tests); kept here as the codec's view.
import { formatIpv4 as ipv4ToString, formatIpv6 as ipv6ToString, parseIpv4, parseIpv6 } from '../../../src/net';
import {
  blockPrefixes,
  blockStrings,
  countNlri,
  forEachIpv4,
  forEachIpv6,
  makeNlriBlock,
} from '../../../src/bgp/messages/nlri';

test('IPv4 text <-> uint32', () => {
  assert.equal(ipv4ToString(0xc0000201), '192.0.2.1');
  assert.equal(parseIpv4('255.255.255.255'), 0xffffffff);
  for (const bad of ['1.2.3', '1.2.3.256', '1.2.3.4.5', 'a.b.c.d', '']) assert.equal(parseIpv4(bad), undefined, bad);
});

test('RFC 5952 4: IPv6 canonical text (lower case, no leading zeros, longest zero run, first of equals)', () => {
  const cases: [string, string][] = [
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // 4.2.3: the first of equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // 4.2.2: one zero group is not "::"
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // 4.2.3: the longest run
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::', 'fe80::'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'], // 5: IPv4-mapped keeps the dotted quad
  ];
  for (const [input, want] of cases) assert.equal(ipv6ToString(parseIpv6(input)!), want, input);
  for (const bad of ['1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', 'g::', '1:2:3:4:5:6:7']) {
    assert.equal(parseIpv6(bad), undefined, bad);
  }
});

test('prefix strings with and without ADD-PATH path ids round trip', () => {
  for (const s of ['10.0.0.0/24', '0.0.0.0/0', '10.1.0.0/24#7', '2001:db8::/32', '2001:db8:1::/48#0', '::/0']) {
    assert.equal(prefixToString(parsePrefix(s)!), s);
  }
  for (const bad of ['10.0.0.0/33', '2001:db8::/129', '10.0.0.0', '10.0.0.0/24#x', '10.0.0.0/24#4294967296']) {
    assert.equal(parsePrefix(bad), undefined, bad);
  }
});

test('RFC 4271 4.3: prefixes take ceil(len/8) octets; countNlri rejects length > max and overruns', () => {
  const b = makeNlriBlock(1, 1, false, ['10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '10.1.2.3/32', '0.0.0.0/0']);
  assert.equal(Buffer.from(b.bytes).toString('hex'), '080a' + '100a01' + '180a0102' + '200a010203' + '00');
  assert.equal(countNlri(b.bytes, 0, b.bytes.length, 32, false), 5);
  assert.equal(countNlri(Uint8Array.of(33, 1, 2, 3, 4, 5), 0, 6, 32, false), -1);
  assert.equal(countNlri(Uint8Array.of(24, 10, 0), 0, 3, 32, false), -1);
  assert.equal(countNlri(Uint8Array.of(0, 0, 0), 0, 3, 32, true), -1); // cut inside the path id
});

test('forEachIpv4 hands out integers and path ids (RFC 7911 3)', () => {
  const b = makeNlriBlock(1, 1, true, ['10.0.0.0/24#1', '192.168.1.128/25#4294967295']);
  const got: number[][] = [];
  forEachIpv4(b.bytes, 0, b.bytes.length, true, (a, l, id) => got.push([a, l, id]));
  assert.deepEqual(got, [
    [0x0a000000, 24, 1],
    [0xc0a80180, 25, 0xffffffff],
  ]);
  assert.deepEqual(blockStrings(b), ['10.0.0.0/24#1', '192.168.1.128/25#4294967295']);
});

test('forEachIpv6 reuses one buffer; blockPrefixes copies it', () => {
  const b = makeNlriBlock(2, 1, false, ['2001:db8::/32', '2001:db8:1:2::/64', '::/0']);
  const seen: Uint8Array[] = [];
  forEachIpv6(b.bytes, 0, b.bytes.length, false, (a) => seen.push(a));
  assert.equal(seen[0], seen[1]); // same object: no allocation per prefix
  assert.deepEqual(blockPrefixes(b).map(prefixToString), ['2001:db8::/32', '2001:db8:1:2::/64', '::/0']);
  assert.deepEqual(blockStrings(b), ['2001:db8::/32', '2001:db8:1:2::/64', '::/0']);
});
