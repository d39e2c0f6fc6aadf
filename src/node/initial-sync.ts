// When the FIB may drop what the last run left behind (FibSink.syncDone): once every session
// of the first peer set has sent End-of-RIB for each family it negotiated (RFC 4724 2) and
// the decisions those UPDATEs caused have run, or after a timeout (a peer in the datastore
// that never answers must not keep stale routes forever). Once only.
import type { Family } from '../bgp/messages';

export interface InitialSyncOptions {
  timeoutMs: number;
  /** True when every received change has reached the Loc-RIB (engine.settled). */
  settled: () => boolean;
  done: (why: 'end-of-rib' | 'timeout') => void;
}

export class InitialSync {
  /** Peer address -> families still owing End-of-RIB (undefined: not established yet). */
  private readonly waiting = new Map<string, Set<Family> | undefined>();
  private timer?: NodeJS.Timeout;
  private poll?: NodeJS.Timeout;
  private finished = false;
  private started = false;

  constructor(private readonly opts: InitialSyncOptions) {}

  /** The first peer set is known: start waiting (and the timeout). */
  start(peers: readonly string[]): void {
    if (this.started) return;
    this.started = true;
    for (const p of peers) this.waiting.set(p, undefined);
    this.timer = setTimeout(() => this.finish('timeout'), this.opts.timeoutMs);
    this.timer.unref();
    this.check();
  }

  /** The session reached Established with these families. */
  established(peer: string, families: readonly Family[]): void {
    if (this.finished || !this.waiting.has(peer) || this.waiting.get(peer) !== undefined) return;
    this.waiting.set(peer, new Set(families));
    this.check();
  }

  endOfRib(peer: string, family: Family): void {
    if (this.finished) return;
    this.waiting.get(peer)?.delete(family);
    this.check();
  }

  /** A peer of the first set was removed from the datastore: nothing to wait for. */
  removed(peer: string): void {
    if (this.waiting.delete(peer)) this.check();
  }

  get done(): boolean {
    return this.finished;
  }

  cancel(): void {
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.poll) clearTimeout(this.poll);
  }

  private check(): void {
    if (this.finished || !this.started) return;
    for (const fams of this.waiting.values()) if (fams === undefined || fams.size > 0) return;
    // Every End-of-RIB is in; its routes reach the FIB once the decisions have run.
    const wait = (): void => {
      this.poll = undefined;
      if (this.finished) return;
      if (this.opts.settled()) this.finish('end-of-rib');
      else this.poll = setTimeout(wait, 20);
    };
    if (!this.poll) wait();
  }

  private finish(why: 'end-of-rib' | 'timeout'): void {
    if (this.finished) return;
    this.cancel();
    this.opts.done(why);
  }
}
