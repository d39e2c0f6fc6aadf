import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capacityFor, ensureLength, grown, setGrowthCollector } from '../../src/rib/grow';
import { IntTable } from '../../src/rib/int-table';

test('grown keeps the contents and fills the new tail', () => {
  const a = Int32Array.from([1, 2, 3]);
  const b = grown(a, 6, -1);
  assert.deepEqual([...b], [1, 2, 3, -1, -1, -1]);
  const u = grown(Uint8Array.from([7]), 3);
  assert.ok(u instanceof Uint8Array);
  assert.deepEqual([...u], [7, 0, 0]);
});

test('the growth collector is asked after 8 MiB of small replaced arrays, then every 16 MiB; it can be cleared', () => {
  let calls = 0;
  setGrowthCollector(() => calls++);
  try {
    const half = 1 << 17; // 512 KiB of int32: below the size that asks at once
    const replace = (mib: number) => {
      for (let i = 0; i < mib * 2; i++) grown(new Int32Array(half), half * 2);
    };
    replace(4);
    assert.equal(calls, 0, '4 MiB replaced: not yet');
    replace(4);
    assert.equal(calls, 1, '8 MiB replaced');
    replace(8);
    assert.equal(calls, 1, 'the next step is 16 MiB: 8 so far');
    replace(8);
    assert.equal(calls, 2, '16 MiB replaced');
    replace(16);
    assert.equal(calls, 3, 'and every 16 MiB after');
    // Hash-table rehashes count too: an IntTable of width 2 growing to 1M keys replaces
    // ~24 MiB of slots (12 bytes each) on the way.
    calls = 0;
    setGrowthCollector(() => calls++); // back to the first step (8 MiB)
    const t = new IntTable(2, 16);
    for (let i = 0; i < 1_000_000; i++) {
      t.key[0] = i;
      t.key[1] = 24;
      t.set(i);
    }
    assert.ok(calls >= 1, `rehash garbage reported (${calls} calls)`);
    setGrowthCollector(undefined);
    const before = calls;
    grown(new Int32Array(1 << 21), 1 << 22); // 8 MiB: would ask at once
    assert.equal(calls, before, 'cleared: never called');
  } finally {
    setGrowthCollector(undefined);
  }
});

test('one replaced array of 1 MiB or more asks for a collection at once', () => {
  let calls = 0;
  setGrowthCollector(() => calls++);
  try {
    grown(new Int32Array((1 << 18) - 1), 1 << 19);
    assert.equal(calls, 0, 'just under 1 MiB: counted, not asked');
    grown(new Int32Array(1 << 18), 1 << 19);
    assert.equal(calls, 1, '1 MiB: asked');
    grown(new Uint8Array(1 << 22), 1 << 23);
    assert.equal(calls, 2, '4 MiB: asked');
    for (let i = 0; i < 15; i++) grown(new Int32Array(1 << 17), 1 << 18);
    assert.equal(calls, 2, 'the large ones reset the small-array count');
  } finally {
    setGrowthCollector(undefined);
  }
});

test('capacityFor doubles from the current length (at least min) until the need fits', () => {
  assert.equal(capacityFor(0, 1, 1024), 1024);
  assert.equal(capacityFor(0, 3000, 1024), 4096);
  assert.equal(capacityFor(64, 65, 16), 128);
  assert.equal(capacityFor(64, 64, 16), 64, 'fits already: unchanged');
  assert.equal(capacityFor(100, 1000, 16), 1600);
});

test('ensureLength returns the same array when it fits, else a doubled copy with the fill', () => {
  const a = Int32Array.from([5, 6]);
  assert.equal(ensureLength(a, 2, 4), a);
  const b = ensureLength(a, 3, 4, -1);
  assert.notEqual(b, a);
  assert.deepEqual([...b], [5, 6, -1, -1]);
  assert.equal(ensureLength(new Uint8Array(0), 1, 8).length, 8);
});
