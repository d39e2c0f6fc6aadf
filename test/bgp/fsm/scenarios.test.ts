// Whole sessions through the FSM: the happy path, DelayOpen, passive, hold time
// negotiation, damping back-off, stops. Time is a number we pass in; nothing waits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createFsm,
  notificationEvent,
  run,
  step,
  type FsmConfig,
  type FsmEvent,
  type FsmState,
} from '../../../src/bgp/fsm';
import { AN_UPDATE, CONFIG, fmtAll, OPEN_ERR, parked } from './helpers';

/** Step through events at one time, collecting each step's actions. */
function walk(s: FsmState, events: FsmEvent[], now = 0): { state: FsmState; steps: string[][] } {
  const steps: string[][] = [];
  for (const ev of events) {
    const r = step(s, ev, now);
    s = r.state;
    steps.push(fmtAll(r.actions));
  }
  return { state: s, steps };
}

const open = (holdTime: number, asn = 65000): FsmEvent => ({ type: 'BGPOpen', asn, holdTime, bgpId: 0x0a000002 });

test('happy path: Idle -> Connect -> OpenSent -> OpenConfirm -> Established, timers as 8.2.2 says', () => {
  const { state, steps } = walk(
    createFsm(CONFIG, 0),
    [
      { type: 'ManualStart' },
      { type: 'Tcp_CR_Acked' },
      open(30),
      { type: 'KeepAliveMsg' },
      { type: 'KeepaliveTimer_Expires' },
      { type: 'UpdateMsg', update: AN_UPDATE },
      { type: 'KeepAliveMsg' },
    ],
    5000,
  );
  assert.deepEqual(steps, [
    ['start:connectRetry:120000~', 'initiate', 'listen'],
    ['stop:connectRetry', 'open', 'start:hold:240000'], // the large hold value, 4 minutes
    ['ka', 'start:keepalive:10000~', 'start:hold:30000'], // min(90, 30) = 30 s, keepalive 30/3
    ['start:hold:30000', 'up:30000/10000'],
    ['ka', 'start:keepalive:10000~'],
    ['update', 'start:hold:30000'],
    ['start:hold:30000'],
  ]);
  assert.equal(state.state, 'Established');
  assert.equal(state.internal, true); // peer AS 65000 == local AS
  assert.deepEqual(state.peer, { asn: 65000, holdTime: 30, bgpId: 0x0a000002 });
  assert.equal(state.since, 5000);
  assert.equal(state.establishedAt, 5000);
});

test('processUpdate hands back the decoded UPDATE untouched', () => {
  const u = AN_UPDATE;
  const r = step(parked('Established'), { type: 'UpdateMsg', update: u }, 0);
  assert.equal(r.actions[0]!.type, 'processUpdate');
  assert.equal((r.actions[0] as { update: unknown }).update, u); // the same object
});

test('an Established session receiving KEEPALIVEs keeps the same state object (no allocation)', () => {
  const s = parked('Established');
  const r = step(s, { type: 'KeepAliveMsg' }, 1);
  assert.equal(r.state, s);
});

test('hold time 0 negotiated: no keepalive or hold timer, the large hold timer is stopped', () => {
  const s = createFsm({ ...CONFIG, holdTime: 0 }, 0);
  const { state, steps } = walk(s, [
    { type: 'ManualStart' },
    { type: 'TcpConnectionConfirmed' },
    open(90),
    { type: 'KeepAliveMsg' },
    { type: 'KeepaliveTimer_Expires' },
    { type: 'UpdateMsg' },
  ]);
  assert.deepEqual(steps.slice(2), [
    ['ka', 'stop:hold'],
    ['up:0/0'],
    ['ka'], // sent, not restarted: "unless the negotiated HoldTime value is zero"
    ['update'],
  ]);
  assert.equal(state.state, 'Established');
  assert.equal(state.timers.hold, false);
  assert.equal(state.timers.keepalive, false);
});

test('a configured KeepaliveTime shorter than hold/3 is used; a longer one is capped at hold/3', () => {
  const short = run(parked('OpenSent', { ...CONFIG, keepaliveTime: 5 }), [open(60)], 0);
  assert.deepEqual(fmtAll(short.actions), ['ka', 'start:keepalive:5000~', 'start:hold:60000']);
  const long = run(parked('OpenSent', { ...CONFIG, keepaliveTime: 50 }), [open(60)], 0);
  assert.deepEqual(fmtAll(long.actions), ['ka', 'start:keepalive:20000~', 'start:hold:60000']);
});

test('an OPEN with Hold Time 1 or 2 is rejected: OPEN Message Error / Unacceptable Hold Time', () => {
  for (const h of [1, 2]) {
    const r = step(parked('OpenSent'), open(h), 0);
    assert.equal(r.state.state, 'Idle');
    assert.deepEqual(fmtAll(r.actions), ['notify:2/6/', 'stop:hold', 'release', 'drop', 'start:idleHold:5000~']);
  }
  const ok = step(parked('OpenSent'), open(3), 0);
  assert.equal(ok.state.state, 'OpenConfirm');
  assert.deepEqual(fmtAll(ok.actions), ['ka', 'start:keepalive:1000~', 'start:hold:3000']);
});

test('hold timer expiry in Established sends Hold Timer Expired, deletes routes, damps', () => {
  const r = step(parked('Established'), { type: 'HoldTimer_Expires' }, 100_000);
  assert.equal(r.state.state, 'Idle');
  assert.deepEqual(fmtAll(r.actions), [
    'notify:4/0/',
    'stop:keepalive',
    'down:HoldTimer_Expires',
    'release',
    'drop',
    'start:idleHold:5000~',
  ]);
  const down = r.actions.find((a) => a.type === 'sessionDown');
  assert.deepEqual(down, {
    type: 'sessionDown',
    reason: 'HoldTimer_Expires',
    sent: { code: 4, subcode: 0, data: new Uint8Array(0) },
    received: undefined,
  });
  assert.equal(r.state.peer, undefined);
  assert.equal(r.state.holdTimeMs, 0);
});

test('a received NOTIFICATION in Established is reported in sessionDown, and not answered', () => {
  const r = step(
    parked('Established'),
    { type: 'NotifMsg', code: 6, subcode: 2, data: Uint8Array.of(3, 0x62, 0x79, 0x65) },
    0,
  );
  assert.equal(
    r.actions.some((a) => a.type === 'sendNotification'),
    false,
  );
  const down = r.actions.find((a) => a.type === 'sessionDown');
  assert.deepEqual(down, {
    type: 'sessionDown',
    reason: 'NotifMsg',
    sent: undefined,
    received: { code: 6, subcode: 2, data: Uint8Array.of(3, 0x62, 0x79, 0x65) },
  });
});

test('DelayOpen: after TCP is up the OPEN waits; the peer OPEN first -> OPEN + KEEPALIVE -> OpenConfirm', () => {
  const cfg: Partial<FsmConfig> = { ...CONFIG, delayOpen: true, delayOpenTime: 5 };
  const { state, steps } = walk(createFsm(cfg, 0), [
    { type: 'ManualStart' },
    { type: 'TcpConnectionConfirmed' },
    open(60, 65001), // raised as BGPOpen; the FSM knows the DelayOpenTimer runs: Event 20
    { type: 'KeepAliveMsg' },
  ]);
  assert.deepEqual(steps, [
    ['start:connectRetry:120000~', 'initiate', 'listen'],
    ['stop:connectRetry', 'start:delayOpen:5000'],
    ['stop:delayOpen', 'open', 'ka', 'start:keepalive:20000~', 'start:hold:60000'],
    ['start:hold:60000', 'up:60000/20000'],
  ]);
  assert.equal(state.state, 'Established');
  assert.equal(state.internal, false);
});

test('DelayOpen: the timer expires first -> our OPEN goes out, large hold timer -> OpenSent', () => {
  const cfg: Partial<FsmConfig> = { ...CONFIG, delayOpen: true };
  const { state, steps } = walk(createFsm(cfg, 0), [
    { type: 'ManualStart_with_PassiveTcpEstablishment' },
    { type: 'TcpConnectionConfirmed' },
    { type: 'DelayOpenTimer_Expires' },
    open(60),
  ]);
  assert.deepEqual(steps, [
    ['start:connectRetry:120000~', 'listen'],
    ['stop:connectRetry', 'start:delayOpen:5000'],
    ['open', 'start:hold:240000'],
    ['ka', 'start:keepalive:20000~', 'start:hold:60000'],
  ]);
  assert.equal(state.state, 'OpenConfirm');
});

test('DelayOpen: TCP fails in Connect while the DelayOpenTimer runs -> Active, ConnectRetryTimer restarted', () => {
  const cfg: Partial<FsmConfig> = { ...CONFIG, delayOpen: true };
  const { state, steps } = walk(createFsm(cfg, 0), [
    { type: 'ManualStart' },
    { type: 'Tcp_CR_Acked' },
    { type: 'TcpConnectionFails' },
  ]);
  assert.deepEqual(steps[2], ['start:connectRetry:120000~', 'stop:delayOpen']);
  assert.equal(state.state, 'Active');
  assert.equal(state.connectRetryCounter, 0);
});

test('DelayOpen with SendNOTIFICATIONwithoutOPEN: ManualStop in Active sends Cease before dropping', () => {
  const cfg: Partial<FsmConfig> = { ...CONFIG, delayOpen: true, sendNotificationWithoutOpen: true };
  const { steps } = walk(createFsm(cfg, 0), [
    { type: 'ManualStart_with_PassiveTcpEstablishment' },
    { type: 'TcpConnectionConfirmed' },
    { type: 'ManualStop' },
  ]);
  assert.deepEqual(steps[2], ['notify:6/2/', 'stop:delayOpen', 'release', 'drop']);
});

test('SendNOTIFICATIONwithoutOPEN: an OPEN error in Connect is reported before closing', () => {
  const cfg: Partial<FsmConfig> = { ...CONFIG, sendNotificationWithoutOpen: true };
  const r = step(parked('Connect', cfg), { type: 'BGPOpenMsgErr', error: OPEN_ERR }, 0);
  assert.deepEqual(fmtAll(r.actions), ['notify:2/2/', 'stop:connectRetry', 'release', 'drop', 'start:idleHold:5000~']);
});

test('passive: listen only, the peer connects, -> Established', () => {
  const { state, steps } = walk(createFsm({ ...CONFIG, passiveTcpEstablishment: true }, 0), [
    { type: 'ManualStart_with_PassiveTcpEstablishment' },
    { type: 'TcpConnection_Valid' },
    { type: 'TcpConnectionConfirmed' },
    open(90),
    { type: 'KeepAliveMsg' },
  ]);
  assert.deepEqual(steps, [
    ['start:connectRetry:120000~', 'listen'],
    [],
    ['stop:connectRetry', 'open', 'start:hold:240000'],
    ['ka', 'start:keepalive:30000~', 'start:hold:90000'],
    ['start:hold:90000', 'up:90000/30000'],
  ]);
  assert.equal(state.state, 'Established');
});

test('passive: ConnectRetryTimer in Active makes one active attempt (-> Connect)', () => {
  const r = run(
    createFsm(CONFIG, 0),
    [{ type: 'ManualStart_with_PassiveTcpEstablishment' }, { type: 'ConnectRetryTimer_Expires' }],
    0,
  );
  assert.equal(r.state.state, 'Connect');
  assert.deepEqual(fmtAll(r.actions).slice(2), ['start:connectRetry:120000~', 'initiate']);
});

test('OpenSent: TCP fails -> Active, the large hold timer stopped, ConnectRetryTimer armed', () => {
  const r = step(parked('OpenSent'), { type: 'TcpConnectionFails' }, 0);
  assert.equal(r.state.state, 'Active');
  assert.deepEqual(fmtAll(r.actions), ['drop', 'stop:hold', 'start:connectRetry:120000~']);
  assert.equal(r.state.timers.connectRetry, true);
  assert.equal(r.state.timers.hold, false);
});

/** One flap: start, connect, OPEN, KEEPALIVE, then the peer resets after `upMs`. */
function flap(s: FsmState, t: number, upMs: number): { state: FsmState; idleHold?: string; t: number } {
  let r = run(s, [{ type: 'IdleHoldTimer_Expires' }, { type: 'Tcp_CR_Acked' }, open(90), { type: 'KeepAliveMsg' }], t);
  r = step(r.state, { type: 'NotifMsg', code: 6, subcode: 4 }, t + upMs);
  const idleHold = fmtAll(r.actions).find((a) => a.startsWith('start:idleHold'));
  return { state: r.state, idleHold, t: t + upMs + 1000 };
}

test('damping: the IdleHold back-off doubles from 5 s and caps at 120 s; each expiry restarts', () => {
  let s = run(
    createFsm(CONFIG, 0),
    [{ type: 'AutomaticStart_with_DampPeerOscillations' }, { type: 'TcpConnectionFails' }],
    0,
  ).state;
  assert.equal(s.state, 'Idle');
  assert.equal(s.timers.idleHold, true);
  let t = 1000;
  const seen: string[] = [];
  for (let i = 0; i < 7; i++) {
    const f = flap(s, t, 2000); // up for 2 s: an oscillation
    seen.push(f.idleHold!);
    s = f.state;
    t = f.t;
  }
  assert.deepEqual(
    seen,
    [10, 20, 40, 80, 120, 120, 120].map((x) => `start:idleHold:${x * 1000}~`),
  );
  assert.equal(s.idleHoldTime, 120);
});

test('damping: a session that stayed up idleHoldResetTime resets the back-off', () => {
  let s: FsmState = { ...parked('Idle'), idleHoldTime: 80, timers: { ...parked('Idle').timers, idleHold: true } };
  const f = flap(s, 0, 120_000); // up for 2 minutes
  assert.equal(f.idleHold, 'start:idleHold:5000~');
  assert.equal(f.state.idleHoldTime, 10);
  s = { ...parked('Idle'), idleHoldTime: 80, timers: { ...parked('Idle').timers, idleHold: true } };
  assert.equal(flap(s, 0, 119_000).idleHold, 'start:idleHold:80000~');
});

test('damping: ManualStop forgets the back-off and arms no IdleHoldTimer', () => {
  const s: FsmState = { ...parked('Established'), idleHoldTime: 80 };
  const r = step(s, { type: 'ManualStop' }, 200_000);
  assert.equal(
    r.actions.some((a) => a.type === 'startTimer'),
    false,
  );
  assert.equal(r.state.idleHoldTime, 5);
  assert.equal(r.state.connectRetryCounter, 0);
});

test('damping off: no IdleHoldTimer on the way to Idle', () => {
  const r = step(parked('Established', { ...CONFIG, dampPeerOscillations: false }), { type: 'TcpConnectionFails' }, 0);
  assert.deepEqual(fmtAll(r.actions), ['stop:hold', 'stop:keepalive', 'down:TcpConnectionFails', 'release', 'drop']);
});

test('Idle: a damped automatic start waits for the IdleHoldTimer; ManualStop cancels the restart', () => {
  const held: FsmState = { ...parked('Idle'), timers: { ...parked('Idle').timers, idleHold: true } };
  const wait = step(held, { type: 'AutomaticStart_with_DampPeerOscillations' }, 0);
  assert.equal(wait.state.state, 'Idle');
  assert.deepEqual(wait.actions, []);
  const stop = step(held, { type: 'ManualStop' }, 0);
  assert.deepEqual(fmtAll(stop.actions), ['stop:idleHold']);
  assert.equal(stop.state.timers.idleHold, false);
  // A manual start overrides the hold.
  const go = step(held, { type: 'ManualStart' }, 0);
  assert.deepEqual(fmtAll(go.actions), ['stop:idleHold', 'start:connectRetry:120000~', 'initiate', 'listen']);
});

test('Idle: without AllowAutomaticStart the IdleHoldTimer expiry does not restart', () => {
  const r = step(parked('Idle', { ...CONFIG, allowAutomaticStart: false }), { type: 'IdleHoldTimer_Expires' }, 0);
  assert.equal(r.state.state, 'Idle');
  assert.deepEqual(r.actions, []);
});

test('IdleHoldTimer expiry restarts passively when PassiveTcpEstablishment is configured', () => {
  const r = step(parked('Idle', { ...CONFIG, passiveTcpEstablishment: true }), { type: 'IdleHoldTimer_Expires' }, 0);
  assert.equal(r.state.state, 'Active');
  assert.deepEqual(fmtAll(r.actions), ['start:connectRetry:120000~', 'listen']);
});

test('ManualStop carries the shutdown communication; AutomaticStop its Cease subcode', () => {
  const msg = Uint8Array.of(4, 0x62, 0x79, 0x65, 0x21);
  const a = step(parked('Established'), { type: 'ManualStop', data: msg }, 0);
  assert.deepEqual(a.actions[0], { type: 'sendNotification', code: 6, subcode: 2, data: msg });
  const b = step(parked('OpenConfirm'), { type: 'AutomaticStop', subcode: 1 }, 0);
  assert.deepEqual(fmtAll(b.actions)[0], 'notify:6/1/');
});

test('the NOTIFICATION is always the first action and dropTcp comes after it', () => {
  for (const st of ['OpenSent', 'OpenConfirm', 'Established'] as const) {
    for (const ev of [{ type: 'ManualStop' }, { type: 'HoldTimer_Expires' }, { type: 'UpdateMsg' }] as FsmEvent[]) {
      const acts = step(parked(st), ev, 0).actions.map((a) => a.type);
      const n = acts.indexOf('sendNotification');
      if (n < 0) continue;
      assert.equal(n, 0, `${st}/${ev.type}: ${acts.join()}`);
      assert.ok(acts.indexOf('dropTcp') > n);
    }
  }
});

test('hold timer expiry with input still queued: we are congested, not the peer dead', () => {
  const busy: FsmEvent = { type: 'HoldTimer_Expires', inputPending: true };
  for (const st of ['OpenConfirm', 'Established'] as const) {
    const r = step(parked(st), busy, 0);
    assert.equal(r.state.state, st);
    assert.deepEqual(fmtAll(r.actions), ['start:hold:10000']);
  }
  const short: FsmState = { ...parked('Established'), holdTimeMs: 3000, keepaliveMs: 1000 };
  assert.deepEqual(fmtAll(step(short, busy, 0).actions), ['start:hold:3000']);
  // OpenSent has no negotiated hold time yet: the large timer's expiry is final.
  assert.equal(step(parked('OpenSent'), busy, 0).state.state, 'Idle');
});

test('notificationEvent: Unsupported Version Number is NotifMsgVerErr, the rest NotifMsg', () => {
  assert.deepEqual(notificationEvent(2, 1, Uint8Array.of(0, 4)), {
    type: 'NotifMsgVerErr',
    code: 2,
    subcode: 1,
    data: Uint8Array.of(0, 4),
  });
  assert.equal(notificationEvent(2, 2).type, 'NotifMsg');
  assert.equal(notificationEvent(6, 1).type, 'NotifMsg');
});

test('createFsm rejects a local config that breaks RFC 4271 4.2, naming the field', () => {
  for (const holdTime of [1, 2, -1, 65536, 2.5]) {
    assert.throws(() => createFsm({ holdTime }), /fsm config holdTime: must be 0 or an integer from 3 to 65535/);
  }
  assert.throws(() => createFsm({ connectRetryTime: 0 }), /connectRetryTime/);
  assert.throws(() => createFsm({ idleHoldTime: 10, idleHoldTimeMax: 5 }), /idleHoldTimeMax/);
  assert.equal(createFsm({ holdTime: 0 }).config.holdTime, 0);
  assert.equal(createFsm({ holdTime: 3 }).config.holdTime, 3);
});
