import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IPV4_UNICAST } from '../../src/bgp/messages/types';
import { PairQueue } from '../../src/routing/pair-queue';
import { PrefixIndex } from '../../src/rib/prefix-index';

test('PairQueue: FIFO, references held while queued, dedupe only where asked', () => {
  const ix = new PrefixIndex(IPV4_UNICAST);
  const ids = Array.from({ length: 100 }, (_, i) => ix.intern4(i << 8, 24));
  const q = new PairQueue(ix);
  for (const id of ids) q.push(id, 0);
  q.push(ids[0], 0); // no dedupe: queued twice
  q.push(ids[1], 5, true);
  q.push(ids[1], 5, true); // dedupe: once
  assert.equal(q.size, 102);
  const out: number[] = [];
  q.take(3, out);
  assert.deepEqual(out, [ids[0], 0, ids[1], 0, ids[2], 0]);
  q.release(out);
  assert.equal(ix.find4(0, 24), ids[0], 'still queued once more');
  const rest: number[] = [];
  q.take(1000, rest);
  assert.deepEqual(rest.slice(-4), [ids[0], 0, ids[1], 5]);
  q.push(ids[1], 5, true); // taken: may be queued again
  assert.equal(q.size, 1);
  q.release(rest);
  q.clear();
  assert.equal(ix.size, 0, 'every reference dropped');
});

test('PairQueue: long interleaved use stays FIFO across compaction', () => {
  const ix = new PrefixIndex(IPV4_UNICAST);
  const q = new PairQueue(ix);
  let next = 0;
  let expect = 0;
  for (let round = 0; round < 200; round++) {
    for (let i = 0; i < 37; i++, next++) q.push(ix.intern4(next << 8, 24), next);
    const out: number[] = [];
    q.take(30, out);
    for (let i = 1; i < out.length; i += 2) assert.equal(out[i], expect++);
    q.release(out);
  }
  assert.equal(q.size, next - expect);
});
