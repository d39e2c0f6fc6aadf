// Serialized changes per peer address: a BGPPeer edited twice in quick succession, or a
// dynamic neighbor reconnecting while its session is replaced, never races itself.
import type { Logger } from '../observability';

/**
 * One promise chain per peer address: jobs of one address run in order, each after the
 * previous one settled; an exception (a setting the session refuses, a bug) is logged with
 * the peer and its resource and fails that job only.
 */
export class PeerQueues {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly logger: Logger) {}

  run(p: { peerIP: string; source: string }, job: () => Promise<void>): void {
    const key = p.peerIP;
    const next = (this.tails.get(key) ?? Promise.resolve()).then(job).catch((e: unknown) => {
      this.logger.error(
        { peer: p.peerIP, source: p.source, err: e instanceof Error ? e.message : String(e) },
        'peer from the datastore not configured',
      );
    });
    this.tails.set(key, next);
    void next.then(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
  }

  /** Resolves once every queued job has run. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
