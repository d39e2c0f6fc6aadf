// RFC 4271 8.2.2, Idle state: refuse connections, hold no resources, wait for a start.
import { initiateTcp, listen } from './actions';
import type { FsmEvent } from './events';
import type { StepResult, Tx } from './common';

/**
 * Start the session: counter to zero, ConnectRetryTimer armed, then either connect and
 * listen (-> Connect) or only listen (-> Active, PassiveTcpEstablishment).
 */
function start(tx: Tx, passive: boolean): StepResult {
  tx.stop('idleHold');
  tx.start('connectRetry', tx.connectRetryMs);
  tx.set({ connectRetryCounter: 0 });
  if (passive) {
    tx.push(listen);
    return tx.to('Active');
  }
  tx.push(initiateTcp, listen);
  return tx.to('Connect');
}

export function idle(tx: Tx, ev: FsmEvent): StepResult {
  switch (ev.type) {
    // Events 1, 3: connect and listen -> Connect. Events 4, 5: listen only -> Active.
    // A manual start also forgets the damping back-off: the operator asked for it now.
    case 'ManualStart':
      tx.set({ idleHoldTime: tx.config.idleHoldTime });
      return start(tx, false);
    case 'ManualStart_with_PassiveTcpEstablishment':
      tx.set({ idleHoldTime: tx.config.idleHoldTime });
      return start(tx, true);
    case 'AutomaticStart':
      return start(tx, false);
    case 'AutomaticStart_with_PassiveTcpEstablishment':
      return start(tx, true);

    // Events 6, 7 (DampPeerOscillations): the method is ours (8.2.2 leaves it open). While
    // the IdleHoldTimer runs the start waits for it; otherwise it is an automatic start.
    case 'AutomaticStart_with_DampPeerOscillations':
      return tx.timers.idleHold ? tx.stay() : start(tx, false);
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
      return tx.timers.idleHold ? tx.stay() : start(tx, true);

    // Event 13: the back-off is over; restart automatically if that is allowed (8.1.1
    // Group 1: IdleHoldTime is how long the peer is held in Idle before the next
    // automatic restart).
    case 'IdleHoldTimer_Expires':
      return tx.config.allowAutomaticStart ? start(tx, tx.config.passiveTcpEstablishment) : tx.stay();

    // Event 2 is ignored in Idle, except that a pending automatic restart is cancelled:
    // an operator's stop must not be undone by the damping timer.
    case 'ManualStop':
      tx.stop('idleHold');
      return tx.stay();

    // Event 8 and Events 9-12, 14-28 do not change the state (8.2.2 Idle).
    default:
      return tx.stay();
  }
}
