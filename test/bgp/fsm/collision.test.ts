// RFC 4271 6.8 collision detection: both directions of the BGP Identifier comparison,
// unsigned comparison, Established with and without CollisionDetectEstablishedState, and
// two simulated speakers agreeing on which connection survives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveCollision, run, step, type CollisionInput, type FsmState } from '../../../src/bgp/fsm';
import { CONFIG, fmtAll, parked } from './helpers';

const LOW = 0x0a000001; // 10.0.0.1
const HIGH = 0x0a000002; // 10.0.0.2

// We hold an outgoing connection in OpenConfirm; the peer's OPEN arrives on the incoming one.
const base = (localId: number, remoteId: number, extra: Partial<CollisionInput> = {}): CollisionInput => ({
  localId,
  remoteId,
  existing: { state: 'OpenConfirm', outgoing: true },
  received: { state: 'OpenSent', outgoing: false },
  ...extra,
});

test('local identifier higher: keep the connection we initiated, close the peer-initiated one', () => {
  assert.equal(resolveCollision(base(HIGH, LOW)), 'close-received');
  // Same outcome when the OPEN comes in on our outgoing connection instead.
  assert.equal(
    resolveCollision(
      base(HIGH, LOW, {
        existing: { state: 'OpenConfirm', outgoing: false },
        received: { state: 'OpenSent', outgoing: true },
      }),
    ),
    'close-existing',
  );
});

test('local identifier lower: keep the peer-initiated connection, close ours', () => {
  assert.equal(resolveCollision(base(LOW, HIGH)), 'close-existing');
  assert.equal(
    resolveCollision(
      base(LOW, HIGH, {
        existing: { state: 'OpenConfirm', outgoing: false },
        received: { state: 'OpenSent', outgoing: true },
      }),
    ),
    'close-received',
  );
});

test('identifiers compare as unsigned 32-bit values (192.0.2.1 > 10.0.0.1), whatever the JS sign', () => {
  const big = 0xc0000201; // 192.0.2.1
  assert.equal(resolveCollision(base(big, LOW)), 'close-received');
  assert.equal(resolveCollision(base(big | 0, LOW)), 'close-received'); // same id as a negative int32
  assert.equal(resolveCollision(base(LOW, big | 0)), 'close-existing');
});

test('no collision is detectable with a connection in Idle, Connect or Active; OpenSent only on request', () => {
  for (const state of ['Idle', 'Connect', 'Active'] as const) {
    assert.equal(resolveCollision(base(HIGH, LOW, { existing: { state, outgoing: true } })), 'none');
  }
  const openSent = { existing: { state: 'OpenSent', outgoing: true } } as const;
  assert.equal(resolveCollision(base(LOW, HIGH, openSent)), 'none');
  assert.equal(resolveCollision(base(LOW, HIGH, { ...openSent, examineOpenSent: true })), 'close-existing');
});

test('Established: the new connection is closed unless CollisionDetectEstablishedState is set', () => {
  const est = { existing: { state: 'Established', outgoing: true } } as const;
  assert.equal(resolveCollision(base(LOW, HIGH, est)), 'close-received');
  assert.equal(resolveCollision(base(LOW, HIGH, { ...est, collisionDetectEstablishedState: true })), 'close-existing');
  assert.equal(resolveCollision(base(HIGH, LOW, { ...est, collisionDetectEstablishedState: true })), 'close-received');
});

test('equal identifiers: the larger AS wins (RFC 6286 2.3); same AS keeps the existing connection', () => {
  assert.equal(resolveCollision(base(LOW, LOW, { localAs: 65002, remoteAs: 65001 })), 'close-received');
  assert.equal(resolveCollision(base(LOW, LOW, { localAs: 65001, remoteAs: 65002 })), 'close-existing');
  assert.equal(resolveCollision(base(LOW, LOW)), 'close-received');
});

test('both speakers close the same TCP connection, whichever OPEN each sees first', () => {
  // Connection X: A -> B (outgoing for A). Connection Y: B -> A (outgoing for B).
  for (const [idA, idB] of [
    [HIGH, LOW],
    [LOW, HIGH],
  ]) {
    // A has X in OpenConfirm and receives B's OPEN on Y.
    const a = resolveCollision({
      localId: idA,
      remoteId: idB,
      existing: { state: 'OpenConfirm', outgoing: true },
      received: { state: 'OpenSent', outgoing: false },
    });
    // B has X (incoming) in OpenConfirm and receives A's OPEN on Y (its outgoing).
    const b = resolveCollision({
      localId: idB,
      remoteId: idA,
      existing: { state: 'OpenConfirm', outgoing: false },
      received: { state: 'OpenSent', outgoing: true },
    });
    const closedByA = a === 'close-existing' ? 'X' : 'Y';
    const closedByB = b === 'close-existing' ? 'X' : 'Y';
    assert.equal(closedByA, closedByB);
    // The survivor is the one initiated by the higher identifier.
    assert.equal(closedByA, idA > idB ? 'Y' : 'X');
  }
});

test('the losing FSM gets OpenCollisionDump: Cease / Connection Collision Resolution, then Idle', () => {
  for (const st of ['OpenSent', 'OpenConfirm'] as const) {
    const r = step(parked(st), { type: 'OpenCollisionDump' }, 0);
    assert.equal(r.state.state, 'Idle');
    assert.equal(fmtAll(r.actions)[0], 'notify:6/7/');
    assert.equal(r.state.connectRetryCounter, 3);
  }
});

test('in Established, OpenCollisionDump closes only with CollisionDetectEstablishedState', () => {
  const off = step(parked('Established'), { type: 'OpenCollisionDump' }, 0);
  assert.equal(off.state.state, 'Established');
  assert.deepEqual(off.actions, []);
  const on = step(
    parked('Established', { ...CONFIG, collisionDetectEstablishedState: true }),
    { type: 'OpenCollisionDump' },
    0,
  );
  assert.equal(on.state.state, 'Idle');
  assert.deepEqual(fmtAll(on.actions), [
    'notify:6/7/',
    'stop:hold',
    'stop:keepalive',
    'down:OpenCollisionDump',
    'release',
    'drop',
    'start:idleHold:5000~',
  ]);
});

test('a full collision between two FSMs of one peer: one ends Established, the other Idle', () => {
  const open = { type: 'BGPOpen', asn: 65001, holdTime: 90, bgpId: HIGH } as const;
  // Ours (outgoing) and theirs (incoming) both reach OpenConfirm.
  let out: FsmState = run(parked('Idle'), [{ type: 'ManualStart' }, { type: 'Tcp_CR_Acked' }, open], 0).state;
  let inc: FsmState = run(
    parked('Idle'),
    [{ type: 'ManualStart_with_PassiveTcpEstablishment' }, { type: 'TcpConnectionConfirmed' }],
    0,
  ).state;
  // The OPEN on the incoming connection: we (LOW) lose, so our outgoing one is dumped.
  const v = resolveCollision({
    localId: LOW,
    remoteId: open.bgpId,
    existing: { state: out.state, outgoing: true },
    received: { state: inc.state, outgoing: false },
  });
  assert.equal(v, 'close-existing');
  out = step(out, { type: 'OpenCollisionDump' }, 0).state;
  inc = run(inc, [open, { type: 'KeepAliveMsg' }], 0).state;
  assert.equal(out.state, 'Idle');
  assert.equal(inc.state, 'Established');
});
