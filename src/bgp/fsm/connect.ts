// RFC 4271 8.2.2, Connect state: waiting for our TCP connection to complete.
import { dropTcp, initiateTcp } from './actions';
import type { FsmEvent } from './events';
import { teardown, type StepResult, type Tx } from './common';
import { delayOver, earlyMessageError, earlyVersionError, openWhileDelayed, tcpUp } from './pre-open';

export function connect(tx: Tx, ev: FsmEvent): StepResult | undefined {
  switch (ev.type) {
    // Start events (1, 3-7) are ignored.
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_DampPeerOscillations':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
      return tx.stay();

    // Event 2: drop TCP, release, counter to zero, ConnectRetryTimer stopped -> Idle.
    case 'ManualStop':
      return teardown(tx, { counter: 'reset', damp: false, reason: ev.type });

    // Event 9: drop the attempt, restart ConnectRetryTimer, stop DelayOpenTimer, connect
    // again (still listening), stay in Connect.
    case 'ConnectRetryTimer_Expires':
      tx.push(dropTcp);
      tx.stop('delayOpen');
      tx.start('connectRetry', tx.connectRetryMs);
      tx.push(initiateTcp);
      return tx.stay();

    case 'DelayOpenTimer_Expires':
      return delayOver(tx);

    // Event 14: the connection is processed (by the shell); Event 15: the shell rejects it.
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Invalid':
      return tx.stay();

    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return tcpUp(tx);

    // Event 18. With the DelayOpenTimer running: restart ConnectRetryTimer, stop
    // DelayOpenTimer, keep listening -> Active. Otherwise -> Idle; 8.2.2 lists no damping
    // here, but we damp (see fsm.ts) so an automatic peer whose connect is refused retries.
    case 'TcpConnectionFails':
      if (tx.timers.delayOpen) {
        tx.start('connectRetry', tx.connectRetryMs);
        tx.stop('delayOpen');
        return tx.to('Active');
      }
      return teardown(tx, { counter: 'keep', damp: true, reason: ev.type });

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
