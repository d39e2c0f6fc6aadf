// RFC 4271 8.2.2, Active state: listening for the peer's TCP connection.
import { initiateTcp } from './actions';
import type { FsmEvent } from './events';
import { cease, teardown, type StepResult, type Tx } from './common';
import { CeaseSubcode } from '../messages';
import { delayOver, earlyMessageError, earlyVersionError, openWhileDelayed, tcpUp } from './pre-open';

export function active(tx: Tx, ev: FsmEvent): StepResult | undefined {
  switch (ev.type) {
    // Start events (1, 3-7) are ignored.
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_DampPeerOscillations':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
      return tx.stay();

    // Event 2: a Cease only if the connection is up (DelayOpenTimer running) and
    // SendNOTIFICATIONwithoutOPEN is set; then release, drop, counter to zero -> Idle.
    case 'ManualStop': {
      const notify =
        tx.timers.delayOpen && tx.config.sendNotificationWithoutOpen
          ? cease(CeaseSubcode.AdministrativeShutdown, ev.data)
          : undefined;
      return teardown(tx, { notify, counter: 'reset', damp: false, reason: ev.type });
    }

    // Event 9: restart ConnectRetryTimer, connect (still listening) -> Connect.
    case 'ConnectRetryTimer_Expires':
      tx.start('connectRetry', tx.connectRetryMs);
      tx.push(initiateTcp);
      return tx.to('Connect');

    case 'DelayOpenTimer_Expires':
      return delayOver(tx);

    case 'TcpConnection_Valid':
    case 'Tcp_CR_Invalid':
      return tx.stay();

    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return tcpUp(tx);

    // Event 18: stop DelayOpenTimer, release, counter + 1, damping -> Idle. 8.2.2 says to
    // restart the ConnectRetryTimer here, but Idle ignores its expiry (Event 9), so a
    // running one would only be noise: we stop it with the other timers.
    case 'TcpConnectionFails':
      return teardown(tx, { counter: 'increment', damp: true, reason: ev.type });

    case 'BGPOpen_with_DelayOpenTimer_running':
      return openWhileDelayed(tx, ev);

    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return earlyMessageError(tx, ev, ev.error);

    case 'NotifMsgVerErr':
      return earlyVersionError(tx, ev);

    // Events 8, 10-11, 13, 19, 23, 25-28: the FSM-error path.
    default:
      return undefined;
  }
}
