import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkProperty, scenarioRuns } from '../helpers/property';
import { IntTable } from '../../src/rib/int-table';
import { PrefixIndex, parsePrefix, formatPrefix } from '../../src/rib/prefix-index';
import { formatIp, ipFromWords } from '../../src/net';

const formatV6 = (words: number[]): string => formatIp(ipFromWords(words));
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/bgp/messages/types';

function set(t: IntTable, a: number, b: number, v: number): number {
  t.key[0] = a;
  t.key[1] = b;
  return t.set(v);
}
function get(t: IntTable, a: number, b: number): number {
  t.key[0] = a;
  t.key[1] = b;
  return t.get();
}
function del(t: IntTable, a: number, b: number): number {
  t.key[0] = a;
  t.key[1] = b;
  return t.delete();
}

test('IntTable: set, get, replace, delete, grow', () => {
  const t = new IntTable(2, 4);
  for (let i = 0; i < 1000; i++) assert.equal(set(t, i * 7919, i & 31, i), -1);
  assert.equal(t.size, 1000);
  assert.equal(set(t, 7919 * 5, 5, 42), 5);
  assert.equal(get(t, 7919 * 5, 5), 42);
  for (let i = 0; i < 1000; i += 2) assert.notEqual(del(t, i * 7919, i & 31), -1);
  assert.equal(t.size, 500);
  for (let i = 0; i < 1000; i++) assert.equal(get(t, i * 7919, i & 31) >= 0, i % 2 === 1);
  assert.equal(del(t, 1, 1), -1);
});

test('IntTable matches a Map under random insert/delete (backward-shift deletion)', (t) => {
  checkProperty(
    t,
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 63 })), { maxLength: 400 }), (ops) => {
      const t = new IntTable(2, 4);
      const m = new Map<number, number>();
      ops.forEach(([add, k], i) => {
        if (add) {
          set(t, k, 24, i);
          m.set(k, i);
        } else {
          assert.equal(del(t, k, 24), m.has(k) ? m.get(k) : -1);
          m.delete(k);
        }
      });
      assert.equal(t.size, m.size);
      for (let k = 0; k < 64; k++) assert.equal(get(t, k, 24), m.has(k) ? m.get(k) : -1);
    }),
    { runs: scenarioRuns(1000, 200) },
  );
});

test('PrefixIndex: ids are dense, refcounted and recycled', () => {
  const ix = new PrefixIndex(IPV4_UNICAST, 2);
  const a = ix.intern4(0x0a000000, 24);
  const b = ix.intern4(0x0a000100, 24);
  assert.equal(ix.intern4(0x0a000000, 24), a);
  assert.notEqual(a, b);
  assert.equal(ix.format(b), '10.0.1.0/24');
  ix.ref(a);
  ix.ref(a);
  ix.unref(a);
  assert.equal(ix.find4(0x0a000000, 24), a);
  ix.unref(a);
  assert.equal(ix.find4(0x0a000000, 24), -1);
  assert.equal(ix.intern4(0x0b000000, 8), a, 'freed id reused');
});

test('prefix parse/format, IPv4 and IPv6 (RFC 5952)', () => {
  assert.equal(formatPrefix(parsePrefix('10.1.2.3/16', IPV4_UNICAST)!), '10.1.0.0/16');
  assert.equal(parsePrefix('10.1.2.3/33', IPV4_UNICAST), undefined);
  assert.equal(parsePrefix('10.1.2/8', IPV4_UNICAST), undefined);
  const v6 = parsePrefix('2001:DB8:0:0:1::/64', IPV6_UNICAST)!;
  assert.equal(formatPrefix(v6), '2001:db8::/64');
  assert.equal(formatV6([0x20010db8, 0, 1, 1]), '2001:db8::1:0:1');
  assert.equal(formatV6([0x20010db8, 0, 0x10000, 1]), '2001:db8::1:0:0:1'); // RFC 5952 4.2.3: first run on a tie
  const ix = new PrefixIndex(IPV6_UNICAST);
  const id = ix.intern(v6.words, v6.len);
  assert.equal(ix.find(v6.words, 64), id);
  assert.equal(ix.find(v6.words, 48), -1);
  assert.equal(ix.format(id), '2001:db8::/64');
});

test('IntTable aux values move with their entries through deletes and growth', () => {
  const t = new IntTable(2, 4, true);
  for (let i = 0; i < 500; i++) {
    t.key[0] = i * 31;
    t.key[1] = 7;
    t.setAuxAt(t.insertAt(t.probe(), i), i * 3);
  }
  for (let i = 0; i < 500; i += 3) {
    t.key[0] = i * 31;
    t.key[1] = 7;
    t.deleteAt(t.probe());
  }
  for (let i = 0; i < 500; i++) {
    t.key[0] = i * 31;
    t.key[1] = 7;
    const s = t.probe();
    assert.equal(s >= 0, i % 3 !== 0);
    if (s >= 0) assert.deepEqual([t.valueAt(s), t.auxAt(s)], [i, i * 3]);
  }
});
