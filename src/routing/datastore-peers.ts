// Sessions that follow the datastore (contract 4: BGPPeers, the node mesh, registered
// reflectors), the same for every role: each change is applied to its address alone, in
// order (PeerQueues), so two quick edits of one BGPPeer never meet a half-removed session and
// no other session is touched. What differs per role is injected: which peers it leaves to
// its config file, how a peer becomes session settings, and what it does with a new session.
import type { Peer, PeerSessionConfig, Speaker } from '../bgp/fsm';
import { PeerSource, type Datastore, type EffectivePeer, type PeerChanges, type PeerSourceOptions } from '../datastore';
import type { Logger } from '../observability';
import type { RoutingEngine } from './engine';
import { PeerQueues } from './peer-queues';
import { ReplacementWatch } from './replacement-watch';

export interface DatastorePeersOptions {
  store: Datastore;
  /** This daemon's name (the Node or reflector the peers are computed for). */
  name: string;
  speaker: Speaker;
  engine: RoutingEngine;
  logger: Logger;
  /**
   * The session for a peer; a throw refuses that peer (logged by PeerQueues as an error),
   * undefined leaves it out on purpose (the role logged why, e.g. a family it does not carry).
   */
  toSession(p: EffectivePeer): PeerSessionConfig | undefined;
  /** A session just created for `p`: attach it to the engine, follow its state. */
  follow(session: Peer, p: EffectivePeer): void;
  /** Peers the role keeps from elsewhere (the reflector's config-file neighbors). */
  skip?(peerIP: string): boolean;
  /** Every computed change, before its work is queued (the node's initial sync uses it). */
  onChanges?(c: PeerChanges): void;
  source?: Omit<PeerSourceOptions, 'onInvalid' | 'onError'>;
  /**
   * Make before break: a peer removed in a change that also adds peers (the mesh turned off
   * while reflectors take over) keeps its session while some route comes only from it, so
   * the new sessions can deliver theirs first; at most this long (ms). 0 or absent: removed
   * at once.
   */
  makeBeforeBreakMs?: number;
}

export interface DatastorePeers {
  /** Stops following and waits for queued changes to finish (sessions stay up). */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function followDatastorePeers(o: DatastorePeersOptions): DatastorePeers {
  const { speaker, engine, logger } = o;
  const queues = new PeerQueues(logger);
  let stopped = false;
  const unconfigure = async (ip: string, reason: string): Promise<void> => {
    // Bounded: a dynamic neighbor from the same address may reconnect while it is removed.
    for (let i = 0; i < 3; i++) {
      const s = speaker.peer(ip);
      if (!s) return;
      engine.detach(s);
      await speaker.removePeer(ip, reason);
    }
  };
  const watch = new ReplacementWatch(engine);
  /** Waits while the session to `ip` is the only source of some route (make before break). */
  const untilReplaced = async (ip: string, limitMs: number): Promise<void> => {
    const s = speaker.peer(ip);
    const routes = s ? watch.sole(s) : 0;
    if (!s || routes === 0) return;
    logger.info(
      { peer: ip, routes, maxSeconds: limitMs / 1000 },
      'peer kept until its routes come from another session (make before break)',
    );
    const end = Date.now() + limitMs;
    await watch.wait(s, () => Date.now() >= end || stopped || speaker.peer(ip) !== s);
    // Our Cease takes the session from the other side too: its copy of our routes from the
    // new sessions (a reflector sends them in the same round as it sent us theirs) gets a
    // moment to arrive.
    if (!stopped && Date.now() < end) await sleep(Math.min(1000, end - Date.now()));
  };
  const source = new PeerSource(
    o.store,
    o.name,
    (c) => {
      o.onChanges?.(c);
      const mbb = c.added.length > 0 ? (o.makeBeforeBreakMs ?? 0) : 0;
      for (const p of c.removed) {
        if (o.skip?.(p.peerIP)) continue;
        queues.run(p, async () => {
          if (mbb > 0) await untilReplaced(p.peerIP, mbb);
          await unconfigure(p.peerIP, 'peer removed from the datastore');
          logger.info({ peer: p.peerIP, source: p.source }, 'peer removed from the datastore');
        });
      }
      for (const p of [...c.changed, ...c.added]) {
        if (o.skip?.(p.peerIP)) continue;
        queues.run(p, async () => {
          await unconfigure(p.peerIP, 'peer changed in the datastore');
          if (stopped) return;
          if (speaker.peer(p.peerIP))
            throw new Error('the address is still taken by a reconnecting dynamic neighbor; the next change retries');
          const session = o.toSession(p);
          if (session === undefined) return;
          o.follow(speaker.addPeer(session), p);
          logger.info({ peer: p.peerIP, asn: p.asNumber, source: p.source }, 'peer configured from the datastore');
        });
      }
    },
    {
      ...o.source,
      onInvalid: (key, err) => logger.warn({ key, err: err.message }, 'invalid resource in the datastore ignored'),
      onError: (err) =>
        logger.error(
          { err: err instanceof Error ? err.stack : String(err) },
          'internal error computing peers from the datastore',
        ),
    },
  );
  return {
    stop: async () => {
      source.cancel();
      stopped = true;
      await queues.idle();
    },
  };
}
