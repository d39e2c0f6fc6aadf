import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkProperty, scenarioRuns } from '../helpers/property';
import { IdTable } from '../../src/rib/id-table';
import { PrefixIndex } from '../../src/rib/prefix-index';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/bgp/messages/types';

test('IdTable: ids found by their external words, through growth and backward-shift deletes', () => {
  const w = 2;
  const words = new Uint32Array(4096 * w);
  const t = new IdTable(w, words, 4);
  const put = (id: number, a: number, b: number): void => {
    words[id * w] = a;
    words[id * w + 1] = b;
    t.key[0] = a;
    t.key[1] = b;
    const r = t.probe();
    assert.ok(r < 0, `id ${id} already present`);
    t.insertAt(r, id);
  };
  const find = (a: number, b: number): number => {
    t.key[0] = a;
    t.key[1] = b;
    return t.probe();
  };
  for (let id = 0; id < 3000; id++) put(id, (id * 2654435761) >>> 0, id & 31);
  assert.equal(t.size, 3000);
  assert.ok(t.bytes <= 8192 * 4, 'one int32 per slot');
  for (let id = 0; id < 3000; id += 3) t.delete(id);
  for (let id = 0; id < 3000; id++) {
    const r = find((id * 2654435761) >>> 0, id & 31);
    if (id % 3 === 0) assert.ok(r < 0, `deleted id ${id} still found`);
    else assert.equal(r, id);
  }
  assert.equal(t.size, 2000);
});

test('PrefixIndex matches a Map under random intern/unref (ids recycled, keys stored once)', (t) => {
  checkProperty(
    t,
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 8, max: 32 })), {
        maxLength: 500,
      }),
      (ops) => {
        const ix = new PrefixIndex(IPV4_UNICAST, 4);
        const m = new Map<string, number>(); // "addr/len" -> id, refcount 1 each
        for (const [add, a, len] of ops) {
          const addr = (a * 0x01010100) >>> 0;
          const masked = len === 32 ? addr : (addr & (0xffffffff << (32 - len))) >>> 0;
          const k = `${masked}/${len}`;
          if (add && !m.has(k)) {
            const id = ix.intern4(addr, len);
            ix.ref(id);
            for (const other of m.values()) assert.notEqual(other, id);
            m.set(k, id);
          } else if (!add && m.has(k)) {
            ix.unref(m.get(k)!);
            m.delete(k);
          }
          assert.equal(ix.find4(addr, len), m.get(k) ?? -1);
        }
        assert.equal(ix.size, m.size);
        for (const [k, id] of m) {
          const [addr, len] = k.split('/').map(Number);
          assert.equal(ix.find4(addr!, len!), id);
          assert.equal(ix.len(id), len);
          assert.equal(ix.word(id, 0), addr);
        }
      },
    ),
    { runs: scenarioRuns(300, 60) },
  );
});

test('PrefixIndex IPv6: five-word keys, host bits cleared, growth from a tiny start', () => {
  const ix = new PrefixIndex(IPV6_UNICAST, 2);
  const ids: number[] = [];
  for (let i = 0; i < 500; i++) {
    const id = ix.intern([0x20010db8, i, 0xffffffff, 1], 64);
    ix.ref(id);
    ids.push(id);
  }
  assert.equal(new Set(ids).size, 500);
  assert.equal(ix.find([0x20010db8, 7, 0, 0], 64), ids[7], 'host bits beyond /64 do not matter');
  assert.equal(ix.format(ids[7]!), '2001:db8:0:7::/64');
  for (const id of ids.slice(0, 250)) ix.unref(id);
  assert.equal(ix.size, 250);
  assert.equal(ix.find([0x20010db8, 7, 0, 0], 64), -1);
  assert.equal(ix.find([0x20010db8, 300, 0, 0], 64), ids[300]);
});

test('PrefixIndex: freed ids are reused, last freed first, before any new one; freed ids are not live', () => {
  const ix = new PrefixIndex(IPV4_UNICAST, 4);
  const ids: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const id = ix.intern4((0x0a000000 + i * 256) >>> 0, 24);
    ix.ref(id);
    ids.push(id);
  }
  assert.deepEqual(
    ids,
    Array.from({ length: 3000 }, (_, i) => i),
  );
  // A whole table withdrawn, as when its peer goes down.
  for (const id of ids) ix.unref(id);
  assert.equal(ix.size, 0);
  assert.equal(ix.capacity, 3000);
  assert.ok(ids.every((id) => !ix.isLive(id)));
  // A freed id is not dropped again (it would be on the free list twice).
  ix.dropIfUnused(5);
  const again: number[] = [];
  for (let i = 0; i < 3001; i++) {
    const id = ix.intern4((0x0b000000 + i * 256) >>> 0, 24);
    ix.ref(id);
    again.push(id);
  }
  assert.deepEqual(again.slice(0, 3), [2999, 2998, 2997], 'last freed first');
  assert.equal(new Set(again).size, 3001);
  assert.equal(again[3000], 3000, 'a new id only once every freed one is in use');
  assert.equal(ix.capacity, 3001);
  assert.equal(ix.format(again[0]!), '11.0.0.0/24');
  assert.equal(ix.find4(0x0a000000, 24), -1);
  // An id interned and never referenced goes back at once.
  const tmp = ix.intern4(0x0c000000, 24);
  ix.dropIfUnused(tmp);
  assert.equal(ix.find4(0x0c000000, 24), -1);
  assert.equal(ix.intern4(0x0c000100, 24), tmp);
});
