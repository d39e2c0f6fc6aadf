// AdjRibOut's ADD-PATH layout (RFC 7911: several tx path ids per prefix; state and pending
// changes on chains per prefix id) against a model: under random set / withdraw / partial
// takes, the pairs taken always carry the newest queued change of their (prefix, tx), each
// (prefix, tx) is pending at most once, txsOf lists what is advertised, and clear() drops
// every reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkProperty, scenarioRuns } from '../helpers/property';
import { IPV4_UNICAST } from '../../src/bgp/messages/types';
import { AdjRibOut, NO_PEER } from '../../src/routing/adj-rib-out';
import { PrefixIndex } from '../../src/rib/prefix-index';
import { attrs, setup } from '../rib/helpers';

type Op =
  | { k: 'set'; p: number; tx: number; med: number; excl: number }
  | { k: 'wd'; p: number; tx: number }
  | { k: 'take'; n: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      k: fc.constant('set' as const),
      p: fc.nat(7),
      tx: fc.nat(4),
      med: fc.nat(2),
      excl: fc.constantFrom(NO_PEER, 3),
    }),
    weight: 5,
  },
  { arbitrary: fc.record({ k: fc.constant('wd' as const), p: fc.nat(7), tx: fc.nat(4) }), weight: 3 },
  { arbitrary: fc.record({ k: fc.constant('take' as const), n: fc.integer({ min: 1, max: 4 }) }), weight: 2 },
);

test('ADD-PATH AdjRibOut: pending changes per (prefix, tx) match a model under churn', (t) => {
  checkProperty(
    t,
    fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const { store } = setup();
      const ix = new PrefixIndex(IPV4_UNICAST);
      const out = new AdjRibOut(ix, store, 4, true);
      // Attribute sets and prefix ids are held by "the RIB" for the whole run, as in the engine.
      const sets = [0, 1, 2].map((med) => store.intern(attrs({ med })));
      for (const a of sets) store.ref(a);
      const ps = Array.from({ length: 8 }, (_, i) => ix.intern4(0x0a000000 + i * 256, 24));
      for (const p of ps) ix.ref(p);
      const state = new Map<string, { med: number; excl: number }>();
      const pending = new Map<string, number | undefined>(); // key -> med, undefined: withdraw
      const takeSome = (n: number) => {
        const b = out.nextBucket();
        if (!b) return;
        const pairs: number[] = [];
        out.take(b, n, pairs);
        for (let i = 0; i < pairs.length; i += 2) {
          const key = `${pairs[i]}#${pairs[i + 1]}`;
          assert.ok(pending.has(key), `${key} was pending`);
          assert.equal(b.attrs?.med, pending.get(key), `${key} carries its newest change`);
          pending.delete(key);
        }
        out.releasePairs(pairs);
      };
      for (const o of ops) {
        if (o.k === 'take') {
          takeSome(o.n);
          continue;
        }
        const p = ps[o.p]!;
        const key = `${p}#${o.tx}`;
        const before = state.get(key);
        if (o.k === 'set') {
          const changed = out.set(p, o.tx, sets[o.med], o.excl);
          assert.equal(changed, before?.med !== o.med || before?.excl !== o.excl);
          state.set(key, { med: o.med, excl: o.excl });
          if (changed) pending.set(key, o.med);
        } else {
          assert.equal(out.set(p, o.tx, undefined), before !== undefined);
          if (before) pending.set(key, undefined);
          state.delete(key);
        }
        assert.equal(out.pending, pending.size);
      }
      assert.equal(out.size, state.size);
      for (const p of ps) {
        const txs: number[] = [];
        const n = out.txsOf(p, txs);
        const want = [...state.keys()].filter((k) => k.startsWith(`${p}#`)).map((k) => Number(k.split('#')[1]));
        assert.deepEqual(txs.slice(0, n).sort(), want.sort());
        for (let tx = 0; tx <= 4; tx++) {
          const s = state.get(`${p}#${tx}`);
          assert.equal(out.lookup(p, tx)?.med, s?.med);
          assert.equal(out.exclusionOf(p, tx), s ? s.excl : NO_PEER);
        }
      }
      if (ops.length % 2 === 0) {
        for (let b = out.nextBucket(); b; b = out.nextBucket()) takeSome(1000);
        assert.equal(pending.size, 0);
      }
      out.clear();
      for (const a of sets) store.unref(a);
      for (const p of ps) ix.unref(p);
      assert.equal(ix.size, 0, 'every prefix reference released (state and pending)');
      assert.equal(store.size, 0, 'every attribute set released');
    }),
    { runs: scenarioRuns(1000, 200) },
  );
});
