// Session seams for tests and benches: watch a real Peer's deliveries as typed events, or drive
// the routing engine with a fake session that calls its SessionConsumer as a Peer would.
import { SessionEvents, type Peer, type SessionConsumer, type SessionEnd } from '../../src/bgp/fsm';
import type { RouteRefreshMessage, UpdateMessage } from '../../src/bgp/messages';

const watched = new WeakMap<Peer, SessionEvents>();

/** The peer's deliveries (established, update, routeRefresh, drain, down) as typed events; one per peer. */
export function sessionEvents(peer: Peer): SessionEvents {
  let ev = watched.get(peer);
  if (!ev) {
    ev = new SessionEvents();
    peer.setConsumer(ev);
    watched.set(peer, ev);
  }
  return ev;
}

/**
 * The consumer half of a fake session (SessionHandle.setConsumer): what the engine attached,
 * and calls into it as a Peer makes them. Without a consumer (not attached) they do nothing.
 */
export class FakeSessionBase {
  private consumer: SessionConsumer | undefined;

  setConsumer(consumer: SessionConsumer | undefined): void {
    this.consumer = consumer;
  }

  established(): void {
    this.consumer?.established();
  }

  deliver(update: UpdateMessage): void {
    this.consumer?.update(update);
  }

  routeRefresh(message: RouteRefreshMessage): void {
    this.consumer?.routeRefresh(message);
  }

  drained(): void {
    this.consumer?.drained();
  }

  ended(reason: string, end: SessionEnd = { notification: false }): void {
    this.consumer?.down(reason, end);
  }
}

/**
 * Lets a test watch a session that the engine consumes: from the next setConsumer (call this
 * before engine.attach), `also` sees each call right after the engine's consumer did.
 */
export function alsoObserve(peer: Peer, also: Partial<SessionConsumer>): void {
  const set = peer.setConsumer.bind(peer);
  peer.setConsumer = (c) =>
    set(
      c && {
        established: () => {
          c.established();
          also.established?.();
        },
        update: (u) => {
          c.update(u);
          also.update?.(u);
        },
        routeRefresh: (m) => {
          c.routeRefresh(m);
          also.routeRefresh?.(m);
        },
        drained: () => {
          c.drained();
          also.drained?.();
        },
        down: (reason, end) => {
          c.down(reason, end);
          also.down?.(reason, end);
        },
      },
    );
}
