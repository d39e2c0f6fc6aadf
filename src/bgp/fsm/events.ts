// The 28 inputs of the BGP FSM, RFC 4271 8.1, by their RFC names and numbers. Message
// events carry what the FSM needs and nothing more: the peer's hold time and identifier
// for an OPEN, the NOTIFICATION to send for an error the codec found (a BgpError).
import type { BgpError, UpdateMessage } from '../messages';
import type { PeerOpen, TimerName } from './state';

/** Event names in RFC order; index + 1 is the RFC 4271 8.1 event number. */
export const EVENT_NAMES = [
  'ManualStart', // 1
  'ManualStop', // 2
  'AutomaticStart', // 3
  'ManualStart_with_PassiveTcpEstablishment', // 4
  'AutomaticStart_with_PassiveTcpEstablishment', // 5
  'AutomaticStart_with_DampPeerOscillations', // 6
  'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment', // 7
  'AutomaticStop', // 8
  'ConnectRetryTimer_Expires', // 9
  'HoldTimer_Expires', // 10
  'KeepaliveTimer_Expires', // 11
  'DelayOpenTimer_Expires', // 12
  'IdleHoldTimer_Expires', // 13
  'TcpConnection_Valid', // 14
  'Tcp_CR_Invalid', // 15
  'Tcp_CR_Acked', // 16
  'TcpConnectionConfirmed', // 17
  'TcpConnectionFails', // 18
  'BGPOpen', // 19
  'BGPOpen_with_DelayOpenTimer_running', // 20
  'BGPHeaderErr', // 21
  'BGPOpenMsgErr', // 22
  'OpenCollisionDump', // 23
  'NotifMsgVerErr', // 24
  'NotifMsg', // 25
  'KeepAliveMsg', // 26
  'UpdateMsg', // 27
  'UpdateMsgErr', // 28
  'SendHoldTimer_Expires', // 29, RFC 9687 4: the shell's send hold timer (send-hold.ts)
] as const;

export type FsmEventType = (typeof EVENT_NAMES)[number];

/** RFC 4271 8.1 event number (1..28) of an event name. */
export function eventNumber(type: FsmEventType): number {
  return EVENT_NAMES.indexOf(type) + 1;
}

/** A NOTIFICATION as received from the peer (NotifMsg, NotifMsgVerErr). */
export interface ReceivedNotification {
  readonly code: number;
  readonly subcode: number;
  readonly data?: Uint8Array;
}

type Plain<T extends FsmEventType> = { readonly type: T };

export type FsmEvent =
  | Plain<'ManualStart'>
  /** `data`: the Administrative Shutdown communication (RFC 9003), already encoded. */
  | { readonly type: 'ManualStop'; readonly data?: Uint8Array }
  | Plain<'AutomaticStart'>
  | Plain<'ManualStart_with_PassiveTcpEstablishment'>
  | Plain<'AutomaticStart_with_PassiveTcpEstablishment'>
  | Plain<'AutomaticStart_with_DampPeerOscillations'>
  | Plain<'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment'>
  /** `subcode`: the Cease subcode (RFC 4486), e.g. Maximum Number of Prefixes Reached. */
  | { readonly type: 'AutomaticStop'; readonly subcode?: number; readonly data?: Uint8Array }
  | Plain<'ConnectRetryTimer_Expires'>
  /**
   * `inputPending`: bytes from the peer are still unread when the timer fired, i.e. we
   * are behind, not the peer silent (see holdExpiredWhileBusy in common.ts).
   */
  | { readonly type: 'HoldTimer_Expires'; readonly inputPending?: boolean }
  | Plain<'KeepaliveTimer_Expires'>
  | Plain<'DelayOpenTimer_Expires'>
  | Plain<'IdleHoldTimer_Expires'>
  | Plain<'TcpConnection_Valid'>
  | Plain<'Tcp_CR_Invalid'>
  | Plain<'Tcp_CR_Acked'>
  | Plain<'TcpConnectionConfirmed'>
  | Plain<'TcpConnectionFails'>
  | ({ readonly type: 'BGPOpen' } & PeerOpen)
  | ({ readonly type: 'BGPOpen_with_DelayOpenTimer_running' } & PeerOpen)
  | { readonly type: 'BGPHeaderErr'; readonly error: BgpError }
  | { readonly type: 'BGPOpenMsgErr'; readonly error: BgpError }
  | Plain<'OpenCollisionDump'>
  | ({ readonly type: 'NotifMsgVerErr' } & Partial<ReceivedNotification>)
  | ({ readonly type: 'NotifMsg' } & Partial<ReceivedNotification>)
  | Plain<'KeepAliveMsg'>
  /** `update`: the decoded UPDATE, handed back untouched in the processUpdate action. */
  | { readonly type: 'UpdateMsg'; readonly update?: UpdateMessage }
  /** Only for errors whose RFC 7606 action is session-reset; the others never reach the FSM. */
  | { readonly type: 'UpdateMsgErr'; readonly error: BgpError }
  /** RFC 9687: nothing we wrote drained for the send hold time (the peer stopped reading). */
  | Plain<'SendHoldTimer_Expires'>;

/** The event a timer raises when it expires (RFC 4271 8.1.3). */
export const TIMER_EVENT: Readonly<Record<TimerName, FsmEventType>> = Object.freeze({
  connectRetry: 'ConnectRetryTimer_Expires',
  hold: 'HoldTimer_Expires',
  keepalive: 'KeepaliveTimer_Expires',
  delayOpen: 'DelayOpenTimer_Expires',
  idleHold: 'IdleHoldTimer_Expires',
});

/** The timer whose expiry an event is, if it is a timer event. */
export function timerOfEvent(type: FsmEventType): TimerName | undefined {
  for (const [timer, ev] of Object.entries(TIMER_EVENT) as [TimerName, FsmEventType][]) {
    if (ev === type) return timer;
  }
  return undefined;
}

/**
 * The event for a received NOTIFICATION: "version error" (OPEN Message Error / Unsupported
 * Version Number, RFC 4271 6.2) is Event 24, NotifMsgVerErr; anything else Event 25.
 */
export function notificationEvent(code: number, subcode: number, data?: Uint8Array): FsmEvent {
  const type = code === 2 && subcode === 1 ? 'NotifMsgVerErr' : 'NotifMsg';
  return { type, code, subcode, data };
}
