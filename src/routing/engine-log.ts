// The engine's log lines about routes, kept few: a peer sending a full table of refused or
// oversized paths must not turn the log into a second copy of it.
import type { Family } from '../bgp/messages';
import { familyName } from '../bgp/messages';
import type { AttrSet } from '../rib';
import { LogRateLimiter, type Logger } from '../observability';
import type { TooLarge } from './group-options';

export class EngineLog {
  /** Routes withdrawn from receivers because no UPDATE could carry their attributes (/status). */
  routesTooLarge = 0;
  private readonly tooLargeLogged = new WeakSet<AttrSet>();
  /** Log lines about a peer's bad or refused paths: a few per peer per 10 s, then a count. */
  private readonly inputLog = new LogRateLimiter(5, 10_000);

  constructor(
    private readonly logger: Logger,
    private readonly onRouteTooLarge?: (family: Family) => void,
  ) {}

  /** One log line per attribute set (a full table may carry it on many prefixes); every route counted. */
  tooLarge(t: TooLarge): void {
    this.routesTooLarge++;
    this.onRouteTooLarge?.(t.family);
    if (this.tooLargeLogged.has(t.attrs)) return;
    this.tooLargeLogged.add(t.attrs);
    this.logger.warn(
      { family: familyName(t.family), prefix: t.prefix, from: t.from, size: t.size, limit: t.limit },
      'path attributes too large for one UPDATE (RFC 4271 4.3): route withdrawn from the receivers instead; logged once per attribute set',
    );
  }

  /** A peer's UPDATE errors (RFC 7606), limited per peer like refused paths. */
  updateErrors(peer: string, errors: ReadonlyArray<{ message: string }>, action: string | undefined): void {
    const d = this.inputLog.allow(`${peer} rfc7606`);
    if (!d.ok) return;
    this.logger.warn(
      { peer, errors: errors.map((e) => e.message), action, ...(d.suppressed ? { suppressed: d.suppressed } : {}) },
      'UPDATE errors (RFC 7606)',
    );
  }

  /** One info line per refused path, a few per peer per 10 s (the rest counted in the next). */
  rejected(peer: string, prefix: () => string, reason: string): void {
    const d = this.inputLog.allow(peer);
    if (!d.ok) return;
    this.logger.info(
      { peer, prefix: prefix(), reason, ...(d.suppressed ? { suppressed: d.suppressed } : {}) },
      'path received and not accepted (vroute routes --rejected)',
    );
  }
}
