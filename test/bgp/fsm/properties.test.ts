// Property tests: random configurations and random event sequences (well-typed events,
// hostile values where a peer chooses them) never throw, and the invariants the shell
// relies on hold after every step. 20,000 sequences under CI=true, 1,000 (fixed seed) otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkProperty, scenarioRuns } from '../../helpers/property';
import { IN_CI } from '../../helpers/env';
import {
  createFsm,
  EVENT_NAMES,
  STATE_NAMES,
  step,
  TIMER_EVENT,
  TIMER_NAMES,
  type FsmConfig,
  type FsmEvent,
  type FsmEventType,
  type TimerName,
} from '../../../src/bgp/fsm';
import { HEADER_ERR, OPEN_ERR, sampleEvent, UPDATE_ERR } from './helpers';

const configArb: fc.Arbitrary<Partial<FsmConfig>> = fc.record({
  localAs: fc.constantFrom(65000, 65001),
  holdTime: fc.constantFrom(0, 3, 9, 90, 65535),
  keepaliveTime: fc.option(fc.constantFrom(1, 10, 30), { nil: undefined }),
  allowAutomaticStart: fc.boolean(),
  passiveTcpEstablishment: fc.boolean(),
  dampPeerOscillations: fc.boolean(),
  delayOpen: fc.boolean(),
  collisionDetectEstablishedState: fc.boolean(),
  sendNotificationWithoutOpen: fc.boolean(),
});

// A peer chooses the OPEN's hold time and identifier: any uint16 / uint32 reaches us, and
// we add values outside those ranges in case a caller passes them through unchecked.
const openArb = fc.record({
  type: fc.constantFrom('BGPOpen' as const, 'BGPOpen_with_DelayOpenTimer_running' as const),
  asn: fc.constantFrom(65000, 65001, 4200000000),
  holdTime: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(1, 2, -1, 70000, Number.NaN, 2.5)),
  bgpId: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: -0x80000000, max: -1 })),
});

const eventArb: fc.Arbitrary<FsmEvent> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...EVENT_NAMES).map((t) => sampleEvent(t)) },
  { weight: 2, arbitrary: openArb },
  {
    weight: 1,
    arbitrary: fc.constantFrom<FsmEvent>(
      { type: 'BGPHeaderErr', error: HEADER_ERR },
      { type: 'BGPOpenMsgErr', error: OPEN_ERR },
      { type: 'UpdateMsgErr', error: UPDATE_ERR },
      { type: 'NotifMsg' },
      { type: 'NotifMsgVerErr' },
      { type: 'ManualStop', data: new Uint8Array(300) },
      { type: 'AutomaticStop' },
      { type: 'HoldTimer_Expires', inputPending: true },
    ),
  },
);

// A happy-path prefix of random length gets sequences into every state, OpenConfirm and
// Established included, before the random events start.
const HAPPY: FsmEvent[] = [
  { type: 'ManualStart' },
  { type: 'Tcp_CR_Acked' },
  { type: 'BGPOpen', asn: 65001, holdTime: 90, bgpId: 1 },
  { type: 'KeepAliveMsg' },
];
const sequenceArb = fc
  .tuple(
    fc.integer({ min: 0, max: HAPPY.length }),
    fc.array(fc.tuple(eventArb, fc.integer({ min: 0, max: 5000 })), { maxLength: 80 }),
  )
  .map(([k, rest]) => [...HAPPY.slice(0, k).map((e) => [e, 0] as [FsmEvent, number]), ...rest]);

function timerOf(type: FsmEventType): TimerName | undefined {
  return TIMER_NAMES.find((t) => TIMER_EVENT[t] === type);
}

test('random event sequences: no throw, and every invariant holds after every step', (t) => {
  const reached = new Set<string>();
  checkProperty(
    t,
    fc.property(configArb, sequenceArb, (config, events) => {
      let s = createFsm(config, 0);
      let now = 0;
      for (const [ev, dt] of events) {
        reached.add(s.state);
        now += dt;
        const before = s;
        const r = step(s, ev, now);
        s = r.state;
        const types = r.actions.map((a) => a.type);

        assert.ok(STATE_NAMES.includes(s.state));
        assert.ok(Number.isInteger(s.connectRetryCounter) && s.connectRetryCounter >= 0);

        // A NOTIFICATION goes out before the connection is dropped, and at most one.
        const n = types.indexOf('sendNotification');
        if (n >= 0) {
          assert.equal(types.lastIndexOf('sendNotification'), n);
          const d = types.indexOf('dropTcp');
          if (d >= 0) assert.ok(n < d);
        }

        // The timer flags are exactly what the actions did to them.
        const flags = { ...before.timers };
        const expired = timerOf(ev.type);
        if (expired) flags[expired] = false;
        for (const a of r.actions) {
          if (a.type === 'startTimer') {
            assert.ok(Number.isFinite(a.ms) && a.ms > 0, `startTimer ${a.timer} ${a.ms}`);
            flags[a.timer] = true;
          }
          if (a.type === 'stopTimer') {
            assert.equal(flags[a.timer], true, `stopTimer ${a.timer} that is not running`);
            flags[a.timer] = false;
          }
        }
        assert.deepEqual(flags, { ...s.timers });

        // Idle holds nothing but the damping timer; Established with hold time 0 no timers.
        if (s.state === 'Idle') {
          for (const t of TIMER_NAMES) if (t !== 'idleHold') assert.equal(s.timers[t], false, t);
        }
        if (s.state !== 'Idle') assert.equal(s.timers.idleHold, false);
        if (s.state === 'Established' && s.holdTimeMs === 0) {
          assert.equal(s.timers.hold || s.timers.keepalive, false);
        }

        // sessionUp exactly on entering Established, sessionDown exactly on leaving it.
        const entered = before.state !== 'Established' && s.state === 'Established';
        const left = before.state === 'Established' && s.state !== 'Established';
        assert.equal(types.includes('sessionUp'), entered);
        assert.equal(types.includes('sessionDown'), left);

        // Negotiated values: never above what we offered; keepalive below the hold time.
        if (s.holdTimeMs > 0) {
          assert.ok(s.holdTimeMs <= s.config.holdTime * 1000 && s.holdTimeMs >= 3000);
          assert.ok(s.keepaliveMs > 0 && s.keepaliveMs <= s.holdTimeMs / 3);
        }
      }
      reached.add(s.state);
    }),
    { runs: scenarioRuns(20_000, 1_000), ...(IN_CI ? {} : { seed: 4271 }) },
  );
  // The generator must reach every state, or the invariants above prove little.
  assert.deepEqual([...reached].sort(), [...STATE_NAMES].sort());
});
