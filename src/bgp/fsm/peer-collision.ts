// What a Peer does when an OPEN arrives on one of its connections while others are open:
// RFC 4724 4.2 (a graceful-restart peer's new connection replaces its Established session)
// and RFC 4271 6.8 (collision detection, decided by collision.ts). Kept apart from peer.ts,
// which owns the connections; this only reads them and sends their FSMs events.
import { openAsn, type OpenMessage } from '../messages';
import type { Logger } from '../../observability';
import { resolveCollision } from './collision';
import type { Connection } from './connection';

/** Our side of the comparison: BGP Identifier and AS (RFC 6286 2.3 for equal identifiers). */
export interface CollisionLocal {
  readonly routerId: number;
  readonly asn: number;
}

/**
 * Settle the OPEN `open` received on `conn` against the peer's other connections `conns`.
 * Returns true when `conn` itself loses (the caller closes it); every other loser gets its
 * event here: TcpConnectionFails (RFC 4724 4.2) or OpenCollisionDump (RFC 4271 6.8).
 */
export function settleCollisions(
  conns: readonly Connection[],
  conn: Connection,
  open: OpenMessage,
  local: CollisionLocal,
  log: Logger,
): boolean {
  for (const other of [...conns]) {
    if (other === conn || other.isDisposed) continue;
    if (other.state === 'Established' && other.negotiated?.gracefulRestart) {
      // RFC 4724 4.2: a peer that advertised graceful restart and opens a new connection
      // while we still see its session Established has restarted: "the previous TCP
      // session MUST be closed, and the new one retained". Closed as a TCP failure (no
      // NOTIFICATION), so its routes are kept as stale for the new session.
      log.info(
        { existing: other.id, received: conn.id },
        'new OPEN from a graceful-restart peer: old session closed (RFC 4724 4.2)',
      );
      other.event({ type: 'TcpConnectionFails' });
      continue;
    }
    const verdict = resolveCollision({
      localId: local.routerId,
      remoteId: open.bgpId,
      existing: { state: other.state, outgoing: other.outgoing },
      received: { state: conn.state, outgoing: conn.outgoing },
      localAs: local.asn,
      remoteAs: openAsn(open),
    });
    if (verdict === 'none') continue;
    log.info({ verdict, existing: other.id, received: conn.id }, 'connection collision (RFC 4271 6.8)');
    if (verdict === 'close-received') return true;
    other.event({ type: 'OpenCollisionDump' });
  }
  return false;
}
