// RFC 5952 canonical IPv6 text and endpoint formatting (as `vroute decode` prints them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatEndpoint, formatIpv4At, formatIpv6 } from '../../src/net';
import { parseEndpoint } from '../helpers/pcap-writer';

const v6 = (s: string): string => formatIpv6(parseEndpoint(`[${s}]:1`).addr);

test('RFC 5952 canonical text', () => {
  assert.equal(v6('2001:0db8:0000:0000:0000:0000:0000:0001'), '2001:db8::1'); // 4.1, 4.2.1
  assert.equal(v6('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1'); // 4.2.3: first of equal runs
  assert.equal(v6('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1'); // 4.2.2: one zero group stays
  assert.equal(v6('2001:0:0:1:0:0:0:1'), '2001:0:0:1::1'); // 4.2.3: the longest run
  assert.equal(v6('0:0:0:0:0:0:0:0'), '::');
  assert.equal(v6('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(v6('fe80:0:0:0:0:0:0:0'), 'fe80::');
  assert.equal(v6('2001:DB8:ABCD:12:0:0:0:0'), '2001:db8:abcd:12::'); // 4.3 lower case
  assert.equal(v6('0:0:0:0:0:ffff:c000:201'), '::ffff:192.0.2.1'); // 5: IPv4-mapped
});

test('endpoints', () => {
  assert.equal(formatEndpoint(Uint8Array.of(192, 0, 2, 1), 179), '192.0.2.1:179');
  assert.equal(formatEndpoint(parseEndpoint('[2001:db8::1]:179').addr, 179), '[2001:db8::1]:179');
  assert.equal(formatIpv4At(Uint8Array.of(0, 10, 0, 0, 255), 1), '10.0.0.255');
});
