// The FSM, the timer wheel and SessionTimers together, as the socket shell will combine
// them, on a fake clock: timers that the FSM arms really expire and come back as events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFsm, SessionTimers, step, TimerWheel, type FsmEvent, type FsmState } from '../../../src/bgp/fsm';
import { CONFIG, FakeClock, fmt } from './helpers';

/** A minimal shell: steps the FSM, performs timer actions, logs the others with times. */
class Driver {
  readonly clock = new FakeClock();
  readonly wheel = new TimerWheel({ clock: this.clock, resolutionMs: 100 });
  // rng 1: jitter factor exactly 1, so the timeline below is exact.
  readonly timers = new SessionTimers(
    this.wheel,
    (e) => this.feed({ type: e } as FsmEvent),
    () => 1,
  );
  readonly log: string[] = [];
  s: FsmState = createFsm(CONFIG, 0);

  feed(ev: FsmEvent): void {
    const r = step(this.s, ev, this.clock.now());
    // The state change first, then its actions in order.
    if (r.state.state !== this.s.state) this.log.push(`${this.clock.now() / 1000}s ${this.s.state}->${r.state.state}`);
    this.s = r.state;
    for (const a of r.actions) {
      if (!this.timers.apply(a)) this.log.push(`${this.clock.now() / 1000}s ${fmt(a)}`);
    }
  }
}

test('connect retry, session up, keepalives, hold timer expiry, damped automatic restart', () => {
  const d = new Driver();
  d.feed({ type: 'ManualStart' });
  d.clock.advance(120_000); // nobody answers: ConnectRetryTimer fires, we try again
  d.feed({ type: 'Tcp_CR_Acked' });
  d.feed({ type: 'BGPOpen', asn: 65001, holdTime: 9, bgpId: 0x0a000002 }); // hold 9 s, keepalive 3 s
  d.feed({ type: 'KeepAliveMsg' });
  for (let i = 0; i < 4; i++) {
    d.clock.advance(2000);
    d.feed({ type: 'KeepAliveMsg' }); // the peer keeps the session alive
  }
  assert.equal(d.s.state, 'Established');
  d.clock.advance(9000); // the peer goes silent: hold timer expires 9 s after its last KEEPALIVE
  assert.equal(d.s.state, 'Idle');
  d.clock.advance(5000); // the damping IdleHoldTimer (5 s) restarts the session automatically
  assert.equal(d.s.state, 'Connect');
  assert.deepEqual(d.log, [
    '0s Idle->Connect',
    '0s initiate',
    '0s listen',
    '120s drop',
    '120s initiate',
    '120s Connect->OpenSent',
    '120s open',
    '120s OpenSent->OpenConfirm',
    '120s ka',
    '120s OpenConfirm->Established',
    '120s up:9000/3000',
    '123s ka',
    '126s ka',
    '129s ka',
    '132s ka',
    '135s ka',
    '137s Established->Idle',
    '137s notify:4/0/',
    '137s down:HoldTimer_Expires',
    '137s release',
    '137s drop',
    '142s Idle->Connect',
    '142s initiate',
    '142s listen',
  ]);
  // Only the new session's ConnectRetryTimer is armed now.
  assert.equal(d.wheel.size, 1);
  assert.equal(d.timers.running('connectRetry'), true);
});
