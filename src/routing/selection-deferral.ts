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

export class SelectionDeferral {
  private readonly expected = new Set<string>();
  private ended = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    timeoutMs: number,
    private readonly peerOf: (address: string) => DeferralPeer | undefined,
    private readonly onEnd: (why: 'end-of-rib' | 'timer') => void,
  ) {
    this.timer = setTimeout(() => this.end('timer'), timeoutMs);
    this.timer.unref();
  }

  get active(): boolean {
    return !this.ended;
  }

  /**
   * Peers known to be ours (configured, or from the datastore's first answer). `complete`:
   * that is all of them; if none, nothing is waited for.
   */
  expect(addresses: Iterable<string>, complete = false): void {
    if (this.ended) return;
    for (const a of addresses) this.expected.add(a);
    if (complete && this.expected.size === 0) this.end('end-of-rib');
  }

  /** Ends the deferral once every expected peer is up and done (a). */
  check(): void {
    if (this.ended || this.expected.size === 0) return;
    for (const address of this.expected) {
      const p = this.peerOf(address);
      if (!p || !p.live) return;
      if (!p.gr || (p.gr.flags & R_BIT) !== 0) continue; // not waited on (4.1)
      if (p.families.some((f) => !p.endOfRib.has(f))) return;
    }
    this.end('end-of-rib');
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

/** The current session from `address` as the deferral sees it; undefined: not up. */
export function deferralPeerOf(sessions: Iterable<Attached>, address: string): DeferralPeer | undefined {
  for (const a of sessions) {
    if (a.session.config.address === address && a.live)
      return { live: true, families: a.families, gr: a.gr, endOfRib: a.endOfRib ?? new Set() };
  }
  return undefined;
}

/** The engine's deferral over its sessions; `onEnd` then lets the deferred sessions join. */
export function sessionDeferral(
  ms: number,
  sessions: Iterable<Attached>,
  logger: Logger,
  onEnd: () => void,
): SelectionDeferral {
  return new SelectionDeferral(
    ms,
    (addr) => deferralPeerOf(sessions, addr),
    (why) => {
      logger.info({ why }, 'route selection deferral over (RFC 4724 4.1): sending routes');
      onEnd();
    },
  );
}
