import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdPool, SlotFreeList } from '../../src/rib/slots';

test('SlotFreeList hands out new slots in order, reuses the last freed first, and says when the arrays are full', () => {
  const links = new Int32Array(4).fill(99);
  const f = new SlotFreeList();
  assert.equal(f.full(0), true, 'no arrays yet');
  const got = [0, 1, 2, 3].map(() => {
    assert.equal(f.full(links.length), false);
    return f.take(links);
  });
  assert.deepEqual(got, [0, 1, 2, 3]);
  assert.equal(f.full(links.length), true, 'all four handed out');
  f.give(links, 1);
  f.give(links, 3);
  assert.equal(f.full(links.length), false, 'freed slots come first');
  assert.equal(f.take(links), 3);
  assert.equal(f.take(links), 1);
  assert.equal(f.full(links.length), true);
  assert.equal(f.used, 4, 'reuse does not count as new');
  f.clear();
  assert.equal(f.used, 0);
  assert.equal(f.take(links), 0);
});

test('IdPool: dense ids, freed ones reused last-in first-out', () => {
  const p = new IdPool();
  assert.deepEqual([p.take(), p.take(), p.take()], [0, 1, 2]);
  p.give(0);
  p.give(2);
  assert.equal(p.take(), 2);
  assert.equal(p.take(), 0);
  assert.equal(p.take(), 3);
  assert.equal(p.used, 4);
});
