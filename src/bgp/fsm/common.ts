// Building blocks shared by the per-state handlers: a transition builder that keeps the
// running-timer flags in step with the timer actions, the one teardown sequence every
// "changes its state to Idle" of RFC 4271 8.2.2 follows, and the one FSM-error path.
import { CeaseSubcode, ErrorCode, FsmSubcode, MessageType } from '../messages';
import {
  dropTcp,
  releaseResources,
  sendNotification,
  startTimer,
  stopTimer,
  type FsmAction,
  type Notification,
} from './actions';
import type { FsmEvent, FsmEventType, ReceivedNotification } from './events';
import { timerOfEvent } from './events';
import { negotiateHoldTime, TIMER_NAMES, type FsmState, type PeerOpen, type StateName, type TimerName } from './state';

export interface StepResult {
  readonly state: FsmState;
  readonly actions: FsmAction[];
}

/** A handler for one state; undefined means "not handled here": the FSM-error path. */
export type StateHandler = (tx: Tx, ev: FsmEvent) => StepResult | undefined;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * RFC 4271 10: jitter SHOULD be applied to ConnectRetryTimer and KeepaliveTimer (and the
 * MinAS/MinRoute timers, which are not the FSM's). IdleHoldTimer is jittered too, so damped
 * peers of one host do not all restart together; HoldTimer and DelayOpenTimer are exact.
 */
const JITTERED: Readonly<Record<TimerName, boolean>> = {
  connectRetry: true,
  keepalive: true,
  idleHold: true,
  hold: false,
  delayOpen: false,
};

/** One transition in progress: actions in order, plus the fields of the next state. */
export class Tx {
  readonly actions: FsmAction[] = [];
  readonly timers: Record<TimerName, boolean>;
  readonly patch: Partial<Mutable<FsmState>> = {};

  constructor(
    readonly s: FsmState,
    readonly now: number,
    ev: FsmEvent,
  ) {
    this.timers = { ...s.timers };
    // A timer event means that timer is no longer running (RFC 4271 8.1.3).
    const expired = timerOfEvent(ev.type);
    if (expired !== undefined) this.timers[expired] = false;
  }

  get config() {
    return this.s.config;
  }

  push(...a: FsmAction[]): this {
    this.actions.push(...a);
    return this;
  }

  start(timer: TimerName, ms: number): this {
    this.timers[timer] = true;
    return this.push(startTimer(timer, ms, JITTERED[timer]));
  }

  /** Stop a timer if it runs; a timer that is not running needs no action. */
  stop(timer: TimerName): this {
    if (!this.timers[timer]) return this;
    this.timers[timer] = false;
    return this.push(stopTimer(timer));
  }

  notify(n: Notification): this {
    return this.push(sendNotification(n.code, n.subcode, n.data));
  }

  set(fields: Partial<FsmState>): this {
    Object.assign(this.patch, fields);
    return this;
  }

  /** Finish the transition into `next`. */
  to(next: StateName): StepResult {
    const changed = next !== this.s.state;
    const state: FsmState = {
      ...this.s,
      ...this.patch,
      state: next,
      timers: this.timersChanged() ? { ...this.timers } : this.s.timers,
      since: changed ? this.now : this.s.since,
    };
    return { state, actions: this.actions };
  }

  /** Stay in the current state; returns the same object when nothing changed. */
  stay(): StepResult {
    if (!this.timersChanged() && Object.keys(this.patch).length === 0) return { state: this.s, actions: this.actions };
    return this.to(this.s.state);
  }

  private timersChanged(): boolean {
    for (const t of TIMER_NAMES) if (this.timers[t] !== this.s.timers[t]) return true;
    return false;
  }

  // Durations, ms.
  get connectRetryMs(): number {
    return this.config.connectRetryTime * 1000;
  }
  get largeHoldMs(): number {
    return this.config.largeHoldTime * 1000;
  }
  get delayOpenMs(): number {
    return this.config.delayOpenTime * 1000;
  }
}

export interface TeardownOptions {
  /** The NOTIFICATION to send first, if any. */
  readonly notify?: Notification;
  /** ConnectRetryCounter: reset to zero (ManualStop), increment by 1, or leave as is. */
  readonly counter: 'reset' | 'increment' | 'keep';
  /** Perform peer oscillation damping (arm the IdleHoldTimer) when configured. */
  readonly damp: boolean;
  readonly reason: FsmEventType;
  readonly received?: ReceivedNotification;
}

/**
 * Every path to Idle in RFC 4271 8.2.2, in one order: NOTIFICATION (before anything closes
 * the connection), stop the timers ("sets the ConnectRetryTimer to zero" and friends),
 * delete the routes (Established only: sessionDown), release resources, drop TCP, then
 * damping. The counter rule differs per path and is the caller's.
 */
export function teardown(tx: Tx, o: TeardownOptions): StepResult {
  const s = tx.s;
  if (o.notify) tx.notify(o.notify);
  for (const t of TIMER_NAMES) tx.stop(t);
  if (s.state === 'Established') {
    tx.push({ type: 'sessionDown', reason: o.reason, sent: o.notify, received: o.received });
  }
  tx.push(releaseResources, dropTcp);

  const counter =
    o.counter === 'reset' ? 0 : o.counter === 'increment' ? s.connectRetryCounter + 1 : s.connectRetryCounter;
  const c = s.config;
  // The back-off restarts from the first value once a session has stayed up long enough
  // (8.1.1 Group 1: damping is for peers that oscillate repeatedly within a time period).
  let idleHold = s.idleHoldTime;
  if (s.establishedAt !== undefined && tx.now - s.establishedAt >= c.idleHoldResetTime * 1000)
    idleHold = c.idleHoldTime;
  if (o.counter === 'reset') idleHold = c.idleHoldTime; // an operator's stop forgets the flaps
  if (o.damp && c.dampPeerOscillations) {
    tx.start('idleHold', idleHold * 1000);
    idleHold = Math.min(idleHold * 2, c.idleHoldTimeMax);
  }
  tx.set({
    connectRetryCounter: counter,
    idleHoldTime: idleHold,
    holdTimeMs: 0,
    keepaliveMs: 0,
    peer: undefined,
    internal: undefined,
    establishedAt: undefined,
  });
  return tx.to('Idle');
}

/** The RFC 4271 4.1 type of the message an event reports, if it reports one. */
function messageTypeOf(type: FsmEventType): number | undefined {
  switch (type) {
    case 'BGPOpen':
    case 'BGPOpen_with_DelayOpenTimer_running':
    case 'BGPOpenMsgErr':
      return MessageType.Open;
    case 'UpdateMsg':
    case 'UpdateMsgErr':
      return MessageType.Update;
    case 'NotifMsg':
    case 'NotifMsgVerErr':
      return MessageType.Notification;
    case 'KeepAliveMsg':
      return MessageType.Keepalive;
    default:
      return undefined;
  }
}

const UNEXPECTED_IN: Partial<Record<StateName, number>> = {
  OpenSent: FsmSubcode.UnexpectedInOpenSent,
  OpenConfirm: FsmSubcode.UnexpectedInOpenConfirm,
  Established: FsmSubcode.UnexpectedInEstablished,
};

/**
 * The Finite State Machine Error NOTIFICATION for an unexpected event (RFC 4271 6.6).
 * RFC 6608 3: an unexpected *message* gets the subcode of the state it arrived in and a
 * 1-octet Data field with its message type; an event that is not a message (a timer that
 * should not be running) has no such subcode and gets 0, Unspecified Error.
 */
export function fsmErrorNotification(state: StateName, type: FsmEventType): Notification {
  const msg = messageTypeOf(type);
  const sub = UNEXPECTED_IN[state];
  if (msg === undefined || sub === undefined) {
    return { code: ErrorCode.FiniteStateMachine, subcode: FsmSubcode.Unspecified, data: new Uint8Array(0) };
  }
  return { code: ErrorCode.FiniteStateMachine, subcode: sub, data: Uint8Array.of(msg) };
}

/**
 * The one FSM-error path: every (state, event) pair 8.2.2 sends to "any other event".
 * Idle ignores it (8.2.2 Idle: "does not cause change in the state"); Connect and Active
 * have sent no OPEN, so they close without a NOTIFICATION; the later states send FSM Error.
 * All then release resources, drop TCP, add one to ConnectRetryCounter, damp, -> Idle.
 */
export function fsmError(tx: Tx, ev: FsmEvent): StepResult {
  const st = tx.s.state;
  if (st === 'Idle') return tx.stay();
  const notify = st === 'Connect' || st === 'Active' ? undefined : fsmErrorNotification(st, ev.type);
  return teardown(tx, { notify, counter: 'increment', damp: true, reason: ev.type });
}

/** Cease NOTIFICATION (RFC 4486) for ManualStop / AutomaticStop / OpenCollisionDump. */
export function cease(subcode: number, data?: Uint8Array): Notification {
  return { code: ErrorCode.Cease, subcode, data: data ?? new Uint8Array(0) };
}

export function stopCease(ev: FsmEvent): Notification {
  if (ev.type === 'ManualStop') return cease(CeaseSubcode.AdministrativeShutdown, ev.data);
  if (ev.type === 'AutomaticStop') return cease(ev.subcode ?? CeaseSubcode.AdministrativeShutdown, ev.data);
  return cease(CeaseSubcode.ConnectionCollisionResolution);
}

export const HOLD_TIMER_EXPIRED: Notification = Object.freeze({
  code: ErrorCode.HoldTimerExpired,
  subcode: 0,
  data: new Uint8Array(0),
});

/** RFC 9687 4: error code 8, Send Hold Timer Expired (no subcodes are defined). */
export const SEND_HOLD_TIMER_EXPIRED: Notification = Object.freeze({
  code: 8,
  subcode: 0,
  data: new Uint8Array(0),
});

/** A received NOTIFICATION, as carried by NotifMsg / NotifMsgVerErr, if the event had one. */
export function receivedOf(ev: FsmEvent): ReceivedNotification | undefined {
  if ((ev.type === 'NotifMsg' || ev.type === 'NotifMsgVerErr') && ev.code !== undefined) {
    return { code: ev.code, subcode: ev.subcode ?? 0, data: ev.data };
  }
  return undefined;
}

/** Record the peer's OPEN: negotiated hold/keepalive (RFC 4271 4.2) and internal/external. */
export function acceptOpen(tx: Tx, open: PeerOpen): { holdTimeMs: number; keepaliveMs: number } {
  const c = tx.config;
  const neg = negotiateHoldTime(c.holdTime, open.holdTime, c.keepaliveTime);
  tx.set({
    ...neg,
    peer: { asn: open.asn, holdTime: open.holdTime, bgpId: open.bgpId >>> 0 },
    internal: open.asn === c.localAs,
  });
  return neg;
}

/**
 * Arm keepalive and hold timers after the OPEN exchange, or stop the hold timer when the
 * negotiated hold time is 0 ("the HoldTimer and KeepaliveTimer are not started").
 */
export function armSessionTimers(tx: Tx, neg: { holdTimeMs: number; keepaliveMs: number }): void {
  if (neg.holdTimeMs > 0) {
    tx.start('keepalive', neg.keepaliveMs);
    tx.start('hold', neg.holdTimeMs);
  } else {
    tx.stop('keepalive');
    tx.stop('hold');
  }
}

/** How long a hold timer that expired with input still queued is extended. */
export const CONGESTED_HOLD_GRACE_MS = 10_000;

/**
 * A HoldTimer that fires while the peer's data still waits unread in our socket means
 * our event loop is behind, not that the peer fell silent (an idea from BIRD): RFC 4271
 * 6.5 is about not *receiving* messages, and these were received. Re-arm the hold timer
 * for a short grace instead of tearing down; the queued messages will restart it.
 */
export function holdExpiredWhileBusy(tx: Tx, ev: FsmEvent): StepResult | undefined {
  if (ev.type !== 'HoldTimer_Expires' || !ev.inputPending || tx.s.holdTimeMs <= 0) return undefined;
  tx.start('hold', Math.min(CONGESTED_HOLD_GRACE_MS, tx.s.holdTimeMs));
  return tx.stay();
}
