// RFC 4724 2: a session's first End-of-RIB (per family) follows its whole initial table,
// including the routes still waiting in the engine's decision queue when it joined (fake
// sessions and the manual clock of gr-fakes.ts, no sockets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IPV4_UNICAST } from '../../src/bgp/messages';
import { INITIAL_EOR_MAX_MS } from '../../src/routing/initial-eor';
import { FakeSession, fakeEngine, P, grCap, settle, setup } from './gr-fakes';

/** More prefixes than one turn decides (engine.ts DECIDE_BATCH, 8192): decisions span turns. */
const MANY = Array.from({ length: 20_000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
const tick = () => new Promise((r) => setImmediate(r));

function assertEorLast(log: string[], prefixes: readonly string[]): void {
  assert.equal(log.at(-1), 'EoR', 'End-of-RIB comes last');
  assert.equal(log.filter((l) => l === 'EoR').length, 1);
  assert.deepEqual(log.slice(0, -1).sort(), prefixes.map((p) => `+${p}`).sort(), 'every route before it');
}

test('End-of-RIB waits for routes received before the session came up and not yet decided', async () => {
  const { engine, a, b } = setup();
  try {
    a.up();
    a.announce(P, '192.0.2.2');
    b.up(); // joins (and is pumped) before the turn that decides P
    await settle();
    assertEorLast(b.take(), P);
  } finally {
    engine.close();
  }
});

test('End-of-RIB waits for decisions that span several turns, with part of the table decided at the join', async () => {
  const { engine, a, b } = setup();
  try {
    a.up();
    a.announce(MANY, '192.0.2.2');
    await tick(); // one turn: part of the table is in the Loc-RIB, the rest still queued
    assert.ok(engine.locRibSize(IPV4_UNICAST) > 0 && !engine.settled, 'the join falls between decisions');
    b.up();
    for (let i = 0; i < 20 && !engine.settled; i++) await settle();
    await settle();
    assertEorLast(b.take(), MANY);
  } finally {
    engine.close();
  }
});

test('RFC 4724 4.1: a deferred session gets End-of-RIB after every route decided, with no special case in the deferral', async () => {
  const { engine } = fakeEngine({ selectionDeferralMs: 60_000 });
  const a = new FakeSession({ address: '192.0.2.2', asn: 65000, routeReflectorClient: true }, 0xc0000202);
  const b = new FakeSession({ address: '192.0.2.3', asn: 65000, routeReflectorClient: true }, 0xc0000203);
  engine.attach(a);
  engine.attach(b);
  try {
    engine.expectPeers([a.config.address], true);
    a.up({ gracefulRestart: grCap(120) });
    b.up();
    a.announce(MANY, '192.0.2.2');
    await tick();
    assert.deepEqual(b.take(), [], 'deferred until the End-of-RIB of 192.0.2.2');
    a.eor(); // the deferral ends here, with most of the table still to decide
    assert.ok(!engine.settled);
    for (let i = 0; i < 20 && !engine.settled; i++) await settle();
    await settle();
    assertEorLast(b.take(), MANY);
    assert.deepEqual(a.take(), ['EoR'], 'its own routes are never sent back');
  } finally {
    engine.close();
  }
});

/**
 * A peer that never stops sending: every turn brings more than one turn decides, so some
 * decision is always pending when the new session pulls. `turns` rounds of MANY, the next
 * hop flipping each round so every prefix changes again.
 */
async function churn(a: FakeSession, turns: number, from = 0): Promise<void> {
  for (let i = from; i < from + turns; i++) {
    a.announce(MANY, i % 2 === 0 ? '192.0.2.2' : '192.0.2.9');
    await tick();
  }
}

test('End-of-RIB under continuous churn: sent once the bound has passed, after what was sent, and only once', async () => {
  const { engine, timers, a, b } = setup();
  try {
    a.up();
    a.announce(MANY, '192.0.2.9');
    b.up(); // joins with decisions pending
    await churn(a, 3);
    timers.advance(INITIAL_EOR_MAX_MS - 1);
    await churn(a, 2, 3);
    assert.ok(!engine.settled, 'still churning');
    assert.ok(!b.log().includes('EoR'), 'no End-of-RIB before the bound while decisions are pending');
    timers.advance(1);
    await churn(a, 2, 5);
    assert.ok(!engine.settled, 'still churning when it went');
    const log = b.take();
    const at = log.indexOf('EoR');
    assert.ok(at > 0, 'End-of-RIB sent at the bound, after the routes sent so far');
    assert.ok(
      log.slice(0, at).every((l) => l.startsWith('+10.')),
      'only routes of the table before it',
    );
    for (let i = 0; i < 20 && !engine.settled; i++) await settle();
    await settle();
    const rest = b.take();
    assert.ok(!rest.includes('EoR'), 'the first End-of-RIB is the only one');
    assert.deepEqual(engine.routes('ipv4-unicast').length, MANY.length);
    assert.equal(timers.size, 0, 'the bound is no longer armed');
  } finally {
    engine.close();
  }
});

test('End-of-RIB bound: the RFC 4724 4.1 selection deferral time where one is configured, counted from the join', async () => {
  const { engine, timers } = fakeEngine({ selectionDeferralMs: 5_000 });
  const a = new FakeSession({ address: '192.0.2.2', asn: 65000, routeReflectorClient: true }, 0xc0000202);
  const b = new FakeSession({ address: '192.0.2.3', asn: 65000, routeReflectorClient: true }, 0xc0000203);
  engine.attach(a);
  engine.attach(b);
  try {
    a.up();
    b.up();
    engine.expectPeers([], true); // nobody to wait for: the deferral ends, both join now
    a.announce(MANY, '192.0.2.9');
    await churn(a, 2);
    timers.advance(4_999);
    await churn(a, 2, 2);
    assert.ok(!b.log().includes('EoR'), 'not before the deferral time');
    timers.advance(1);
    await churn(a, 2, 4);
    assert.ok(!engine.settled);
    assert.equal(b.log().filter((l) => l === 'EoR').length, 1, 'sent at the deferral time');
  } finally {
    engine.close();
  }
});

test('End-of-RIB bound: a member that leaves before it stops its timer', async () => {
  const { engine, timers, a, b } = setup();
  try {
    a.up();
    a.announce(MANY, '192.0.2.2');
    b.up();
    assert.ok(timers.size > 0, 'armed at the join');
    b.down(true);
    assert.equal(timers.size, 0, 'stopped with the member');
  } finally {
    engine.close();
  }
});
