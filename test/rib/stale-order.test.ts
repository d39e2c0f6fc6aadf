// forEachPathScattered (stale.ts): a peer's whole-table sweep that withdraws visits each of
// its paths once, none of another peer's, and not in slot (arrival) order, so a table that
// came sorted is not deleted from the kernel FIB in ascending prefix order (issue 11).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PathStore } from '../../src/rib/path-store';
import { forEachPathOf, forEachPathScattered } from '../../src/rib/stale';

function store(n: number): PathStore {
  const ps = new PathStore(16, 16);
  // Peer 1 and peer 2 interleaved, each prefix in arrival order; every 7th of peer 1 removed.
  for (let i = 0; i < n; i++) {
    const s = ps.add(i, 1, 0, 10);
    ps.add(i, 2, 0, 11);
    if (i % 7 === 3) ps.remove(s);
  }
  return ps;
}

test("the scattered sweep visits exactly the peer's live paths, each once", () => {
  for (const n of [0, 1, 31, 32, 33, 1000, 5000]) {
    const ps = store(n);
    const plain: number[] = [];
    forEachPathOf(ps, 1, (s) => plain.push(s));
    const scattered: number[] = [];
    forEachPathScattered(ps, 1, (s) => scattered.push(s));
    assert.equal(new Set(scattered).size, scattered.length, `n=${n}: no slot twice`);
    assert.deepEqual(
      [...scattered].sort((a, b) => a - b),
      plain,
      `n=${n}: the same slots`,
    );
    for (const s of scattered) assert.equal(ps.peer[s], 1);
  }
});

test('the scattered sweep does not run in arrival order, in either direction', () => {
  const ps = store(5000);
  const prefixes: number[] = [];
  forEachPathScattered(ps, 1, (s) => prefixes.push(ps.prefix[s]!));
  let up = 0;
  for (let i = 1; i < prefixes.length; i++) if (prefixes[i]! > prefixes[i - 1]!) up++;
  // Runs ascend inside (a few cache lines each) but the runs jump: neither sorted way round.
  assert.ok(up < prefixes.length - 1, 'not ascending');
  assert.ok(up > 0, 'not descending');
  // The first half of the table (by prefix) is not all gone before the second half starts.
  const firstHalfDone = prefixes.findIndex((p) => p >= 2500);
  assert.ok(firstHalfDone < prefixes.length / 4, `a late prefix comes early (at ${firstHalfDone})`);
});

test('removing the visited slot during the sweep is safe (peer down removes as it goes)', () => {
  const ps = store(3000);
  let n = 0;
  forEachPathScattered(ps, 1, (s) => {
    ps.remove(s);
    n++;
  });
  const left: number[] = [];
  forEachPathOf(ps, 1, (s) => left.push(s));
  assert.deepEqual(left, []);
  assert.equal(n, 3000 - Math.ceil((3000 - 3) / 7));
});
