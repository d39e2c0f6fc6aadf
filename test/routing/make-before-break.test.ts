// Make before break on a full table: the routes only one session gives us are counted in one
// walk per Loc-RIB change, shared by every waiting session (engine.soleRoutes and
// replacement-watch.ts; fake sessions, no sockets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IPV4_UNICAST } from '../../src/bgp/messages';
import type { SessionHandle } from '../../src/routing';
import { ReplacementWatch, type SoleRouteSource } from '../../src/routing/replacement-watch';
import { P, settle, setup } from './gr-fakes';

test('soleRoutes: routes only one session gives, counted in one walk per Loc-RIB change for every session', async () => {
  const { engine, a, b } = setup();
  try {
    const rib = engine.ribs.get(IPV4_UNICAST)!;
    let walks = 0;
    const count = rib.countSoleBest.bind(rib);
    rib.countSoleBest = (c) => {
      walks++;
      count(c);
    };
    a.up();
    b.up();
    a.announce(P, '192.0.2.2');
    await settle();
    for (let i = 0; i < 10; i++) {
      assert.equal(engine.soleRoutes(a), P.length);
      assert.equal(engine.soleRoutes(b), 0);
    }
    assert.equal(walks, 1, 'twenty questions, the Loc-RIB unchanged: one walk');
    b.announce([P[0]], '192.0.2.3'); // a second path: P[0] no longer hangs on A alone
    await settle();
    assert.equal(engine.soleRoutes(a), P.length - 1);
    assert.equal(engine.soleRoutes(b), 0, 'B is not best for P[0] (higher router ID), and not alone');
    assert.equal(walks, 2);
    b.announce([P[1], P[2]], '192.0.2.3');
    a.down(true);
    await settle();
    assert.equal(engine.soleRoutes(b), P.length, 'A gone: B is the only source of every prefix');
    assert.equal(engine.soleRoutes(a), 0, 'a session that is down gives nothing');
  } finally {
    engine.close();
  }
});

/** A Loc-RIB seen by the watch: `sole` per session, a version and settled set by the test. */
class FakeSource implements SoleRouteSource {
  routeVersion = 0;
  settled = true;
  counts = 0;
  readonly sole = new Map<SessionHandle, number>();
  soleRoutes(s: SessionHandle): number {
    this.counts++;
    return this.sole.get(s) ?? 0;
  }
}

const rounds = (n: number) => new Promise((r) => setTimeout(r, n * 3));

test('ReplacementWatch: a recount only after the Loc-RIB changed and settled, waiters released as they are replaced', async () => {
  const src = new FakeSource();
  const watch = new ReplacementWatch(src, 1);
  const sessions = Array.from({ length: 50 }, (_, i) => ({ i }) as unknown as SessionHandle);
  for (const s of sessions) src.sole.set(s, 1);
  const released = new Set<SessionHandle>();
  let stop = false;
  const waits = sessions.map((s, i) => watch.wait(s, () => stop && i === 49).then(() => released.add(s)));
  await rounds(10);
  const first = src.counts;
  assert.ok(first <= 50, `one count per waiter at most for the first version (${first})`);
  await rounds(10);
  assert.equal(src.counts, first, 'the Loc-RIB did not change: no recount');
  src.sole.set(sessions[0], 0);
  src.settled = false;
  src.routeVersion++;
  await rounds(10);
  assert.equal(src.counts, first, 'not settled yet: no recount');
  assert.equal(released.size, 0);
  src.settled = true;
  await rounds(10);
  assert.deepEqual([...released], [sessions[0]], 'the replaced session is released, the others wait');
  assert.equal(src.counts, first + 50, 'one recount round for the change');
  for (const s of sessions.slice(1, 49)) src.sole.set(s, 0);
  src.routeVersion++;
  await rounds(10);
  assert.equal(released.size, 49);
  stop = true;
  await Promise.all(waits);
  assert.equal(released.size, 50, 'the last one ends by its own condition (time up, stopping)');
});
