// RFC 4271 8.2.2, OpenSent state: our OPEN is out, waiting for the peer's.
import { dropTcp, sendKeepalive } from './actions';
import type { FsmEvent } from './events';
import {
  acceptOpen,
  armSessionTimers,
  HOLD_TIMER_EXPIRED,
  receivedOf,
  stopCease,
  teardown,
  type StepResult,
  type Tx,
} from './common';

export function openSent(tx: Tx, ev: FsmEvent): StepResult | undefined {
  switch (ev.type) {
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_DampPeerOscillations':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
      return tx.stay();

    // Event 2: Cease, release, drop, counter to zero -> Idle (no damping: the operator's).
    case 'ManualStop':
      return teardown(tx, { notify: stopCease(ev), counter: 'reset', damp: false, reason: ev.type });
    // Event 8: Cease, counter + 1, damping -> Idle.
    case 'AutomaticStop':
      return teardown(tx, { notify: stopCease(ev), counter: 'increment', damp: true, reason: ev.type });
    // Event 10: Hold Timer Expired (RFC 4271 6.5), counter + 1, damping -> Idle.
    case 'HoldTimer_Expires':
      return teardown(tx, { notify: HOLD_TIMER_EXPIRED, counter: 'increment', damp: true, reason: ev.type });

    // Events 14, 16, 17: a second connection; the shell tracks it for collision detection
    // (RFC 4271 6.8) until its OPEN arrives. Event 15 is ignored.
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Invalid':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return tx.stay();

    // Event 18: close, restart ConnectRetryTimer, keep listening -> Active. The large
    // HoldTimer of OpenSent is stopped: Active has no use for it.
    case 'TcpConnectionFails':
      tx.push(dropTcp);
      tx.stop('hold');
      tx.start('connectRetry', tx.connectRetryMs);
      return tx.to('Active');

    // Event 19: stop DelayOpenTimer and ConnectRetryTimer, send KEEPALIVE, arm
    // KeepaliveTimer and the negotiated HoldTimer (neither if it is 0) -> OpenConfirm.
    // Collision detection (6.8) is the caller's, with collision.ts: a connection that
    // loses receives OpenCollisionDump.
    case 'BGPOpen': {
      tx.stop('delayOpen');
      tx.stop('connectRetry');
      const neg = acceptOpen(tx, ev);
      tx.push(sendKeepalive);
      armSessionTimers(tx, neg);
      return tx.to('OpenConfirm');
    }

    // Events 21, 22: the NOTIFICATION the codec chose, counter + 1, damping -> Idle.
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return teardown(tx, {
        notify: { code: ev.error.code, subcode: ev.error.subcode, data: ev.error.data },
        counter: 'increment',
        damp: true,
        reason: ev.type,
      });

    // Event 23: Cease / Connection Collision Resolution (RFC 4486), counter + 1 -> Idle.
    case 'OpenCollisionDump':
      return teardown(tx, { notify: stopCease(ev), counter: 'increment', damp: true, reason: ev.type });

    // Event 24: release, drop -> Idle, counter unchanged.
    case 'NotifMsgVerErr':
      return teardown(tx, { counter: 'keep', damp: true, reason: ev.type, received: receivedOf(ev) });

    // Event 25. 8.2.2 lists it with "any other event" (send FSM Error), but a NOTIFICATION
    // is never answered with one: the peer closes right after sending it (RFC 4271 4.5,
    // 6.4). We close as OpenConfirm does for Event 25: counter + 1, damping -> Idle.
    case 'NotifMsg':
      return teardown(tx, { counter: 'increment', damp: true, reason: ev.type, received: receivedOf(ev) });

    // Events 9, 11-13, 20, 26-28: the FSM-error path (RFC 6608 subcode 1 for messages).
    default:
      return undefined;
  }
}
