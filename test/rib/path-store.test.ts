// PathStore keeps each path's peer index in 2 bytes while indexes fit, and widens to 4 bytes
// (keeping every path found) at the first index past 65,535.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NONE, PathStore } from '../../src/rib/path-store';
import { widened } from '../../src/rib/grow';

test('peer indexes past 65,535 widen the peer array; earlier paths stay found', () => {
  const ps = new PathStore(4, 4);
  const kind = () => ps.peer.constructor.name;
  assert.equal(kind(), 'Uint16Array', 'starts at 2 bytes a path');
  const before = ps.bytes;
  const a = ps.add(1, 3, 0, 10);
  const b = ps.add(1, 65535, 0, 11);
  assert.equal(kind(), 'Uint16Array', '65,535 still fits');
  const c = ps.add(1, 70000, 0, 12);
  assert.equal(kind(), 'Int32Array', 'widened at 70,000');
  assert.ok(ps.bytes > before, 'bytes count the wider array');
  for (let i = 0; i < 10; i++) ps.add(2 + i, 70001 + i, 0, 13); // growth keeps the wide form
  assert.equal(kind(), 'Int32Array');
  assert.deepEqual([ps.find(1, 3, 0), ps.find(1, 65535, 0), ps.find(1, 70000, 0)], [a, b, c]);
  assert.equal(ps.find(1, 70000 - 65536, 0), NONE, 'no truncated index matches');
  assert.equal(ps.find(11, 70010, 0), ps.slotsOf(11)[0]);
  ps.remove(c);
  assert.equal(ps.find(1, 70000, 0), NONE);
});

test('widened returns the same array while values fit, an Int32Array copy once not', () => {
  const a = Uint16Array.from([1, 0xffff]);
  assert.equal(widened(a, 0xffff), a);
  const w = widened(a, 0x10000);
  assert.ok(w instanceof Int32Array);
  assert.deepEqual([...w], [1, 0xffff]);
  assert.equal(widened(w, 1 << 30), w, 'already wide');
});
