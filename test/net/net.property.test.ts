// format(parse(x)) round-trips, and our text agrees with the ip-address package (an
// independent implementation) on random addresses, including ones with long zero runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Address4, Address6 } from 'ip-address';
import { formatIpv4, formatIpv6, ipToBigInt, parseIp, parseIpv4, parseIpv6 } from '../../src/net';
import { checkProperty } from '../helpers/property';

// Groups that are zero half the time, so runs of zeros (and ties between runs) are common.
const group = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
const v6Bytes = fc.oneof(
  fc.array(group, { minLength: 8, maxLength: 8 }).map((gs) => {
    const b = new Uint8Array(16);
    gs.forEach((g, i) => {
      b[2 * i] = g >>> 8;
      b[2 * i + 1] = g & 0xff;
    });
    return b;
  }),
  // IPv4-mapped (RFC 4291 2.5.5.2)
  fc
    .integer({ min: 0, max: 0xffffffff })
    .map((v) =>
      Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff),
    ),
);

/** A text spelling of the same address that is not canonical: full groups, upper case, or "::" elsewhere. */
function respell(b: Uint8Array, style: number): string {
  const gs: string[] = [];
  for (let i = 0; i < 8; i++) gs.push(((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16));
  if (style === 0) return gs.map((g) => g.padStart(4, '0')).join(':');
  if (style === 1) return gs.join(':').toUpperCase();
  // "::" over the last zero group, whatever the run lengths.
  const z = gs.lastIndexOf('0');
  if (z < 0) return gs.join(':');
  return `${gs.slice(0, z).join(':')}::${gs.slice(z + 1).join(':')}`;
}

test('IPv6: format(parse(text)) is canonical and stable, and agrees with ip-address', (t) => {
  checkProperty(
    t,
    fc.property(v6Bytes, fc.integer({ min: 0, max: 2 }), (b, style) => {
      const text = formatIpv6(b);
      const spelled = respell(b, style);
      const back = parseIpv6(spelled);
      assert.ok(back, `${spelled} parses`);
      assert.deepEqual([...back], [...b]);
      assert.equal(formatIpv6(back), text, 'any spelling gives the one text');
      assert.deepEqual([...parseIpv6(text)!], [...b], 'the text parses back to the address');
      // ip-address: same value from the odd spelling, same canonical text (it writes
      // IPv4-mapped addresses in hex; RFC 5952 5 recommends the dotted tail, which we keep).
      const theirs = new Address6(spelled);
      assert.equal(BigInt(theirs.bigInt()), ipToBigInt(b));
      const mapped = b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
      const expected = mapped ? `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}` : theirs.correctForm();
      assert.equal(text, expected);
      assert.equal(Address6.isValid(text), true);
    }),
  );
});

test('IPv4: format(parse(text)) round-trips and agrees with ip-address', (t) => {
  checkProperty(
    t,
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => {
      const text = formatIpv4(v);
      assert.equal(parseIpv4(text), v);
      assert.equal(new Address4(text).correctForm(), text);
      assert.equal(BigInt(new Address4(text).bigInt()), BigInt(v));
    }),
  );
});

test('random text: we accept exactly what ip-address accepts (no zone ids, no prefix)', (t) => {
  const ch = fc.constantFrom(...'0123456789abcdefABCDEF:.'.split(''));
  const random = fc.array(ch, { maxLength: 45 }).map((cs) => cs.join(''));
  // A valid text with one character inserted, deleted or replaced: near misses.
  const valid = fc.oneof(
    fc.tuple(v6Bytes, fc.integer({ min: 0, max: 3 })).map(([b, st]) => (st === 3 ? formatIpv6(b) : respell(b, st))),
    fc.integer({ min: 0, max: 0xffffffff }).map(formatIpv4),
  );
  const nearMiss = fc.tuple(valid, fc.nat(), fc.integer({ min: 0, max: 3 }), ch).map(([s, at, op, c]) => {
    const i = at % (s.length + 1);
    if (op === 0) return s.slice(0, i) + c + s.slice(i);
    if (op === 1) return s.slice(0, i) + s.slice(i + 1);
    if (op === 2) return s.slice(0, i) + c + s.slice(i + 1);
    return s;
  });
  checkProperty(
    t,
    fc.property(fc.oneof(random, nearMiss), (s) => {
      const ours = parseIp(s) !== undefined;
      const theirs = Address4.isValid(s) || Address6.isValid(s);
      assert.equal(ours, theirs, JSON.stringify(s));
    }),
  );
});
