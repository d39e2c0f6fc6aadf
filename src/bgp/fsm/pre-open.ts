// What Connect and Active share (RFC 4271 8.2.2): the TCP connection comes up, an OPEN
// arrives while our own is delayed, an OPEN or header error, a version-error NOTIFICATION.
import type { BgpError } from '../messages';
import { sendKeepalive, sendOpen } from './actions';
import type { FsmEvent } from './events';
import { acceptOpen, armSessionTimers, teardown, type StepResult, type Tx } from './common';
import type { PeerOpen } from './state';

/**
 * Events 16, 17 (TCP connection succeeds). With DelayOpen: stop the ConnectRetryTimer,
 * arm the DelayOpenTimer, stay. Without: stop the ConnectRetryTimer, send OPEN, set the
 * HoldTimer to the large value (4 minutes suggested) -> OpenSent.
 */
export function tcpUp(tx: Tx): StepResult {
  tx.stop('connectRetry');
  if (tx.config.delayOpen) {
    tx.start('delayOpen', tx.delayOpenMs);
    return tx.stay();
  }
  tx.push(sendOpen);
  tx.start('hold', tx.largeHoldMs);
  return tx.to('OpenSent');
}

/**
 * Event 12 (DelayOpenTimer_Expires): send the OPEN we held back, large HoldTimer -> OpenSent.
 * Active also "sets the ConnectRetryTimer to zero" (it is normally stopped already).
 */
export function delayOver(tx: Tx): StepResult {
  tx.stop('connectRetry');
  tx.push(sendOpen);
  tx.start('hold', tx.largeHoldMs);
  return tx.to('OpenSent');
}

/**
 * Event 20 (OPEN received while the DelayOpenTimer runs): stop ConnectRetryTimer and
 * DelayOpenTimer, send OPEN and KEEPALIVE, arm keepalive and hold with the negotiated
 * values (neither when the hold time is 0) -> OpenConfirm.
 */
export function openWhileDelayed(tx: Tx, open: PeerOpen): StepResult {
  tx.stop('connectRetry');
  tx.stop('delayOpen');
  const neg = acceptOpen(tx, open);
  tx.push(sendOpen, sendKeepalive);
  armSessionTimers(tx, neg);
  return tx.to('OpenConfirm');
}

/**
 * Events 21, 22 before our OPEN went out: a NOTIFICATION only with
 * SendNOTIFICATIONwithoutOPEN, then counter + 1, damping -> Idle.
 */
export function earlyMessageError(tx: Tx, ev: FsmEvent, error: BgpError): StepResult {
  const notify = tx.config.sendNotificationWithoutOpen
    ? { code: error.code, subcode: error.subcode, data: error.data }
    : undefined;
  return teardown(tx, { notify, counter: 'increment', damp: true, reason: ev.type });
}

/**
 * Event 24 in Connect/Active: with the DelayOpenTimer running the counter is left alone
 * (the peer may retry with another version, RFC 4271 7); without it, counter + 1.
 */
export function earlyVersionError(tx: Tx, ev: FsmEvent): StepResult {
  const counter = tx.timers.delayOpen ? 'keep' : 'increment';
  return teardown(tx, { counter, damp: true, reason: ev.type });
}
