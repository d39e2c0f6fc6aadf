import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IPV4_UNICAST } from '../../src/bgp/messages/types';
import { AdjRibOut, NO_PEER } from '../../src/routing/adj-rib-out';
import { PrefixIndex } from '../../src/rib/prefix-index';
import { attrs, setup } from '../rib/helpers';

for (const addPath of [true, false]) {
  const layout = addPath ? 'hashed state' : 'dense state';
  function make() {
    const { store } = setup();
    const ix = new PrefixIndex(IPV4_UNICAST);
    return { store, ix, out: new AdjRibOut(ix, store, 64, addPath) };
  }

  test(`bucket per attribute set; withdrawals come first (${layout})`, () => {
    const { store, ix, out } = make();
    const a = store.intern(attrs({ med: 1 }));
    const b = store.intern(attrs({ med: 2 }));
    const p = [0, 1, 2].map((i) => ix.intern4(0x0a000000 + i * 256, 24));
    out.set(p[0], 0, a);
    out.set(p[1], 0, a);
    out.set(p[2], 0, b);
    let bucket = out.nextBucket()!;
    assert.equal(bucket.attrs, a);
    assert.equal(bucket.size, 2);
    out.set(p[1], 0, undefined);
    bucket = out.nextBucket()!;
    assert.equal(bucket.attrs, undefined, 'withdraw bucket first');
    const pairs: number[] = [];
    out.take(bucket, 10, pairs);
    assert.deepEqual(pairs, [p[1], 0]);
    out.releasePairs(pairs);
    assert.equal(out.pending, 2);
  });

  test(`a newer change replaces the queued older one (${layout})`, () => {
    const { store, ix, out } = make();
    const a = store.intern(attrs({ med: 1 }));
    const b = store.intern(attrs({ med: 2 }));
    const p = ix.intern4(0x0a000000, 24);
    out.set(p, 0, a);
    out.set(p, 0, b);
    assert.equal(out.pending, 1);
    const bucket = out.nextBucket()!;
    assert.equal(bucket.attrs, b);
    assert.equal(bucket.size, 1);
    out.set(p, 0, undefined);
    assert.equal(out.pending, 1);
    assert.equal(out.nextBucket()!.attrs, undefined);
    assert.equal(out.set(p, 0, undefined), false, 'withdrawing what is not advertised is no change');
    assert.equal(out.size, 0);
    assert.equal(store.refCount(b), 0, 'state released its reference');
  });

  test(`same attrs again is no change; exclusion is part of the entry (${layout})`, () => {
    const { store, ix, out } = make();
    const a = store.intern(attrs());
    const p = ix.intern4(0x0a000000, 24);
    assert.equal(out.set(p, 0, a, 3), true);
    const pairs: number[] = [];
    out.take(out.nextBucket()!, 10, pairs);
    out.releasePairs(pairs);
    assert.equal(out.set(p, 0, a, 3), false);
    assert.equal(out.pending, 0);
    assert.equal(out.set(p, 0, a, NO_PEER), true);
    assert.equal(out.exclusionOf(p, 0), -1);
    assert.equal(out.lookup(p, 0), a);
  });

  test(`prefix ids stay valid while a withdraw is pending (${layout})`, () => {
    const { store, ix, out } = make();
    const p = ix.intern4(0x0a000000, 24);
    ix.ref(p); // a RIB path
    out.set(p, 0, store.intern(attrs()));
    ix.unref(p); // the path goes
    out.set(p, 0, undefined);
    assert.equal(ix.find4(0x0a000000, 24), p, 'still held by the pending withdraw');
    const pairs: number[] = [];
    out.take(out.nextBucket()!, 10, pairs);
    out.releasePairs(pairs);
    assert.equal(ix.find4(0x0a000000, 24), -1);
  });

  // Past the initial slot arrays (64): growth keeps every pending change, a replaced change
  // moves bucket, clear() drops every reference (the dense layout keys slots by prefix id).
  test(`thousands of pending changes across growth, replacement and clear (${layout})`, () => {
    const { store, ix, out } = make();
    const a = store.intern(attrs({ med: 1 }));
    const b = store.intern(attrs({ med: 2 }));
    const ps = Array.from({ length: 3000 }, (_, i) => ix.intern4(0x0a000000 + i * 256, 24));
    for (const p of ps) out.set(p, 0, a, p % 3 === 0 ? 7 : NO_PEER);
    for (let i = 0; i < ps.length; i += 2) out.set(ps[i]!, 0, b, NO_PEER);
    assert.equal(out.pending, 3000);
    const seen = new Map<number, number>();
    for (let bucket = out.nextBucket(); bucket; bucket = out.nextBucket()) {
      const pairs: number[] = [];
      const want = bucket.size;
      assert.equal(out.take(bucket, 1000, pairs), Math.min(1000, want));
      for (let i = 0; i < pairs.length; i += 2) {
        assert.equal(pairs[i + 1], 0);
        seen.set(pairs[i]!, bucket.attrs!.id);
      }
      out.releasePairs(pairs);
    }
    assert.equal(out.pending, 0);
    assert.equal(seen.size, 3000);
    for (let i = 0; i < ps.length; i++) assert.equal(seen.get(ps[i]!), i % 2 === 0 ? b.id : a.id);
    for (const p of ps.slice(0, 100)) out.set(p, 0, undefined);
    assert.equal(out.pending, 100);
    out.clear();
    assert.equal(out.pending, 0);
    assert.equal(out.size, 0);
    assert.equal(out.nextBucket(), undefined);
    assert.equal(store.refCount(a), 0);
    assert.equal(store.refCount(b), 0);
    assert.equal(ix.size, 0, 'every prefix reference released');
  });

  test(`a full table queued at once: the slot arrays shrink when it is sent, and the next round is right (${layout})`, () => {
    const { store, ix, out } = make();
    const a = store.intern(attrs({ med: 1 }));
    const b = store.intern(attrs({ med: 2 }));
    store.ref(a);
    store.ref(b);
    const drain = (): Map<number, number> => {
      const seen = new Map<number, number>(); // prefix -> set id, -1 for a withdraw
      for (let bucket = out.nextBucket(); bucket; bucket = out.nextBucket()) {
        const pairs: number[] = [];
        out.take(bucket, 4096, pairs);
        for (let i = 0; i < pairs.length; i += 2) {
          assert.ok(!seen.has(pairs[i]!), 'each prefix once per round');
          seen.set(pairs[i]!, bucket.attrs ? bucket.attrs.id : -1);
        }
        out.releasePairs(pairs);
      }
      return seen;
    };
    const ps = Array.from({ length: 50_000 }, (_, i) => ix.intern4(0x0a000000 + i * 256, 24));
    for (const p of ps) out.set(p, 0, a);
    const full = out.pendingBytes;
    assert.ok(full >= 50_000 * 21, `slots for every queued change (${full} bytes)`);
    const first = drain();
    assert.equal(first.size, 50_000);
    assert.ok([...first.values()].every((id) => id === a.id));
    assert.equal(out.pending, 0);
    assert.ok(out.pendingBytes < 4096 * 21, `shrunk once nothing is queued (${out.pendingBytes} bytes)`);
    // Second round on the small arrays: changes, withdrawals, and a change replaced by a withdraw.
    for (let i = 0; i < 10_000; i++) out.set(ps[i]!, 0, b);
    for (let i = 10_000; i < 12_000; i++) out.set(ps[i]!, 0, undefined);
    for (let i = 0; i < 1_000; i++) out.set(ps[i]!, 0, undefined);
    assert.equal(out.pending, 12_000);
    const second = drain();
    assert.equal(second.size, 12_000);
    for (let i = 0; i < 12_000; i++)
      assert.equal(second.get(ps[i]!), i < 1_000 || i >= 10_000 ? -1 : b.id, `prefix #${i}`);
    assert.equal(out.size, 50_000 - 3_000);
    assert.equal(out.lookup(ps[5_000]!, 0), b);
    assert.equal(out.lookup(ps[20_000]!, 0), a);
    out.clear();
    assert.equal(ix.size, 0, 'every prefix reference released');
  });

  test(`a source whose route replaces a queued withdraw still gets a withdraw (${layout})`, () => {
    const { store, ix, out } = make();
    const a = store.intern(attrs({ med: 1 }));
    const b = store.intern(attrs({ med: 2 }));
    store.ref(a); // the test's own references: the sets outlive their withdrawals
    store.ref(b);
    const p = ix.intern4(0x0a000000, 24);
    const X = 7;
    const drain = () => {
      const pairs: number[] = [];
      const wd: number[] = [];
      const bucket = out.nextBucket()!;
      out.take(bucket, 10, pairs, wd);
      out.releasePairs(pairs);
      return { bucket, wd };
    };
    out.set(p, 0, a); // sent to every member, X too
    drain();
    out.set(p, 0, undefined); // withdraw queued, not yet built
    out.set(p, 0, b, X); // X's own route replaces it: X must lose the one it holds
    const { bucket, wd } = drain();
    assert.equal(bucket.excl, X);
    assert.deepEqual(wd, [p, 0]);
    // Its own route from the start: no withdraw for X.
    out.set(p, 0, undefined, NO_PEER);
    drain();
    out.set(p, 0, a, X);
    out.set(p, 0, b, X);
    assert.deepEqual(drain().wd, []);
    out.set(p, 0, undefined);
    drain();
    assert.equal(ix.size, 0);
  });
}
