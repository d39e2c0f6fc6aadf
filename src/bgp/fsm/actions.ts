// The FSM's outputs. `step` returns them in the order the shell must perform them:
// a NOTIFICATION is always written before the TCP connection is dropped (RFC 4271 4.5:
// "the BGP connection is closed immediately after it is sent").
import type { UpdateMessage } from '../messages';
import type { FsmEventType, ReceivedNotification } from './events';
import type { TimerName } from './state';

export type FsmAction =
  | { readonly type: 'sendOpen' }
  | { readonly type: 'sendKeepalive' }
  | { readonly type: 'sendNotification'; readonly code: number; readonly subcode: number; readonly data: Uint8Array }
  /**
   * Arm (or re-arm) a timer for `ms`. `jitter` says the shell must scale `ms` by a random
   * factor in [0.75, 1] (RFC 4271 10; `jitter()` in timers.ts), drawn anew each time.
   */
  | { readonly type: 'startTimer'; readonly timer: TimerName; readonly ms: number; readonly jitter: boolean }
  | { readonly type: 'stopTimer'; readonly timer: TimerName }
  /** Open a TCP connection to the peer (port 179 or as configured). */
  | { readonly type: 'initiateTcp' }
  /** Accept a TCP connection from the peer from now on. */
  | { readonly type: 'listen' }
  /** Close this session's TCP connection (or abort the attempt in progress). */
  | { readonly type: 'dropTcp' }
  /** Release per-session resources (RFC 4271 8.2.1.5: implementation dependent). */
  | { readonly type: 'releaseResources' }
  /** Entered Established with these negotiated values: start exchanging routes. */
  | { readonly type: 'sessionUp'; readonly holdTimeMs: number; readonly keepaliveMs: number }
  /**
   * Left Established: "deletes all routes associated with this connection" (8.2.2).
   * `reason` is the event that brought the session down; `sent`/`received` the
   * NOTIFICATION, if any, that went with it.
   */
  | {
      readonly type: 'sessionDown';
      readonly reason: FsmEventType;
      readonly sent?: Notification;
      readonly received?: ReceivedNotification;
    }
  /**
   * Hand a valid UPDATE to the routing engine (8.2.2 Established, Event 27). Absent only where
   * a test drives the pure FSM with a bare UpdateMsg event.
   */
  | { readonly type: 'processUpdate'; readonly update: UpdateMessage | undefined };

export type FsmActionType = FsmAction['type'];

/** A NOTIFICATION to send. */
export interface Notification {
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

const EMPTY = new Uint8Array(0);

export const sendOpen: FsmAction = Object.freeze({ type: 'sendOpen' });
export const sendKeepalive: FsmAction = Object.freeze({ type: 'sendKeepalive' });
export const initiateTcp: FsmAction = Object.freeze({ type: 'initiateTcp' });
export const listen: FsmAction = Object.freeze({ type: 'listen' });
export const dropTcp: FsmAction = Object.freeze({ type: 'dropTcp' });
export const releaseResources: FsmAction = Object.freeze({ type: 'releaseResources' });

export function sendNotification(code: number, subcode: number, data: Uint8Array = EMPTY): FsmAction {
  return { type: 'sendNotification', code, subcode, data };
}

export function startTimer(timer: TimerName, ms: number, jitter: boolean): FsmAction {
  return { type: 'startTimer', timer, ms, jitter };
}

export function stopTimer(timer: TimerName): FsmAction {
  return { type: 'stopTimer', timer };
}
