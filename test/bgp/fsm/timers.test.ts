// The timer wheel on a fake clock: no wall-clock waits. A timer fires no earlier than its
// deadline and at most one tick late; cancel, refresh, laps and stalls behave.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jitter, SessionTimers, TimerWheel } from '../../../src/bgp/fsm';
import { FakeClock } from './helpers';

/** A clock whose time moves only by advance(), running the interval as real time would. */

test('a timer fires once, not before its deadline and within one tick after it', () => {
  const clock = new FakeClock();
  const wheel = new TimerWheel({ clock, resolutionMs: 100, slots: 64 });
  const fired: number[] = [];
  wheel.add(1050, () => fired.push(clock.now()));
  clock.advance(1000);
  assert.deepEqual(fired, []);
  clock.advance(1000);
  assert.equal(fired.length, 1);
  assert.ok(fired[0]! >= 1050 && fired[0]! <= 1150, `fired at ${fired[0]}`);
  assert.equal(wheel.size, 0);
  assert.equal(clock.armed, false, 'the interval stops when no timer is left');
});

test('cancel is final and idempotent; cancelling the last timer stops the interval', () => {
  const clock = new FakeClock();
  const wheel = new TimerWheel({ clock, resolutionMs: 100 });
  let n = 0;
  const a = wheel.add(500, () => n++);
  const b = wheel.add(700, () => n++);
  wheel.cancel(a);
  wheel.cancel(a);
  assert.equal(wheel.size, 1);
  clock.advance(2000);
  assert.equal(n, 1);
  assert.equal(b.active, false);
  const c = wheel.add(500, () => n++);
  wheel.cancel(c);
  assert.equal(clock.armed, false);
  clock.advance(2000);
  assert.equal(n, 1);
});

test('refresh to a later deadline postpones; to an earlier one brings forward; re-arms a fired timer', () => {
  const clock = new FakeClock();
  const wheel = new TimerWheel({ clock, resolutionMs: 100, slots: 32 });
  const fired: number[] = [];
  const t = wheel.add(1000, () => fired.push(clock.now()));
  // A hold timer restarted by every KEEPALIVE never fires while they keep coming.
  for (let i = 0; i < 20; i++) {
    clock.advance(500);
    wheel.refresh(t, 1000);
  }
  assert.deepEqual(fired, []);
  clock.advance(1100);
  assert.deepEqual(fired, [11000]);
  wheel.refresh(t, 5000); // re-arm after firing
  wheel.refresh(t, 300); // and bring it forward
  clock.advance(400);
  assert.deepEqual(fired, [11000, 11400]);
  assert.equal(wheel.size, 0);
});

test('timers longer than one lap of the ring wait for their own lap', () => {
  const clock = new FakeClock();
  const wheel = new TimerWheel({ clock, resolutionMs: 100, slots: 8 }); // 800 ms per lap
  const fired: number[] = [];
  wheel.add(120_000, () => fired.push(clock.now()));
  wheel.add(250, () => fired.push(clock.now()));
  clock.advance(119_900);
  assert.deepEqual(fired, [300]);
  clock.advance(200);
  assert.deepEqual(fired, [300, 120_000]);
});

test('after a stall (blocked event loop) every overdue timer fires on the next tick', () => {
  const clock = new FakeClock();
  const wheel = new TimerWheel({ clock, resolutionMs: 100, slots: 16 });
  let n = 0;
  for (let i = 1; i <= 50; i++) wheel.add(i * 37, () => n++);
  clock.t = 60_000; // no ticks ran for a minute
  wheel.tick();
  assert.equal(n, 50);
  assert.equal(wheel.size, 0);
});

test('callbacks may add timers, including zero-delay ones, which fire on a later tick', () => {
  const clock = new FakeClock();
  const wheel = new TimerWheel({ clock, resolutionMs: 100 });
  const order: string[] = [];
  wheel.add(100, () => {
    order.push('a');
    wheel.add(0, () => order.push('b'));
  });
  clock.advance(100);
  assert.deepEqual(order, ['a']);
  clock.advance(100);
  assert.deepEqual(order, ['a', 'b']);
});

test('10k timers with random deadlines: each fires once, never early, at most one tick late', () => {
  const clock = new FakeClock();
  const wheel = new TimerWheel({ clock, resolutionMs: 250, slots: 256 });
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
  const late: number[] = [];
  let early = 0;
  for (let i = 0; i < 10_000; i++) {
    const ms = Math.floor(rnd() * 200_000);
    const due = clock.now() + ms;
    wheel.add(ms, () => {
      const d = clock.now() - due;
      if (d < 0) early++;
      late.push(d);
    });
  }
  clock.advance(201_000);
  assert.equal(late.length, 10_000);
  assert.equal(early, 0);
  assert.ok(Math.max(...late) <= 250, `max lateness ${Math.max(...late)}`);
});

test('jitter scales by a factor in [0.75, 1] (RFC 4271 10)', () => {
  assert.equal(
    jitter(120_000, () => 0),
    90_000,
  );
  assert.equal(
    jitter(120_000, () => 0.5),
    105_000,
  );
  assert.equal(
    jitter(120_000, () => 0.9999999),
    119_999,
  );
  for (let i = 0; i < 1000; i++) {
    const j = jitter(30_000);
    assert.ok(j >= 22_500 && j <= 30_000, String(j));
  }
});

test('SessionTimers performs timer actions with jitter and reports expiry as FSM events', () => {
  const clock = new FakeClock();
  const wheel = new TimerWheel({ clock, resolutionMs: 100 });
  const events: string[] = [];
  const timers = new SessionTimers(
    wheel,
    (e) => events.push(e),
    () => 0,
  ); // jitter factor 0.75
  assert.equal(timers.apply({ type: 'startTimer', timer: 'connectRetry', ms: 120_000, jitter: true }), true);
  assert.equal(timers.apply({ type: 'startTimer', timer: 'hold', ms: 240_000, jitter: false }), true);
  assert.equal(timers.apply({ type: 'sendOpen' }), false);
  clock.advance(89_900);
  assert.deepEqual(events, []);
  clock.advance(200);
  assert.deepEqual(events, ['ConnectRetryTimer_Expires']);
  timers.apply({ type: 'stopTimer', timer: 'hold' });
  assert.equal(timers.running('hold'), false);
  timers.apply({ type: 'startTimer', timer: 'hold', ms: 1000, jitter: false });
  clock.advance(1000);
  assert.deepEqual(events, ['ConnectRetryTimer_Expires', 'HoldTimer_Expires']);
  timers.stopAll();
  assert.equal(wheel.size, 0);
});

test('a timer callback that throws is reported to onError; the other timers of its bucket still fire', () => {
  const clock = new FakeClock();
  const errors: unknown[] = [];
  const wheel = new TimerWheel({ clock, resolutionMs: 100, onError: (e) => errors.push(e) });
  const fired: string[] = [];
  wheel.add(250, () => fired.push('a'));
  wheel.add(250, () => {
    throw new Error('bug in a timer');
  });
  wheel.add(250, () => fired.push('c'));
  wheel.add(500, () => fired.push('later'));
  assert.doesNotThrow(() => clock.advance(600));
  assert.deepEqual(fired, ['a', 'c', 'later']);
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /bug in a timer/);
  assert.equal(wheel.size, 0);
});
