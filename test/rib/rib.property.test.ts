// The incremental Rib against a brute-force model: after any sequence of announces,
// withdraws, session downs (with and without GR) and End-of-RIBs, every prefix's best path
// equals decide() over the model's paths, and emptying the RIB frees every id and set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IPV4_UNICAST } from '../../src/bgp/messages/types';
import { decide } from '../../src/rib/decision';
import { Rib } from '../../src/rib/rib';
import { attrs, ibgp, seq, setup } from './helpers';

const IN_CI = process.env.CI === 'true';

type Op =
  | { k: 'ann'; peer: number; pfx: number; path: number; lp: number; len: number }
  | { k: 'wd'; peer: number; pfx: number; path: number }
  | { k: 'down'; peer: number; gr: boolean }
  | { k: 'eor'; peer: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('ann' as const), peer: fc.nat(2), pfx: fc.nat(7), path: fc.nat(1), lp: fc.nat(2), len: fc.nat(2) }),
  fc.record({ k: fc.constant('wd' as const), peer: fc.nat(2), pfx: fc.nat(7), path: fc.nat(1) }),
  fc.record({ k: fc.constant('down' as const), peer: fc.nat(2), gr: fc.boolean() }),
  fc.record({ k: fc.constant('eor' as const), peer: fc.nat(2) }),
);

test('incremental decisions match a brute-force model', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 80 }), fc.integer({ min: 1, max: 5 }), (ops, batch) => {
      const { store, peers } = setup();
      const rib = new Rib({ family: IPV4_UNICAST, peers, attrs: store });
      const ps = [0, 1, 2].map((i) => peers.add(ibgp(`10.0.0.${i + 2}`)));
      // model: key peer/pfx/path -> {lp, len, stale}
      const model = new Map<string, { lp: number; len: number; stale: boolean }>();
      const addr = (p: number) => 0x0a000000 + p * 256;
      const mk = (lp: number, len: number) => store.intern(attrs({ localPref: 100 + lp, asPath: seq(...Array.from({ length: len }, (_, i) => i + 1)) }));
      for (const o of ops) {
        const peer = ps[o.peer].index;
        if (o.k === 'ann') {
          rib.announce4(peer, addr(o.pfx), 24, o.path, mk(o.lp, o.len));
          model.set(`${o.peer}/${o.pfx}/${o.path}`, { lp: o.lp, len: o.len, stale: false });
        } else if (o.k === 'wd') {
          rib.withdraw4(peer, addr(o.pfx), 24, o.path);
          model.delete(`${o.peer}/${o.pfx}/${o.path}`);
        } else if (o.k === 'down') {
          rib.peerDown(peer, o.gr);
          for (const [k, v] of model) if (k.startsWith(`${o.peer}/`)) o.gr ? (v.stale = true) : model.delete(k);
        } else {
          rib.endOfRib(peer);
          for (const [k, v] of model) if (k.startsWith(`${o.peer}/`) && v.stale) model.delete(k);
        }
        if (o.peer === 0) while (rib.decide(batch).length > 0); // interleave partial decisions
      }
      while (rib.decide(batch).length > 0);
      for (let p = 0; p < 8; p++) {
        const id = rib.prefixes.find4(addr(p), 24);
        const paths = [...model].filter(([k]) => k.split('/')[1] === String(p));
        if (paths.length === 0) {
          assert.equal(id >= 0 ? rib.bestOf(id) : undefined, undefined);
          continue;
        }
        const routes = rib.routesOf(id);
        assert.equal(routes.length, paths.length);
        const best = rib.bestOf(id)!;
        assert.ok(best);
        assert.equal(best.slot, decide(routes).best.slot);
      }
      assert.equal(rib.locRibSize, new Set([...model.keys()].map((k) => k.split('/')[1])).size);
      for (const p of ps) rib.peerDown(p.index);
      while (rib.decide(batch).length > 0);
      rib.decide();
      assert.equal(rib.prefixes.size, 0);
      assert.equal(store.size, 0);
      assert.equal(rib.paths.size, 0);
    }),
    { numRuns: IN_CI ? 2000 : 300 },
  );
});
