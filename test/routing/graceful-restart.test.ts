// Graceful restart helper mode (RFC 4724 4.2) and enhanced route refresh (RFC 7313) in the
// routing engine, with fake sessions and a fake clock: no wall-clock waits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRouteRefresh, encodeRouteRefresh } from '../../src/bgp/messages';
import { FakeSession, P, converged, grCap, settle, setup, stale } from './gr-fakes';

test('TCP loss with GR: paths kept as stale and still advertised; restart timer expiry withdraws them', async () => {
  const { engine, a, b, timers } = await converged(grCap(120));
  a.down(false);
  await settle();
  assert.deepEqual(b.take(), [], 'nothing withdrawn at the other peer');
  assert.deepEqual(stale(engine), { '10.1.0.0/24': true, '10.1.1.0/24': true, '10.1.2.0/24': true });
  assert.equal(engine.peers.all().length, 2, 'the restarting peer keeps its index');
  timers.advance(119_000);
  await settle();
  assert.deepEqual(b.take(), []);
  timers.advance(2_000); // RFC 4724 4.2: Restart Time (120 s) over, no session
  await settle();
  assert.deepEqual(b.take().sort(), P.map((p) => `-${p}`).sort());
  assert.equal(engine.routes('ipv4-unicast').length, 0);
  assert.deepEqual(
    engine.peers.all().map((p) => p.address),
    ['192.0.2.3'],
    'index released',
  );
  assert.equal(timers.size, 0);
  engine.close();
});

test('re-established with F bit: updates refresh paths, End-of-RIB drops only the stale rest', async () => {
  const { engine, a, b, timers } = await converged(grCap(120));
  const index = engine.peers.all().find((p) => p.address === '192.0.2.2')!.index;
  a.down(false);
  await settle();
  a.up({ gracefulRestart: grCap(120) });
  await settle();
  assert.equal(engine.peers.all().find((p) => p.address === '192.0.2.2')!.index, index, 'same Adj-RIB-In');
  assert.deepEqual(a.take(), ['EoR'], 'the restarted peer gets our table and End-of-RIB');
  a.announce([P[0]!, P[2]!], '192.0.2.2');
  await settle();
  assert.deepEqual(stale(engine), { '10.1.0.0/24': false, '10.1.1.0/24': true, '10.1.2.0/24': false });
  assert.deepEqual(b.take(), [], 'an unchanged path is not re-sent');
  a.eor();
  await settle();
  assert.deepEqual(b.take(), ['-10.1.1.0/24']);
  assert.deepEqual(stale(engine), { '10.1.0.0/24': false, '10.1.2.0/24': false });
  assert.equal(timers.size, 0, 'restart and stale-path timers stopped');
  timers.advance(1_000_000);
  await settle();
  assert.deepEqual(b.take(), []);
  engine.close();
});

test('re-established without End-of-RIB: the stale-path timer drops the rest', async () => {
  const { engine, a, b, timers } = await converged(grCap(120), 30);
  a.down(false);
  await settle();
  a.up({ gracefulRestart: grCap(120) });
  a.announce([P[0]!], '192.0.2.2');
  await settle();
  timers.advance(29_000);
  await settle();
  assert.deepEqual(b.take(), []);
  timers.advance(1_000);
  await settle();
  assert.deepEqual(b.take().sort(), ['-10.1.1.0/24', '-10.1.2.0/24']);
  engine.close();
});

test('F bit clear, or no GR capability in the new OPEN: stale paths go at once', async () => {
  for (const cap of [grCap(120, false), undefined]) {
    const { engine, a, b } = await converged(grCap(120));
    a.down(false);
    await settle();
    assert.deepEqual(b.take(), []);
    a.up(cap ? { gracefulRestart: cap } : {});
    await settle();
    assert.deepEqual(b.take().sort(), P.map((p) => `-${p}`).sort(), `cap ${cap ? 'F=0' : 'absent'}`);
    assert.equal(engine.routes('ipv4-unicast').length, 0);
    engine.close();
  }
});

test('a NOTIFICATION, or a peer without GR: no graceful restart, paths withdrawn at once', async () => {
  for (const [cap, notification] of [
    [grCap(120), true],
    [null, false],
  ] as const) {
    const { engine, a, b, timers } = await converged(cap);
    a.down(notification);
    await settle();
    assert.deepEqual(b.take().sort(), P.map((p) => `-${p}`).sort());
    assert.equal(engine.peers.all().length, 1);
    assert.equal(timers.size, 0);
    engine.close();
  }
});

test('a second loss while stale: the paths still stale go, the refreshed ones become stale', async () => {
  const { engine, a, b, timers } = await converged(grCap(60));
  a.down(false);
  await settle();
  a.up({ gracefulRestart: grCap(60) });
  a.announce([P[0]!], '192.0.2.2');
  await settle();
  a.down(false); // before its End-of-RIB
  await settle();
  assert.deepEqual(b.take().sort(), ['-10.1.1.0/24', '-10.1.2.0/24']); // RFC 4724 4.2 consecutive restarts
  assert.deepEqual(stale(engine), { '10.1.0.0/24': true });
  timers.advance(60_000);
  await settle();
  assert.deepEqual(b.take(), ['-10.1.0.0/24']);
  engine.close();
});

test('a new peer never takes the index of a peer in restart', async () => {
  const { engine, a } = await converged(grCap(120));
  const index = engine.peers.all().find((p) => p.address === '192.0.2.2')!.index;
  a.down(false);
  await settle();
  const c = new FakeSession({ address: '192.0.2.4', asn: 65000, routeReflectorClient: true }, 4);
  engine.attach(c);
  c.up();
  await settle();
  assert.notEqual(engine.peers.all().find((p) => p.address === '192.0.2.4')!.index, index);
  assert.deepEqual(c.log(), [...P.map((p) => `+${p}`), 'EoR'], 'stale paths are advertised to a new peer too');
  engine.close();
});

test('received BoRR/EoRR (RFC 7313): what is not re-advertised in between is withdrawn', async () => {
  const { engine, a, b, timers } = setup();
  a.up({ enhancedRouteRefresh: true });
  b.up();
  a.announce(P, '192.0.2.2');
  await settle();
  b.take();
  a.refresh(2); // EoRR without BoRR: nothing to end
  await settle();
  assert.deepEqual(stale(engine), { '10.1.0.0/24': false, '10.1.1.0/24': false, '10.1.2.0/24': false });
  a.refresh(1); // BoRR
  await settle();
  assert.deepEqual(stale(engine), { '10.1.0.0/24': true, '10.1.1.0/24': true, '10.1.2.0/24': true });
  assert.deepEqual(b.take(), [], 'stale paths stay advertised');
  a.announce([P[1]!], '192.0.2.2');
  a.refresh(2); // EoRR
  await settle();
  assert.deepEqual(b.take().sort(), ['-10.1.0.0/24', '-10.1.2.0/24']);
  assert.deepEqual(stale(engine), { '10.1.1.0/24': false });
  // A BoRR whose EoRR never comes: the stale timer (360 s default) ends it.
  a.refresh(1);
  await settle();
  timers.advance(359_000);
  await settle();
  assert.deepEqual(b.take(), []);
  timers.advance(1_000);
  await settle();
  assert.deepEqual(b.take(), ['-10.1.1.0/24']);
  engine.close();
});

test('answering a ROUTE-REFRESH: BoRR, the table, EoRR with enhanced refresh; the table alone without', async () => {
  const { engine, a, b } = await converged(grCap(120));
  b.refresh(0);
  await settle();
  assert.deepEqual(
    b.take(),
    P.map((p) => `+${p}`),
    'RFC 2918 only: no BoRR/EoRR',
  );
  a.refresh(1); // without enhanced refresh negotiated the subtype is Reserved: a plain request
  await settle();
  // The source of every route gets no announcement back (only withdrawals from state, which a
  // receiver ignores for prefixes it never had: RFC 4271 9.1.1 has nothing to remove).
  assert.deepEqual(
    a.take().filter((x) => x.startsWith('+')),
    [],
  );
  assert.deepEqual(stale(engine), { '10.1.0.0/24': false, '10.1.1.0/24': false, '10.1.2.0/24': false });
  const c = new FakeSession({ address: '192.0.2.4', asn: 65000, routeReflectorClient: true }, 4);
  engine.attach(c);
  c.up({ enhancedRouteRefresh: true });
  await settle();
  assert.deepEqual(c.take(), [...P.map((p) => `+${p}`), 'EoR']);
  c.refresh(0);
  await settle();
  assert.deepEqual(c.take(), ['BoRR', ...P.map((p) => `+${p}`), 'EoRR']);
  // With nothing to send (its own routes are never sent back), still BoRR then EoRR.
  a.up({ gracefulRestart: grCap(120), enhancedRouteRefresh: true });
  await settle();
  a.take();
  a.refresh(0);
  await settle();
  const got = a.take();
  assert.deepEqual([got[0], got.at(-1)], ['BoRR', 'EoRR']);
  assert.deepEqual(
    got.filter((x) => x.startsWith('+')),
    [],
  );
  // A subtype RFC 7313 does not define, and a family not negotiated: ignored.
  c.take(); // (a's new session replaced its old one: its paths were withdrawn)
  c.refresh(7);
  c.routeRefresh(decodeRouteRefresh(encodeRouteRefresh({ afi: 2, safi: 1, subtype: 0 })));
  await settle();
  assert.deepEqual(c.take(), []);
  engine.close();
});

test('a dynamic neighbor whose session object went: the next session from its address takes the stale paths over', async () => {
  const { engine, a, b, timers } = await converged(grCap(120));
  const index = engine.peers.all().find((p) => p.address === '192.0.2.2')!.index;
  a.down(false);
  engine.detach(a, { keepStale: true }); // what the Speaker does with an idle dynamic peer
  await settle();
  assert.deepEqual(b.take(), []);
  assert.deepEqual(stale(engine), { '10.1.0.0/24': true, '10.1.1.0/24': true, '10.1.2.0/24': true });
  const a2 = new FakeSession(
    { address: '192.0.2.2', asn: 65000, routeReflectorClient: true, dynamic: true },
    0xc0000202,
  );
  engine.attach(a2);
  a2.up({ gracefulRestart: grCap(120) });
  a2.announce([P[0]!], '192.0.2.2');
  a2.eor();
  await settle();
  assert.equal(engine.peers.all().find((p) => p.address === '192.0.2.2')!.index, index);
  assert.deepEqual(b.take().sort(), ['-10.1.1.0/24', '-10.1.2.0/24']);
  // Gone again, dynamic (detach keeps stale by default), and never back: the restart timer ends it.
  a2.down(false);
  engine.detach(a2);
  timers.advance(120_000);
  await settle();
  assert.deepEqual(b.take(), ['-10.1.0.0/24']);
  assert.deepEqual(
    engine.peers.all().map((p) => p.address),
    ['192.0.2.3'],
  );
  // A configured peer that is deconfigured loses its stale paths at once.
  const c = new FakeSession({ address: '192.0.2.4', asn: 65000, routeReflectorClient: true }, 4);
  engine.attach(c);
  c.up({ gracefulRestart: grCap(120) });
  c.announce([P[2]!], '192.0.2.4');
  await settle();
  b.take();
  c.down(false);
  engine.detach(c);
  await settle();
  assert.deepEqual(b.take(), ['-10.1.2.0/24']);
  assert.equal(timers.size, 0);
  engine.close();
});
