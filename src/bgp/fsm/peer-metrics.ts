// The Prometheus side of a session (contract 3's /metrics): message, NOTIFICATION and state
// series labelled by the peer's configured address. Without metrics every call is a no-op.
import type { Metrics } from '../../observability';
import { messageTypeName } from '../messages';
import { STATE_NAMES, type StateName } from './state';

export function countMessage(m: Metrics | undefined, peer: string, dir: 'sent' | 'received', type: number): void {
  if (!m) return;
  const labels = { peer, type: messageTypeName(type) };
  if (dir === 'sent') m.messagesSent.inc(labels);
  else m.messagesReceived.inc(labels);
}

export function countNotification(
  m: Metrics | undefined,
  peer: string,
  dir: 'sent' | 'received',
  code: number,
  subcode: number,
): void {
  if (!m) return;
  const labels = { peer, code: String(code), subcode: String(subcode) };
  if (dir === 'sent') m.notificationsSent.inc(labels);
  else m.notificationsReceived.inc(labels);
}

/** One series per state, 1 for the state shown, so a dashboard sees the state as a gauge. */
export function showSessionState(m: Metrics | undefined, peer: string, to: StateName): void {
  if (m) for (const s of STATE_NAMES) m.sessionState.set({ peer, state: s }, s === to ? 1 : 0);
}
