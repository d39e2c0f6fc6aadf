// RFC 4724 4.1, the restarting side: "it MUST defer route selection for an address family
// until it either (a) receives the End-of-RIB marker from all its peers (excluding the ones
// with the Restart State bit set in the received capability and excluding the ones that do
// not advertise the graceful restart capability) or (b) the Selection_Deferral_Timer ...
// expires". What we defer is what selection would send: no session joins its update groups
// (no routes, no End-of-RIB) until then, so a client that kept our routes (the helper side)
// is never told "that is all" while another client's routes are still on their way in.
import type { Family } from '../bgp/messages';
import type { GracefulRestartCapability } from '../bgp/messages';
import type { Logger } from '../observability';
import type { Attached } from './sessions';

/** RFC 4724 3: Restart State bit of the capability's Restart Flags. */
const R_BIT = 0x8;

/** What the deferral needs to know of one expected peer's current session. */
export interface DeferralPeer {
  live: boolean;
  families: readonly Family[];
  gr?: GracefulRestartCapability;
  endOfRib: ReadonlySet<Family>;
}

/**
 * Done for 4.1: up, and either not waited on (no capability, or the Restart State bit set) or
 * its End-of-RIB received for every family. "Receives" is an event: a peer that was done and
 * then went down is not waited on again.
 */
function done(p: DeferralPeer | undefined): boolean {
  if (!p || !p.live) return false;
  if (!p.gr || (p.gr.flags & R_BIT) !== 0) return true; // not waited on (4.1)
  return p.families.every((f) => p.endOfRib.has(f));
}

export class SelectionDeferral {
  /**
   * Expected peers not done yet. Each session event looks at its own address only, so a
   * restart with many clients costs O(1) per End-of-RIB, not O(expected x sessions).
   */
  private readonly pending = new Set<string>();
  private expecting = false;
  private ended = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    timeoutMs: number,
    private readonly onEnd: (why: 'end-of-rib' | 'timer') => void,
  ) {
    this.timer = setTimeout(() => this.end('timer'), timeoutMs);
    this.timer.unref();
  }

  get active(): boolean {
    return !this.ended;
  }

  /**
   * Peers known to be ours (configured, or from the datastore's first answer), with their
   * sessions as they are now (`peerOf`, one lookup each). `complete`: that is all of them; if
   * none is left to wait for, the deferral ends (a).
   */
  expect(addresses: Iterable<string>, peerOf: (address: string) => DeferralPeer | undefined, complete = false): void {
    if (this.ended) return;
    for (const a of addresses) {
      this.expecting = true;
      if (!done(peerOf(a))) this.pending.add(a);
    }
    if ((this.expecting || complete) && this.pending.size === 0) this.end('end-of-rib');
  }

  /** A session event (up, End-of-RIB) of `address`: ends the deferral once no expected peer is left (a). */
  observe(address: string, peer: DeferralPeer | undefined): void {
    if (this.ended || !this.pending.has(address) || !done(peer)) return;
    this.pending.delete(address);
    if (this.pending.size === 0) this.end('end-of-rib');
  }

  cancel(): void {
    this.ended = true;
    clearTimeout(this.timer);
  }

  private end(why: 'end-of-rib' | 'timer'): void {
    if (this.ended) return;
    this.cancel();
    this.onEnd(why);
  }
}

/** The deferral's view of one attached session; undefined: not up. */
export function deferralPeer(a: Attached | undefined): DeferralPeer | undefined {
  if (!a?.live) return undefined;
  return { live: true, families: a.families, gr: a.gr, endOfRib: a.endOfRib ?? new Set() };
}

/** The live sessions by address, made once per call (one pass), as expect() looks them up. */
export function livePeers(sessions: Iterable<Attached>): (address: string) => DeferralPeer | undefined {
  const byAddress = new Map<string, Attached>();
  for (const a of sessions) if (a.live) byAddress.set(a.session.config.address, a);
  return (address) => deferralPeer(byAddress.get(address));
}

/** The engine's deferral; `onEnd` then lets the deferred sessions join. */
export function sessionDeferral(ms: number, logger: Logger, onEnd: () => void): SelectionDeferral {
  return new SelectionDeferral(ms, (why) => {
    logger.info({ why }, 'route selection deferral over (RFC 4724 4.1): sending routes');
    onEnd();
  });
}
