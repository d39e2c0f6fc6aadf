// RFC 4271 6.8 connection collision detection, as a pure decision. Two connections to the
// same peer exist when both sides connected at once; on an OPEN the speaker compares BGP
// Identifiers and keeps only the connection initiated by the side with the higher one.
// The loser's FSM then receives OpenCollisionDump (Event 23) and sends Cease / Connection
// Collision Resolution (RFC 4486).
import type { StateName } from './state';

/** One of the two connections, as the collision check sees it. */
export interface CollisionConnection {
  readonly state: StateName;
  /** True if we initiated it (our SYN): RFC 4271 8.2.1 "outgoing". */
  readonly outgoing: boolean;
}

export interface CollisionInput {
  /** Our BGP Identifier, as a 32-bit value (any sign: compared as unsigned). */
  readonly localId: number;
  /** The identifier in the OPEN just received. */
  readonly remoteId: number;
  /** The connection that already existed. */
  readonly existing: CollisionConnection;
  /** The connection the OPEN arrived on. */
  readonly received: CollisionConnection;
  /** 8.1.1 Group 4: also resolve collisions with an Established connection. */
  readonly collisionDetectEstablishedState?: boolean;
  /**
   * 6.8: connections in OpenSent MAY be examined when the peer's identifier is known by
   * other means (e.g. configured). Default false: only OpenConfirm (and Established).
   */
  readonly examineOpenSent?: boolean;
  /** RFC 6286 2.3: with equal identifiers (eBGP) the larger AS number wins. */
  readonly localAs?: number;
  readonly remoteAs?: number;
}

/** Which connection to close: the one that existed, the one the OPEN came on, or neither. */
export type CollisionVerdict = 'none' | 'close-existing' | 'close-received';

/**
 * Decide a collision (RFC 4271 6.8). 'none' when the existing connection cannot collide:
 * Idle, Connect or Active ("a connection collision cannot be detected"), OpenSent unless
 * `examineOpenSent`, Established unless `collisionDetectEstablishedState` - in which last
 * case the newly created connection is closed instead ("Unless allowed via configuration,
 * a connection collision with an existing BGP connection that is in the Established state
 * causes closing of the newly created connection").
 */
export function resolveCollision(p: CollisionInput): CollisionVerdict {
  const st = p.existing.state;
  if (st === 'Idle' || st === 'Connect' || st === 'Active') return 'none';
  if (st === 'OpenSent' && !p.examineOpenSent) return 'none';
  if (st === 'Established' && !p.collisionDetectEstablishedState) return 'close-received';

  // 6.8 (1): "converting them to host byte order and treating them as 4-octet unsigned
  // integers" - JavaScript bit operations give signed values, hence >>> 0.
  const local = p.localId >>> 0;
  const remote = p.remoteId >>> 0;
  let localWins: boolean;
  if (local !== remote) {
    localWins = local > remote;
  } else if (p.localAs !== undefined && p.remoteAs !== undefined && p.localAs !== p.remoteAs) {
    localWins = p.localAs >>> 0 > p.remoteAs >>> 0; // RFC 6286 2.3
  } else {
    // Equal identifiers within one AS are a Bad BGP Identifier (the OPEN check's job);
    // keep what we have.
    return 'close-received';
  }

  // The rule: "retain only the connection initiated by the BGP speaker with the
  // higher-valued BGP Identifier". Judged by who initiated each connection, both speakers
  // close the same one whichever OPEN each saw first.
  if (p.existing.outgoing !== p.received.outgoing) {
    const keepOutgoing = localWins;
    return p.existing.outgoing === keepOutgoing ? 'close-received' : 'close-existing';
  }
  // Both connections in the same direction (not a 6.8 collision proper, e.g. a duplicate
  // from a restarted peer): the procedure's steps 2) and 3).
  return localWins ? 'close-received' : 'close-existing';
}
