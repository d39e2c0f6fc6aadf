// Every (state, event) pair of RFC 4271 8.2.2: 6 states x 28 events = 168 rows, each with
// the next state, the exact ordered action list and the ConnectRetryCounter afterwards.
// Sessions start parked as the happy path leaves them (helpers.ts), counter 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { step, STATE_NAMES, type FsmEventType, type StateName } from '../../../src/bgp/fsm';
import { ALL_EVENTS, fmtAll, parked, sampleEvent } from './helpers';

type Row = readonly [StateName, FsmEventType, StateName, readonly string[], number];

const CRT = 'start:connectRetry:120000~';
const DAMP = 'start:idleHold:5000~';
const HOLD_LARGE = 'start:hold:240000';
const TAIL = ['release', 'drop', DAMP]; // release, drop TCP, peer oscillation damping
const STOP_CONFIRMED = ['stop:hold', 'stop:keepalive'];

const STARTS: FsmEventType[] = [
  'ManualStart',
  'AutomaticStart',
  'ManualStart_with_PassiveTcpEstablishment',
  'AutomaticStart_with_PassiveTcpEstablishment',
  'AutomaticStart_with_DampPeerOscillations',
  'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment',
];

/** Rows for events that leave a state unchanged with no action. */
function ignored(state: StateName, events: FsmEventType[]): Row[] {
  return events.map((e) => [state, e, state, [], 2] as const);
}

// Connect/Active "any other event": no NOTIFICATION (no OPEN sent), counter + 1, damping.
const preOpenError = (state: StateName, events: FsmEventType[]): Row[] =>
  events.map((e) => [state, e, 'Idle', ['stop:connectRetry', ...TAIL], 3] as const);

// OpenSent/OpenConfirm/Established FSM error: RFC 6608 subcode + message type, or 0.
const fsmErr = (state: StateName, e: FsmEventType, notify: string, stops: string[], down = false): Row => [
  state,
  e,
  'Idle',
  [`notify:${notify}`, ...stops, ...(down ? [`down:${e}`] : []), ...TAIL],
  3,
];

// Connect/Active: an OPEN while the DelayOpenTimer runs (RFC 4271 8.2.2 Event 20): OPEN and
// KEEPALIVE sent, hold timer from the negotiated value, on to OpenConfirm.
const delayedOpen = (state: StateName): Row => [
  state,
  'BGPOpen_with_DelayOpenTimer_running',
  'OpenConfirm',
  ['stop:connectRetry', 'open', 'ka', 'start:keepalive:20000~', 'start:hold:60000'],
  2,
];

// Connect/Active: the message events (and the send hold timer) that are "any other event" there.
const PRE_OPEN_MESSAGES: FsmEventType[] = [
  'BGPHeaderErr',
  'BGPOpenMsgErr',
  'OpenCollisionDump',
  'NotifMsgVerErr',
  'NotifMsg',
  'KeepAliveMsg',
  'UpdateMsg',
  'UpdateMsgErr',
  'SendHoldTimer_Expires',
];

const ROWS: Row[] = [
  // ---- Idle: starts go to Connect / Active; everything else is ignored.
  ['Idle', 'ManualStart', 'Connect', [CRT, 'initiate', 'listen'], 0],
  ...ignored('Idle', ['ManualStop']),
  ['Idle', 'AutomaticStart', 'Connect', [CRT, 'initiate', 'listen'], 0],
  ['Idle', 'ManualStart_with_PassiveTcpEstablishment', 'Active', [CRT, 'listen'], 0],
  ['Idle', 'AutomaticStart_with_PassiveTcpEstablishment', 'Active', [CRT, 'listen'], 0],
  ['Idle', 'AutomaticStart_with_DampPeerOscillations', 'Connect', [CRT, 'initiate', 'listen'], 0],
  ['Idle', 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment', 'Active', [CRT, 'listen'], 0],
  ...ignored('Idle', [
    'AutomaticStop',
    'ConnectRetryTimer_Expires',
    'HoldTimer_Expires',
    'KeepaliveTimer_Expires',
    'DelayOpenTimer_Expires',
  ]),
  ['Idle', 'IdleHoldTimer_Expires', 'Connect', [CRT, 'initiate', 'listen'], 0],
  ...ignored('Idle', ALL_EVENTS.slice(13)),

  // ---- Connect
  ...ignored('Connect', STARTS),
  ['Connect', 'ManualStop', 'Idle', ['stop:connectRetry', 'release', 'drop'], 0],
  ...preOpenError('Connect', ['AutomaticStop']),
  ['Connect', 'ConnectRetryTimer_Expires', 'Connect', ['drop', CRT, 'initiate'], 2],
  ...preOpenError('Connect', ['HoldTimer_Expires', 'KeepaliveTimer_Expires']),
  ['Connect', 'DelayOpenTimer_Expires', 'OpenSent', ['stop:connectRetry', 'open', HOLD_LARGE], 2],
  ...preOpenError('Connect', ['IdleHoldTimer_Expires']),
  ...ignored('Connect', ['TcpConnection_Valid', 'Tcp_CR_Invalid']),
  ['Connect', 'Tcp_CR_Acked', 'OpenSent', ['stop:connectRetry', 'open', HOLD_LARGE], 2],
  ['Connect', 'TcpConnectionConfirmed', 'OpenSent', ['stop:connectRetry', 'open', HOLD_LARGE], 2],
  ['Connect', 'TcpConnectionFails', 'Idle', ['stop:connectRetry', ...TAIL], 2],
  ...preOpenError('Connect', ['BGPOpen']),
  delayedOpen('Connect'),
  ...preOpenError('Connect', PRE_OPEN_MESSAGES),

  // ---- Active
  ...ignored('Active', STARTS),
  ['Active', 'ManualStop', 'Idle', ['stop:connectRetry', 'release', 'drop'], 0],
  ...preOpenError('Active', ['AutomaticStop']),
  ['Active', 'ConnectRetryTimer_Expires', 'Connect', [CRT, 'initiate'], 2],
  ...preOpenError('Active', ['HoldTimer_Expires', 'KeepaliveTimer_Expires']),
  ['Active', 'DelayOpenTimer_Expires', 'OpenSent', ['stop:connectRetry', 'open', HOLD_LARGE], 2],
  ...preOpenError('Active', ['IdleHoldTimer_Expires']),
  ...ignored('Active', ['TcpConnection_Valid', 'Tcp_CR_Invalid']),
  ['Active', 'Tcp_CR_Acked', 'OpenSent', ['stop:connectRetry', 'open', HOLD_LARGE], 2],
  ['Active', 'TcpConnectionConfirmed', 'OpenSent', ['stop:connectRetry', 'open', HOLD_LARGE], 2],
  ...preOpenError('Active', ['TcpConnectionFails', 'BGPOpen']),
  delayedOpen('Active'),
  ...preOpenError('Active', PRE_OPEN_MESSAGES),

  // ---- OpenSent (HoldTimer at the large value is running)
  ...ignored('OpenSent', STARTS),
  ['OpenSent', 'ManualStop', 'Idle', ['notify:6/2/', 'stop:hold', 'release', 'drop'], 0],
  fsmErr('OpenSent', 'AutomaticStop', '6/1/', ['stop:hold']),
  fsmErr('OpenSent', 'ConnectRetryTimer_Expires', '5/0/', ['stop:hold']),
  fsmErr('OpenSent', 'HoldTimer_Expires', '4/0/', []),
  fsmErr('OpenSent', 'KeepaliveTimer_Expires', '5/0/', ['stop:hold']),
  fsmErr('OpenSent', 'DelayOpenTimer_Expires', '5/0/', ['stop:hold']),
  fsmErr('OpenSent', 'IdleHoldTimer_Expires', '5/0/', ['stop:hold']),
  ...ignored('OpenSent', ['TcpConnection_Valid', 'Tcp_CR_Invalid', 'Tcp_CR_Acked', 'TcpConnectionConfirmed']),
  ['OpenSent', 'TcpConnectionFails', 'Active', ['drop', 'stop:hold', CRT], 2],
  ['OpenSent', 'BGPOpen', 'OpenConfirm', ['ka', 'start:keepalive:20000~', 'start:hold:60000'], 2],
  fsmErr('OpenSent', 'BGPOpen_with_DelayOpenTimer_running', '5/1/01', ['stop:hold']),
  fsmErr('OpenSent', 'BGPHeaderErr', '1/2/000a', ['stop:hold']),
  fsmErr('OpenSent', 'BGPOpenMsgErr', '2/2/', ['stop:hold']),
  fsmErr('OpenSent', 'OpenCollisionDump', '6/7/', ['stop:hold']),
  ['OpenSent', 'NotifMsgVerErr', 'Idle', ['stop:hold', ...TAIL], 2],
  ['OpenSent', 'NotifMsg', 'Idle', ['stop:hold', ...TAIL], 3],
  fsmErr('OpenSent', 'KeepAliveMsg', '5/1/04', ['stop:hold']),
  fsmErr('OpenSent', 'UpdateMsg', '5/1/02', ['stop:hold']),
  fsmErr('OpenSent', 'UpdateMsgErr', '5/1/02', ['stop:hold']),
  fsmErr('OpenSent', 'SendHoldTimer_Expires', '5/0/', ['stop:hold']), // RFC 9687: armed in Established only

  // ---- OpenConfirm (negotiated hold 60 s, keepalive 20 s)
  ...ignored('OpenConfirm', STARTS),
  ['OpenConfirm', 'ManualStop', 'Idle', ['notify:6/2/', ...STOP_CONFIRMED, 'release', 'drop'], 0],
  fsmErr('OpenConfirm', 'AutomaticStop', '6/1/', STOP_CONFIRMED),
  fsmErr('OpenConfirm', 'ConnectRetryTimer_Expires', '5/0/', STOP_CONFIRMED),
  fsmErr('OpenConfirm', 'HoldTimer_Expires', '4/0/', ['stop:keepalive']),
  ['OpenConfirm', 'KeepaliveTimer_Expires', 'OpenConfirm', ['ka', 'start:keepalive:20000~'], 2],
  fsmErr('OpenConfirm', 'DelayOpenTimer_Expires', '5/0/', STOP_CONFIRMED),
  fsmErr('OpenConfirm', 'IdleHoldTimer_Expires', '5/0/', STOP_CONFIRMED),
  ...ignored('OpenConfirm', ['TcpConnection_Valid', 'Tcp_CR_Invalid', 'Tcp_CR_Acked', 'TcpConnectionConfirmed']),
  ['OpenConfirm', 'TcpConnectionFails', 'Idle', [...STOP_CONFIRMED, ...TAIL], 3],
  fsmErr('OpenConfirm', 'BGPOpen', '5/2/01', STOP_CONFIRMED),
  fsmErr('OpenConfirm', 'BGPOpen_with_DelayOpenTimer_running', '5/2/01', STOP_CONFIRMED),
  fsmErr('OpenConfirm', 'BGPHeaderErr', '1/2/000a', STOP_CONFIRMED),
  fsmErr('OpenConfirm', 'BGPOpenMsgErr', '2/2/', STOP_CONFIRMED),
  fsmErr('OpenConfirm', 'OpenCollisionDump', '6/7/', STOP_CONFIRMED),
  ['OpenConfirm', 'NotifMsgVerErr', 'Idle', [...STOP_CONFIRMED, ...TAIL], 2],
  ['OpenConfirm', 'NotifMsg', 'Idle', [...STOP_CONFIRMED, ...TAIL], 3],
  ['OpenConfirm', 'KeepAliveMsg', 'Established', ['start:hold:60000', 'up:60000/20000'], 2],
  fsmErr('OpenConfirm', 'UpdateMsg', '5/2/02', STOP_CONFIRMED),
  fsmErr('OpenConfirm', 'UpdateMsgErr', '5/2/02', STOP_CONFIRMED),
  fsmErr('OpenConfirm', 'SendHoldTimer_Expires', '5/0/', STOP_CONFIRMED),

  // ---- Established: every way down also deletes the routes (sessionDown)
  ...ignored('Established', STARTS),
  ['Established', 'ManualStop', 'Idle', ['notify:6/2/', ...STOP_CONFIRMED, 'down:ManualStop', 'release', 'drop'], 0],
  fsmErr('Established', 'AutomaticStop', '6/1/', STOP_CONFIRMED, true),
  fsmErr('Established', 'ConnectRetryTimer_Expires', '5/0/', STOP_CONFIRMED, true),
  fsmErr('Established', 'HoldTimer_Expires', '4/0/', ['stop:keepalive'], true),
  ['Established', 'KeepaliveTimer_Expires', 'Established', ['ka', 'start:keepalive:20000~'], 2],
  fsmErr('Established', 'DelayOpenTimer_Expires', '5/0/', STOP_CONFIRMED, true),
  fsmErr('Established', 'IdleHoldTimer_Expires', '5/0/', STOP_CONFIRMED, true),
  ...ignored('Established', ['TcpConnection_Valid', 'Tcp_CR_Invalid', 'Tcp_CR_Acked', 'TcpConnectionConfirmed']),
  ['Established', 'TcpConnectionFails', 'Idle', [...STOP_CONFIRMED, 'down:TcpConnectionFails', ...TAIL], 3],
  fsmErr('Established', 'BGPOpen', '5/3/01', STOP_CONFIRMED, true),
  fsmErr('Established', 'BGPOpen_with_DelayOpenTimer_running', '5/3/01', STOP_CONFIRMED, true),
  fsmErr('Established', 'BGPHeaderErr', '1/2/000a', STOP_CONFIRMED, true),
  fsmErr('Established', 'BGPOpenMsgErr', '5/3/01', STOP_CONFIRMED, true),
  ...ignored('Established', ['OpenCollisionDump']), // CollisionDetectEstablishedState off
  ['Established', 'NotifMsgVerErr', 'Idle', [...STOP_CONFIRMED, 'down:NotifMsgVerErr', ...TAIL], 3],
  ['Established', 'NotifMsg', 'Idle', [...STOP_CONFIRMED, 'down:NotifMsg', ...TAIL], 3],
  ['Established', 'KeepAliveMsg', 'Established', ['start:hold:60000'], 2],
  ['Established', 'UpdateMsg', 'Established', ['update', 'start:hold:60000'], 2],
  fsmErr('Established', 'UpdateMsgErr', '3/1/', STOP_CONFIRMED, true),
  fsmErr('Established', 'SendHoldTimer_Expires', '8/0/', STOP_CONFIRMED, true), // RFC 9687 4
];

test('the table has exactly one row per (state, event) pair: 6 x 29 (RFC 4271 28 + RFC 9687 1)', () => {
  assert.equal(ROWS.length, STATE_NAMES.length * ALL_EVENTS.length);
  const seen = new Set(ROWS.map(([s, e]) => `${s}/${e}`));
  assert.equal(seen.size, 174);
  for (const s of STATE_NAMES) for (const e of ALL_EVENTS) assert.ok(seen.has(`${s}/${e}`), `${s}/${e} missing`);
});

for (const [from, event, to, actions, counter] of ROWS) {
  test(`${from} + ${event} -> ${to}`, () => {
    const before = parked(from);
    const r = step(before, sampleEvent(event), 100_000);
    assert.equal(r.state.state, to);
    assert.deepEqual(fmtAll(r.actions), actions);
    assert.equal(r.state.connectRetryCounter, counter);
    // The input record is never mutated.
    assert.deepEqual(before, parked(from));
    // The timer flags the FSM keeps agree with the timer actions it emitted.
    for (const a of r.actions) {
      if (a.type === 'startTimer') assert.equal(r.state.timers[a.timer], true, `${a.timer} should be running`);
      if (a.type === 'stopTimer') assert.equal(r.state.timers[a.timer], false, `${a.timer} should be stopped`);
    }
    // Idle holds no timers but the damping one.
    if (to === 'Idle') {
      const running = Object.entries(r.state.timers)
        .filter(([, on]) => on)
        .map(([t]) => t);
      assert.ok(running.length === 0 || (running.length === 1 && running[0] === 'idleHold'), running.join());
    }
  });
}
