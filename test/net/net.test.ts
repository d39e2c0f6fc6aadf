import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalIp,
  formatCidr,
  formatEndpoint,
  formatIp,
  formatIpv4,
  formatIpv6,
  hasHostBits,
  ipFromBigInt,
  ipFromWords,
  ipToBigInt,
  ipToWords,
  ipVersion,
  isLoopback,
  mask32,
  maskAddr,
  parseCidr,
  parseIp,
  parseIpv4,
  parseIpv6,
  prefixContains,
  unmapIpv4,
  writeIpv4,
  writeIpv6,
} from '../../src/net';

const v6 = (s: string): string => {
  const b = parseIpv6(s);
  assert.ok(b, `${s} parses`);
  return formatIpv6(b);
};

test('RFC 5952 4.1: leading zeros in a group are dropped', () => {
  assert.equal(v6('2001:0db8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
  assert.equal(v6('2001:db8:00ff:0aaa:0001:0002:0003:0004'), '2001:db8:ff:aaa:1:2:3:4');
});

test('RFC 5952 4.2.1/4.2.3: the longest run of zero groups is compressed, the first of equal runs', () => {
  assert.equal(v6('2001:db8:0:0:1:0:0:0'), '2001:db8:0:0:1::', 'longest (3) wins over an earlier 2');
  assert.equal(v6('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1', 'equal runs: the first');
  assert.equal(v6('2001:0:0:1:0:0:0:1'), '2001:0:0:1::1');
  assert.equal(v6('0:0:0:0:0:0:0:0'), '::');
  assert.equal(v6('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(v6('1:0:0:0:0:0:0:0'), '1::');
});

test('RFC 5952 4.2.2: a single zero group is not compressed', () => {
  assert.equal(v6('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
  assert.equal(v6('1:2:3:4:5:6:7::'), '1:2:3:4:5:6:7:0');
  assert.equal(v6('::2:3:4:5:6:7:8'), '0:2:3:4:5:6:7:8');
});

test('RFC 5952 4.3: lower case', () => {
  assert.equal(v6('2001:DB8::ABCD:EF'), '2001:db8::abcd:ef');
});

test('RFC 5952 5: IPv4-mapped addresses keep a dotted-quad tail; other embedded forms do not', () => {
  assert.equal(v6('::ffff:192.0.2.1'), '::ffff:192.0.2.1');
  assert.equal(v6('0:0:0:0:0:ffff:c000:0201'), '::ffff:192.0.2.1');
  assert.equal(v6('::FFFF:0:0'), '::ffff:0.0.0.0');
  assert.equal(v6('::1.2.3.4'), '::102:304', 'IPv4-compatible (deprecated) is plain hex');
  assert.equal(v6('64:ff9b::192.0.2.33'), '64:ff9b::c000:221');
});

test('IPv6 text that is not an address is refused, not guessed', () => {
  for (const s of [
    '',
    ':',
    ':::',
    '1::2::3',
    ':1::',
    '1:',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '00000::1',
    '::g',
    'fe80::1%eth0',
    '[::1]',
    '::1/64',
    '1:2:3:4:5:6:7',
    '1.2.3.4',
    '::ffff:01.2.3.4',
    '::1.2.3',
    '1:2:3:4:5:6:7:1.2.3.4',
    ' ::1',
  ]) {
    assert.equal(parseIpv6(s), undefined, JSON.stringify(s));
  }
});

test('IPv4: dotted quad <-> uint32; leading zeros, short forms and out-of-range octets refused', () => {
  assert.equal(parseIpv4('192.0.2.1'), 0xc0000201);
  assert.equal(parseIpv4('255.255.255.255'), 0xffffffff);
  assert.equal(parseIpv4('0.0.0.0'), 0);
  assert.equal(formatIpv4(0xc0000201), '192.0.2.1');
  assert.equal(formatIpv4(0xffffffff), '255.255.255.255');
  for (const s of [
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '01.2.3.4',
    '1.2.3.04',
    '1..2.3',
    '1.2.3.4.',
    ' 1.2.3.4',
    '+1.2.3.4',
    '1.2.3.a',
  ]) {
    assert.equal(parseIpv4(s), undefined, JSON.stringify(s));
  }
});

test('either family: version, canonical text, endpoints, IPv4-mapped, loopback', () => {
  assert.equal(ipVersion('10.0.0.1'), 4);
  assert.equal(ipVersion('2001:db8::1'), 6);
  assert.equal(ipVersion('localhost'), 0);
  assert.equal(canonicalIp('2001:DB8:0::1'), '2001:db8::1');
  assert.equal(canonicalIp('nope'), undefined);
  assert.equal(formatEndpoint(parseIp('192.0.2.1')!, 179), '192.0.2.1:179');
  assert.equal(formatEndpoint(parseIp('2001:db8::1')!, 179), '[2001:db8::1]:179');
  assert.equal(formatIp(unmapIpv4(parseIp('::ffff:10.1.2.3')!)), '10.1.2.3');
  assert.equal(formatIp(unmapIpv4(parseIp('::10.1.2.3')!)), '::a01:203', 'only ::ffff:0:0/96 is mapped');
  assert.ok(isLoopback(parseIp('127.9.9.9')!));
  assert.ok(isLoopback(parseIp('::1')!));
  assert.ok(isLoopback(parseIp('::ffff:127.0.0.1')!));
  assert.ok(!isLoopback(parseIp('128.0.0.1')!));
  assert.ok(!isLoopback(parseIp('::2')!));
});

test('conversions: BigInt and words round-trip', () => {
  const a = parseIp('2001:db8::ff:1')!;
  assert.equal(ipToBigInt(a), 0x20010db80000000000000000_00ff0001n);
  assert.equal(formatIp(ipFromBigInt(ipToBigInt(a) + 1n, 6)), '2001:db8::ff:2');
  assert.equal(formatIp(ipFromBigInt(0xc0000201n, 4)), '192.0.2.1');
  assert.deepEqual(ipToWords(a), [0x20010db8, 0, 0, 0x00ff0001]);
  assert.equal(formatIp(ipFromWords([0x20010db8, 0, 0, 0x00ff0001])), '2001:db8::ff:1');
  assert.equal(formatIp(ipFromWords([0x0a000001])), '10.0.0.1');
});

test('prefixes: parse, canonical check, masking, containment', () => {
  const p = parseCidr('10.1.0.0/16')!;
  assert.equal(formatCidr(p), '10.1.0.0/16');
  assert.equal(hasHostBits(p.addr, p.len), false);
  assert.equal(hasHostBits(parseIp('10.1.0.1')!, 24), true);
  assert.equal(hasHostBits(parseIp('10.1.1.0')!, 23), true);
  assert.equal(hasHostBits(parseIp('2001:db8:8000::')!, 33), false);
  assert.equal(hasHostBits(parseIp('2001:db8:4000::')!, 33), true);
  assert.equal(hasHostBits(parseIp('1.2.3.4')!, 0), true);
  assert.equal(formatCidr({ addr: maskAddr(parseIp('10.1.2.3')!, 12), len: 12 }), '10.0.0.0/12');
  assert.equal(formatIp(maskAddr(parseIp('2001:db8:ffff::1')!, 36)), '2001:db8:f000::');
  for (const s of [
    '10.0.0.0',
    '10.0.0.0/33',
    '::/129',
    '10.0.0.0/-1',
    '10.0.0.0/08',
    '10.0.0.0/',
    'x/8',
    '10.0.0.0/8/8',
  ]) {
    assert.equal(parseCidr(s), undefined, s);
  }
  assert.ok(prefixContains(parseCidr('10.0.0.0/8')!, parseIp('10.255.0.1')!));
  assert.ok(!prefixContains(parseCidr('10.0.0.0/8')!, parseIp('11.0.0.1')!));
  assert.ok(prefixContains(parseCidr('0.0.0.0/0')!, parseIp('1.2.3.4')!));
  assert.ok(!prefixContains(parseCidr('0.0.0.0/0')!, parseIp('::1')!), 'families never mix');
  assert.ok(prefixContains(parseCidr('2001:db8::/33')!, parseIp('2001:db8:7fff::1')!));
  assert.ok(!prefixContains(parseCidr('2001:db8::/33')!, parseIp('2001:db8:8000::1')!));
  assert.equal(mask32(0xffffffff, 24), 0xffffff00);
  assert.equal(mask32(0xffffffff, 0), 0);
  assert.equal(mask32(0x12345678, 40), 0x12345678);
});

test('the ASCII writers give the same text as the string formatters', () => {
  const buf = new Uint8Array(64);
  const a = Uint8Array.of(0, 0, 255, 9, 192, 0, 2, 1);
  const n4 = writeIpv4(buf, 3, a, 4);
  assert.equal(Buffer.from(buf.subarray(3, n4)).toString('latin1'), '192.0.2.1');
  const b = parseIpv6('2001:db8::1:0:0:1')!;
  const n6 = writeIpv6(buf, 0, b, 0);
  assert.equal(Buffer.from(buf.subarray(0, n6)).toString('latin1'), '2001:db8::1:0:0:1');
});
