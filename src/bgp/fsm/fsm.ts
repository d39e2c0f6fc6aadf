// step(): the RFC 4271 section 8.2.2 state machine as a pure function. No I/O, no clock:
// the caller passes `now` and performs the returned actions in order.
//
// Where we depart from the letter of 8.2.2, on purpose (each is also noted at its case):
// - Peer oscillation damping (arming the IdleHoldTimer, whose expiry restarts the session
//   automatically) is applied on every transition to Idle except ManualStop, including those
//   8.2.2 lists without it (Connect Event 18; Connect/Active Event 24 with the DelayOpenTimer
//   running; OpenSent and OpenConfirm 24; Established 18, 24, 25). Otherwise a peer dropped
//   there would sit in Idle with nothing to restart it. ConnectRetryCounter follows 8.2.2.
// - Active, Event 18: the ConnectRetryTimer is stopped, not restarted (Idle ignores it).
// - OpenSent, Event 25: a received NOTIFICATION is not answered with FSM Error (4.5, 6.4).
// - OpenConfirm and Established, Event 19, and Established 20/22: an OPEN on this connection
//   is an unexpected message, RFC 6608; collisions come in as OpenCollisionDump (collision.ts).
// - Established, Event 21: Message Header Error as RFC 4271 6.1 requires, not FSM Error.
// - Idle, ManualStop: ignored, but a pending damped restart (IdleHoldTimer) is cancelled.
// - An OPEN with Hold Time 1 or 2 is rejected here too (6.2: MUST reject), as Event 22.
// - BGPOpen while the DelayOpenTimer runs is Event 20 (8.1.5), so the shell need not know.
import { BgpError, OpenSubcode } from '../messages';
import { active } from './active';
import { fsmError, Tx, type StateHandler, type StepResult } from './common';
import { connect } from './connect';
import { established } from './established';
import type { FsmEvent } from './events';
import { idle } from './idle';
import { openConfirm } from './open-confirm';
import { openSent } from './open-sent';
import type { FsmState, StateName } from './state';

const HANDLERS: Readonly<Record<StateName, StateHandler>> = {
  Idle: idle,
  Connect: connect,
  Active: active,
  OpenSent: openSent,
  OpenConfirm: openConfirm,
  Established: established,
};

/** Rewrite an event into the one 8.1 means for this session state. */
function normalize(s: FsmState, ev: FsmEvent): FsmEvent {
  if (ev.type === 'BGPOpen' || ev.type === 'BGPOpen_with_DelayOpenTimer_running') {
    const h = ev.holdTime;
    if (!Number.isInteger(h) || h < 0 || h > 0xffff || h === 1 || h === 2) {
      return {
        type: 'BGPOpenMsgErr',
        error: BgpError.open(OpenSubcode.UnacceptableHoldTime, `unacceptable hold time ${h}`),
      };
    }
    // Event 19 "SHOULD not" occur while the DelayOpenTimer runs: then it is Event 20.
    if (ev.type === 'BGPOpen' && s.timers.delayOpen) return { ...ev, type: 'BGPOpen_with_DelayOpenTimer_running' };
  }
  return ev;
}

/**
 * One FSM step: the next session record and the actions to perform, in order. Never throws
 * for any event in any state; pairs 8.2.2 does not handle take the single FSM-error path.
 */
export function step(session: FsmState, event: FsmEvent, now: number): StepResult {
  const ev = normalize(session, event);
  const tx = new Tx(session, now, ev);
  const handler = HANDLERS[session.state] ?? idle;
  return handler(tx, ev) ?? fsmError(tx, ev);
}

/** Feed several events in turn; returns the final state and all actions (tests, replays). */
export function run(session: FsmState, events: readonly FsmEvent[], now: number): StepResult {
  let state = session;
  const actions = [];
  for (const ev of events) {
    const r = step(state, ev, now);
    state = r.state;
    actions.push(...r.actions);
  }
  return { state, actions };
}
