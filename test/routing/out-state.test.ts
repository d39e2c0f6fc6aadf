// The Adj-RIB-Out state layouts against a plain Map model: ChainState (ADD-PATH, chains of
// path ids per prefix id) under any mix of put / replace / remove (head, middle, tail of a
// chain), growth past the initial arrays, lookups between writes (its last-probe cache) and
// clear; DenseState with tx 0 the same way.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkProperty, scenarioRuns } from '../helpers/property';
import { ChainState, DenseState, type OutState } from '../../src/routing/out-state';

type Op =
  | { k: 'put'; p: number; tx: number; attr: number; excl: number }
  | { k: 'rm'; p: number; tx: number }
  | { k: 'get'; p: number; tx: number }
  | { k: 'clear' };

function opArb(maxTx: number): fc.Arbitrary<Op> {
  // Prefix ids up to 3000 cross the initial 1024 heads; few ids make long chains too.
  const p = fc.oneof(fc.nat(5), fc.nat(3000));
  const tx = fc.oneof(fc.nat(maxTx), fc.constant(0xfffffffe));
  return fc.oneof(
    {
      arbitrary: fc.record({
        k: fc.constant('put' as const),
        p,
        tx,
        attr: fc.nat(50),
        // Past 65,535 the dense layout's 2-byte exclusions widen (grow.ts widened).
        excl: fc.oneof(fc.integer({ min: -1, max: 5 }), fc.constantFrom(0xfffe, 0xffff, 70000)),
      }),
      weight: 5,
    },
    { arbitrary: fc.record({ k: fc.constant('rm' as const), p, tx }), weight: 3 },
    { arbitrary: fc.record({ k: fc.constant('get' as const), p, tx }), weight: 2 },
    { arbitrary: fc.record({ k: fc.constant('clear' as const) }), weight: 1 },
  );
}

function check(t: TestContext, make: () => OutState, maxTx: number): void {
  checkProperty(
    t,
    fc.property(fc.array(opArb(maxTx), { maxLength: 400 }), (ops) => {
      const st = make();
      const model = new Map<string, { p: number; tx: number; attr: number; excl: number }>();
      for (const o of ops) {
        const tx = maxTx === 0 ? 0 : o.k === 'clear' ? 0 : o.tx;
        if (o.k === 'clear') {
          st.clear();
          model.clear();
          continue;
        }
        const key = `${o.p}#${tx}`;
        const m = model.get(key);
        // Every write follows a get, as AdjRibOut.set does (the cache must stay right).
        assert.equal(st.get(o.p, tx), m ? m.attr : -1);
        if (m) assert.equal(st.exclusion(o.p, tx), m.excl);
        if (o.k === 'put') {
          st.put(o.p, tx, o.attr, o.excl);
          model.set(key, { p: o.p, tx, attr: o.attr, excl: o.excl });
          assert.equal(st.get(o.p, tx), o.attr, 'readable at once');
        } else if (o.k === 'rm' && m) {
          st.remove(o.p, tx);
          model.delete(key);
          assert.equal(st.get(o.p, tx), -1, 'gone at once');
        }
      }
      assert.equal(st.size, model.size);
      const seen = new Map<string, number>();
      st.forEach((p, tx, attr) => {
        seen.set(`${p}#${tx}`, attr);
      });
      assert.deepEqual(seen, new Map([...model].map(([k, v]) => [k, v.attr])));
      for (const { p, tx, attr, excl } of model.values()) {
        assert.equal(st.get(p, tx), attr);
        assert.equal(st.exclusion(p, tx), excl);
        const txs: number[] = [];
        const n = st.txsOf(p, txs);
        const want = [...model.values()]
          .filter((v) => v.p === p)
          .map((v) => v.tx)
          .sort((a, b) => a - b);
        assert.deepEqual(
          txs.slice(0, n).sort((a, b) => a - b),
          want,
        );
      }
      for (let p = 0; p <= 5; p++) {
        for (let tx = 0; tx <= maxTx; tx++) assert.equal(st.get(p, tx), model.get(`${p}#${tx}`)?.attr ?? -1);
      }
      assert.equal(st.txsOf(999999, []), 0, 'a prefix id past the arrays has no paths');
    }),
    { runs: scenarioRuns(1000, 150) },
  );
}

test('ChainState matches a Map model under put/replace/remove/clear (ADD-PATH path ids)', (t) => {
  check(t, () => new ChainState(4), 6);
});

test('DenseState matches a Map model (tx 0)', (t) => {
  check(t, () => new DenseState(16), 0);
});

test('ChainState keeps a chain in first-sent order and reuses freed entries', () => {
  const st = new ChainState(64);
  for (const tx of [5, 1, 9]) st.put(7, tx, tx * 10, -1);
  const txs: number[] = [];
  assert.equal(st.txsOf(7, txs), 3);
  assert.deepEqual(txs, [5, 1, 9]);
  const before = st.bytes;
  st.remove(7, 1); // the middle of the chain
  assert.equal(st.txsOf(7, txs), 2);
  assert.deepEqual(txs.slice(0, 2), [5, 9]);
  st.put(7, 2, 20, 3);
  assert.deepEqual(txs.slice(0, st.txsOf(7, txs)), [5, 9, 2]);
  assert.equal(st.bytes, before, 'the freed entry was reused: no growth');
  for (let p = 0; p < 5000; p++) st.put(p, 1, p, -1);
  assert.equal(st.get(4999, 1), 4999);
  assert.equal(st.get(7, 9), 90);
  assert.equal(st.size, 5000 + 3);
});
