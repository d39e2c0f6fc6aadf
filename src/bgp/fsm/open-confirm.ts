// RFC 4271 8.2.2, OpenConfirm state: OPENs exchanged, waiting for the peer's KEEPALIVE.
import { sendKeepalive } from './actions';
import type { FsmEvent } from './events';
import {
  HOLD_TIMER_EXPIRED,
  holdExpiredWhileBusy,
  receivedOf,
  stopCease,
  teardown,
  type StepResult,
  type Tx,
} from './common';

export function openConfirm(tx: Tx, ev: FsmEvent): StepResult | undefined {
  switch (ev.type) {
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_DampPeerOscillations':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
      return tx.stay();

    case 'ManualStop':
      return teardown(tx, { notify: stopCease(ev), counter: 'reset', damp: false, reason: ev.type });
    case 'AutomaticStop':
      return teardown(tx, { notify: stopCease(ev), counter: 'increment', damp: true, reason: ev.type });
    case 'HoldTimer_Expires':
      return (
        holdExpiredWhileBusy(tx, ev) ??
        teardown(tx, { notify: HOLD_TIMER_EXPIRED, counter: 'increment', damp: true, reason: ev.type })
      );

    // Event 11: send KEEPALIVE, restart the KeepaliveTimer, stay.
    case 'KeepaliveTimer_Expires':
      tx.push(sendKeepalive);
      if (tx.s.keepaliveMs > 0) tx.start('keepalive', tx.s.keepaliveMs);
      return tx.stay();

    // Events 14, 16, 17: track the second connection (the shell); Event 15: ignored.
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Invalid':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return tx.stay();

    // Events 18, 25: release, drop, counter + 1, damping -> Idle.
    case 'TcpConnectionFails':
    case 'NotifMsg':
      return teardown(tx, { counter: 'increment', damp: true, reason: ev.type, received: receivedOf(ev) });

    // Event 24: release, drop -> Idle, counter unchanged.
    case 'NotifMsgVerErr':
      return teardown(tx, { counter: 'keep', damp: true, reason: ev.type, received: receivedOf(ev) });

    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return teardown(tx, {
        notify: { code: ev.error.code, subcode: ev.error.subcode, data: ev.error.data },
        counter: 'increment',
        damp: true,
        reason: ev.type,
      });

    // Event 23: this connection lost the collision (6.8): Cease, counter + 1 -> Idle.
    case 'OpenCollisionDump':
      return teardown(tx, { notify: stopCease(ev), counter: 'increment', damp: true, reason: ev.type });

    // Event 26: restart the HoldTimer (if the hold time is not 0) -> Established.
    case 'KeepAliveMsg':
      if (tx.s.holdTimeMs > 0) tx.start('hold', tx.s.holdTimeMs);
      tx.push({ type: 'sessionUp', holdTimeMs: tx.s.holdTimeMs, keepaliveMs: tx.s.keepaliveMs });
      tx.set({ establishedAt: tx.now });
      return tx.to('Established');

    // Event 19: 8.2.2 runs collision detection here; with one FSM per connection that is
    // done across connections by collision.ts and arrives as Event 23. A second OPEN on
    // this connection is an unexpected message (RFC 6608 subcode 2), like 9, 12-13, 20,
    // 27-28: the FSM-error path.
    default:
      return undefined;
  }
}
