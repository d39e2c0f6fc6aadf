// The seam between a session and whatever runs its routes (the routing engine, src/routing).
// A Peer calls its one consumer directly, in the order things happen on the connection:
// established, then updates and route refreshes (and drained whenever the socket takes more),
// then down. No string-keyed events: one UPDATE is followed by its types from the socket
// (Connection, framer, decodeMessage) through Peer.onUpdate to SessionConsumer.update.
import { EventEmitter } from 'node:events';
import type { RouteRefreshMessage, UpdateMessage } from '../messages';

/** How a session ended, as the shell reports it. */
export interface SessionEnd {
  /**
   * A NOTIFICATION was sent or received as the session closed: RFC 4724 4.2 graceful restart
   * keeps the peer's routes only when none was.
   */
  readonly notification: boolean;
}

export interface SessionConsumer {
  /** The session reached Established (RFC 4271 8.2.2); Peer.negotiated holds what the OPENs agreed. */
  established(): void;
  /** A syntactically valid UPDATE (RFC 4271 8.2.2 Event 27; RFC 7606 checks are the consumer's). */
  update(update: UpdateMessage): void;
  /** A ROUTE-REFRESH on the Established session (RFC 2918, RFC 7313 subtypes). */
  routeRefresh(message: RouteRefreshMessage): void;
  /** The socket took what was queued: Peer.write may be called again (back-pressure). */
  drained(): void;
  /** The Established session ended; `reason` names why (with the last error). */
  down(reason: string, end: SessionEnd): void;
}

/** The consumer calls as typed events. */
export type SessionEventMap = {
  established: [];
  update: [update: UpdateMessage];
  routeRefresh: [message: RouteRefreshMessage];
  drain: [];
  down: [reason: string, end: SessionEnd];
};

/**
 * A SessionConsumer that re-emits each call as a typed event, for observers other than the
 * engine (tests, interop tools, benches): `peer.setConsumer(new SessionEvents())`.
 */
export class SessionEvents extends EventEmitter<SessionEventMap> implements SessionConsumer {
  established(): void {
    this.emit('established');
  }

  update(update: UpdateMessage): void {
    this.emit('update', update);
  }

  routeRefresh(message: RouteRefreshMessage): void {
    this.emit('routeRefresh', message);
  }

  drained(): void {
    this.emit('drain');
  }

  down(reason: string, end: SessionEnd): void {
    this.emit('down', reason, end);
  }
}
