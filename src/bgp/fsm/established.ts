// RFC 4271 8.2.2, Established state: UPDATE, NOTIFICATION and KEEPALIVE flow.
import { sendKeepalive } from './actions';
import type { FsmEvent } from './events';
import {
  HOLD_TIMER_EXPIRED,
  SEND_HOLD_TIMER_EXPIRED,
  holdExpiredWhileBusy,
  receivedOf,
  stopCease,
  teardown,
  type StepResult,
  type Tx,
} from './common';

/** "restarts its HoldTimer, if the negotiated HoldTime value is non-zero" (Events 26, 27). */
function restartHold(tx: Tx): void {
  if (tx.s.holdTimeMs > 0) tx.start('hold', tx.s.holdTimeMs);
}

export function established(tx: Tx, ev: FsmEvent): StepResult | undefined {
  switch (ev.type) {
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_DampPeerOscillations':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
      return tx.stay();

    // Events 2, 8, 10: NOTIFICATION, delete the routes (sessionDown), release, drop -> Idle.
    case 'ManualStop':
      return teardown(tx, { notify: stopCease(ev), counter: 'reset', damp: false, reason: ev.type });
    case 'AutomaticStop':
      return teardown(tx, { notify: stopCease(ev), counter: 'increment', damp: true, reason: ev.type });
    case 'HoldTimer_Expires':
      return (
        holdExpiredWhileBusy(tx, ev) ??
        teardown(tx, { notify: HOLD_TIMER_EXPIRED, counter: 'increment', damp: true, reason: ev.type })
      );

    // Event 29 (RFC 9687 4): the peer stopped reading what we send. The NOTIFICATION is best
    // effort (it queues behind what is stuck); the connection closes either way, like Event 10.
    case 'SendHoldTimer_Expires':
      return teardown(tx, { notify: SEND_HOLD_TIMER_EXPIRED, counter: 'increment', damp: true, reason: ev.type });

    // Event 11: send KEEPALIVE, restart the KeepaliveTimer unless the hold time is 0.
    case 'KeepaliveTimer_Expires':
      tx.push(sendKeepalive);
      if (tx.s.holdTimeMs > 0) tx.start('keepalive', tx.s.keepaliveMs);
      return tx.stay();

    // Events 14-17: a second connection is tracked by the shell until its OPEN; 15 ignored.
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Invalid':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return tx.stay();

    // Events 18, 24, 25: delete routes, release, drop, counter + 1 -> Idle. 8.2.2 lists no
    // damping here; we damp (see fsm.ts): a flapping established session is what it is for.
    case 'TcpConnectionFails':
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      return teardown(tx, { counter: 'increment', damp: true, reason: ev.type, received: receivedOf(ev) });

    // Event 21. 8.2.2 puts it with "any other event" (FSM Error), but RFC 4271 6.1 says a
    // header error MUST be reported as Message Header Error; we send the codec's NOTIFICATION.
    case 'BGPHeaderErr':
      return teardown(tx, {
        notify: { code: ev.error.code, subcode: ev.error.subcode, data: ev.error.data },
        counter: 'increment',
        damp: true,
        reason: ev.type,
      });

    // Event 23: only with CollisionDetectEstablishedState (8.1.1 Group 4); otherwise an
    // Established session always wins the collision (6.8) and the event is ignored.
    case 'OpenCollisionDump':
      if (!tx.config.collisionDetectEstablishedState) return tx.stay();
      return teardown(tx, { notify: stopCease(ev), counter: 'increment', damp: true, reason: ev.type });

    case 'KeepAliveMsg':
      restartHold(tx);
      return tx.stay();

    // Event 27: process the UPDATE, restart the HoldTimer.
    case 'UpdateMsg':
      tx.push({ type: 'processUpdate', update: ev.update });
      restartHold(tx);
      return tx.stay();

    // Event 28: UPDATE Message Error NOTIFICATION (6.3), delete routes, counter + 1 -> Idle.
    case 'UpdateMsgErr':
      return teardown(tx, {
        notify: { code: ev.error.code, subcode: ev.error.subcode, data: ev.error.data },
        counter: 'increment',
        damp: true,
        reason: ev.type,
      });

    // Events 9, 12-13, 19-20, 22: the FSM-error path. An OPEN (valid or not) on an
    // Established connection is an unexpected message, RFC 6608 subcode 3.
    default:
      return undefined;
  }
}
