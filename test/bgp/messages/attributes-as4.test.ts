// RFC 6793 4.2.3 (merging AS_PATH with AS4_PATH from a 2-octet peer) and 4.2.2 (splitting for
// one), end to end through the decoder where it matters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeAs4, mergeAsPath, splitAs4 } from '../../../src/bgp/messages/as4';
import type { AsSegment, PathAttributes } from '../../../src/bgp/messages/attributes/types';
import { decodeUpdate, encodeAttributes } from '../../../src/bgp/messages/update';
import { DEFAULT_CONTEXT } from '../../../src/bgp/messages/types';
import { bytes, MARKER } from './fixture-rows';
import { ip4 } from '../../helpers/addr';

const T = 23456; // AS_TRANS
const seq = (...asns: number[]): AsSegment => ({ type: 2, asns });
const set = (...asns: number[]): AsSegment => ({ type: 1, asns });
const cseq = (...asns: number[]): AsSegment => ({ type: 3, asns });

test('RFC 6793 4.2.3: AS4_PATH replaces the trailing AS_TRANS part of AS_PATH', () => {
  // A 2-octet speaker (65001) prepended itself to a path from 4-octet ASes.
  assert.deepEqual(mergeAsPath([seq(65001, T, T)], [seq(4200000001, 4200000002)]), [
    seq(65001, 4200000001, 4200000002),
  ]);
});

test('RFC 6793 4.2.3: equal counts: AS4_PATH is the whole path', () => {
  assert.deepEqual(mergeAsPath([seq(T, 65002)], [seq(4200000001, 65002)]), [seq(4200000001, 65002)]);
});

test('RFC 6793 4.2.3: AS4_PATH longer than AS_PATH is ignored', () => {
  assert.deepEqual(mergeAsPath([seq(T)], [seq(4200000001, 4200000002)]), [seq(T)]);
});

test('RFC 6793 4.2.3: AS_SET counts as one AS when lining up the paths', () => {
  assert.deepEqual(mergeAsPath([seq(65001), set(T, 65002)], [set(4200000001, 65002)]), [
    seq(65001),
    set(4200000001, 65002),
  ]);
  assert.deepEqual(mergeAsPath([seq(65001, 65003), set(T, 1)], [seq(4200000009), set(4200000001, 1)]), [
    seq(65001, 4200000009),
    set(4200000001, 1),
  ]);
});

test('RFC 6793 4.2.3 with RFC 5065: leading confederation segments count zero and stay', () => {
  assert.deepEqual(mergeAsPath([cseq(64512), seq(65001, T)], [seq(4200000001)]), [cseq(64512), seq(65001, 4200000001)]);
});

test('RFC 6793 4.2.3: AGGREGATOR other than AS_TRANS means AS4_AGGREGATOR and AS4_PATH are ignored', () => {
  const a: PathAttributes = {
    asPath: [seq(65001, T)],
    aggregator: { asn: 65001, address: ip4('10.0.0.1') },
    as4Path: [seq(4200000001)],
    as4Aggregator: { asn: 4200000005, address: ip4('10.0.0.5') },
  };
  assert.deepEqual(mergeAs4(a, false), {
    asPath: [seq(65001, T)],
    aggregator: { asn: 65001, address: ip4('10.0.0.1') },
  });
  const b: PathAttributes = { ...a, aggregator: { asn: T, address: ip4('10.0.0.5') } };
  assert.deepEqual(mergeAs4(b, false), {
    asPath: [seq(65001, 4200000001)],
    aggregator: { asn: 4200000005, address: ip4('10.0.0.5') },
  });
});

test('RFC 6793 4.1: between 4-octet speakers AS4_* are not used', () => {
  const a: PathAttributes = { asPath: [seq(4200000001)], as4Path: [seq(1, 2, 3)] };
  assert.deepEqual(mergeAs4(a, true).asPath, [seq(4200000001)]);
});

test('RFC 6793 4.2.2: sending to a 2-octet peer: AS_TRANS in AS_PATH/AGGREGATOR, real ASNs in AS4_*', () => {
  const out = splitAs4([cseq(64512), seq(65001, 4200000001), set(4200000002, 7)], {
    asn: 4200000001,
    address: ip4('10.0.0.1'),
  });
  assert.deepEqual(out.asPath, [cseq(64512), seq(65001, T), set(T, 7)]);
  assert.deepEqual(out.as4Path, [seq(65001, 4200000001), set(4200000002, 7)]); // no confederation segments
  assert.deepEqual(out.aggregator, { asn: T, address: ip4('10.0.0.1') });
  assert.deepEqual(out.as4Aggregator, { asn: 4200000001, address: ip4('10.0.0.1') });
  const small = splitAs4([seq(65001, 65002)], { asn: 65001, address: ip4('10.0.0.1') });
  assert.equal(small.as4Path, undefined);
  assert.equal(small.as4Aggregator, undefined);
});

test('RFC 6793: split then merge restores the 4-octet path through the 2-octet wire form', () => {
  const path = [seq(65001, 4200000001, 4200000002, 65002)];
  const agg = { asn: 4200000003, address: ip4('192.0.2.9') };
  const two = splitAs4(path, agg);
  const attrs = encodeAttributes({ origin: 0, ...two, nextHop: ip4('10.0.0.1') }, DEFAULT_CONTEXT);
  const h = (n: number): string => n.toString(16).padStart(4, '0');
  const frame = bytes(
    `${MARKER}${h(23 + attrs.length + 4)}020000${h(attrs.length)}${Buffer.from(attrs).toString('hex')}180a0000`,
  );
  const u = decodeUpdate(frame, DEFAULT_CONTEXT);
  assert.equal(u.errors.length, 0);
  assert.deepEqual(mergeAs4(u.attributes, false), { asPath: path, aggregator: agg });
});

test('RFC 6793 4.2.2: encoding for a 2-octet session never truncates a 4-octet ASN', () => {
  const attrs: PathAttributes = {
    origin: 0,
    asPath: [seq(65001, 4200000001)],
    nextHop: ip4('10.0.0.1'),
    aggregator: { asn: 4200000001, address: ip4('10.0.0.9') },
  };
  const b = encodeAttributes(attrs, DEFAULT_CONTEXT);
  const h = (n: number): string => n.toString(16).padStart(4, '0');
  const u = decodeUpdate(
    bytes(`${MARKER}${h(23 + b.length + 2)}020000${h(b.length)}${Buffer.from(b).toString('hex')}080a`),
    DEFAULT_CONTEXT,
  );
  assert.deepEqual(u.attributes.asPath, [seq(65001, T)]);
  assert.deepEqual(u.attributes.as4Path, [seq(65001, 4200000001)]);
  assert.deepEqual(u.attributes.aggregator, { asn: T, address: ip4('10.0.0.9') });
  assert.deepEqual(mergeAs4(u.attributes, false), { asPath: attrs.asPath, aggregator: attrs.aggregator });
});
