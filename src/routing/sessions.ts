// Per-session bookkeeping of the engine: what it needs of a session, what it keeps per attached session, the guard around the engine's SessionConsumer, the pull-and-write loop to its socket and the per-peer counters (received/accepted/advertised) and status; apart from engine.ts so the routing glue (RIB, decisions, groups) stays readable.
import {
  BgpError,
  CeaseSubcode,
  familyName,
  familyAfi,
  familySafi,
  encodeRouteRefresh,
  RouteRefreshSubtype,
  type CodecContext,
  type Family,
  type GracefulRestartCapability,
  type RouteRefreshMessage,
  type UpdateMessage,
} from '../bgp/messages';
import type { PrefixCounts, SessionConsumer, SessionEnd } from '../bgp/fsm';
import type { PeerInfo, Rib } from '../rib';
import type { Logger } from '../observability';
import { policyStatus, type SessionSettings } from './policies';
import type { UpdateGroups } from './update-groups';
import type { SimplePacker } from './wire-encode';

/** The engine's per-family tables and hooks the session functions here and in afi-safi-disable.ts work on. */
export interface FamilyDeps {
  readonly ribs: ReadonlyMap<Family, Rib>;
  readonly groups: ReadonlyMap<Family, UpdateGroups>;
  readonly packers: ReadonlyMap<Family, SimplePacker>;
  readonly logger: Logger;
  schedule(): void;
}

/** What the engine needs of a session (src/bgp/fsm Peer satisfies it). */
export interface SessionHandle {
  readonly config: {
    address: string;
    asn: number;
    routeReflectorClient: boolean;
    maxPrefixes?: number;
    localAddress?: string;
    /** A dynamic neighbor: its session object goes when idle (its stale paths need not). */
    dynamic?: boolean;
  };
  readonly negotiated:
    | {
        families: readonly Family[];
        fourOctetAs: boolean;
        tx: CodecContext;
        /** The peer's RFC 4724 capability and RFC 7313 on both sides (optional: GR/ERR off). */
        gracefulRestart?: GracefulRestartCapability;
        enhancedRouteRefresh?: boolean;
      }
    | undefined;
  readonly remoteBgpId: number | undefined;
  /** Our address on the established connection (Peer.sessionLocalAddress). Optional. */
  readonly sessionLocalAddress?: string | undefined;
  /** Where the session delivers what it receives (attach sets the engine's, detach clears it). */
  setConsumer(consumer: SessionConsumer | undefined): void;
  write(buf: Uint8Array): boolean;
  setPrefixCounts(c: PrefixCounts): void;
  /** Ends the session with a NOTIFICATION (e.g. RFC 4486 max-prefix). Optional. */
  fail?(err: BgpError): void;
  /** Resets the session over a bug of ours, saying so in its lastError. Optional. */
  internalError?(err: unknown): void;
}

/** The engine's bookkeeping for one attached session. */
export interface Attached {
  readonly session: SessionHandle;
  info?: PeerInfo;
  families: Family[];
  blocked: boolean;
  /** Import/export policy, ADD-PATH send mode and max-prefix given to attach(). */
  readonly settings: SessionSettings;
  /** The session is Established (info may outlive it: RFC 4724 stale paths). */
  live?: boolean;
  /** What the last OPEN negotiated for RFC 4724 / RFC 7313 (the session is gone at 'down'). */
  gr?: GracefulRestartCapability;
  enhancedRefresh?: boolean;
  /** Families whose refresh answer still owes the peer an EoRR (RFC 7313 4). */
  eorr?: Set<Family>;
  /** Families whose End-of-RIB this session sent (RFC 4724 4.1 deferral). */
  endOfRib?: Set<Family>;
  /** Up while the selection deferral holds: joins its update groups when it ends. */
  deferred?: boolean;
  /** RIBs this session's UPDATEs go to: all but the families disabled (RFC 4760 7) this session. */
  ribs?: ReadonlyMap<Family, Rib>;
}

export function updateCounts(deps: FamilyDeps, a: Attached): void {
  const info = a.info;
  if (!info) return;
  let received = 0;
  let accepted = 0;
  let advertised = 0;
  for (const f of a.families) {
    const c = familyCounts(deps, info.index, f);
    received += c.received;
    accepted += c.accepted;
    advertised += c.advertised;
  }
  a.session.setPrefixCounts({ received, accepted, advertised });
}

/**
 * Contract 3: `received` is every path the peer announced and has not withdrawn, kept or not
 * (import rules, RFC 7606 treat-as-withdraw); `accepted` its Adj-RIB-In; `advertised` the
 * group's Adj-RIB-Out less the routes that came from this peer (never sent back to it).
 */
export function familyCounts(
  deps: FamilyDeps,
  index: number,
  f: Family,
): { received: number; accepted: number; advertised: number } {
  const rib = deps.ribs.get(f)!;
  const accepted = rib.received(index);
  return {
    received: accepted + rib.rejectedCount(index),
    accepted,
    advertised: deps.groups.get(f)!.groupOf(index)?.out.sizeFor(index) ?? 0,
  };
}

/** Per established session and family, for the Prometheus gauges (read at scrape time). */
export function prefixCounts(
  deps: FamilyDeps,
  sessions: Iterable<Attached>,
): Array<{ peer: string; family: string; received: number; accepted: number; advertised: number }> {
  const out: Array<{ peer: string; family: string; received: number; accepted: number; advertised: number }> = [];
  for (const a of sessions) {
    if (!a.info || !a.live) continue;
    for (const f of a.families)
      out.push({ peer: a.info.address, family: familyName(f), ...familyCounts(deps, a.info.index, f) });
  }
  return out;
}

/** The session's import/export policy for /status (RFC 8212 default deny on eBGP); undefined: not attached. */
export function policyOf(
  sessions: Iterable<Attached>,
  session: SessionHandle,
  asn: number,
): { import: string | null; export: string | null } | undefined {
  for (const a of sessions) {
    if (a.session === session) return policyStatus(a.settings, session.config.asn !== asn);
  }
  return undefined;
}

/**
 * Prefixes whose best path comes from one peer with no other feasible path: what the Loc-RIB
 * (and a node's FIB) would lose if its session went now. Counted for every peer in one walk
 * and kept until the Loc-RIB changes (`version`), so peers waiting on it (make before break)
 * share the walk of a full table.
 */
export class SoleRoutes {
  private counts: number[] = [];
  private version = -1;

  constructor(private readonly ribs: ReadonlyMap<Family, Rib>) {}

  of(peer: number, version: number): number {
    if (version !== this.version) {
      this.counts = [];
      for (const rib of this.ribs.values()) rib.countSoleBest(this.counts);
      this.version = version;
    }
    return this.counts[peer] ?? 0;
  }
}

/** Cease / Out of Resources (RFC 4486) for a session we hit a bug on; the others carry on. */
export function failSession(logger: Logger, session: SessionHandle, e: unknown): void {
  try {
    if (session.internalError) session.internalError(e);
    else session.fail?.(BgpError.cease(CeaseSubcode.OutOfResources, 'internal error'));
  } catch (again) {
    logger.error({ peer: session.config.address, err: String(again) }, 'could not reset the session');
  }
}

/**
 * The engine's SessionConsumer for one session, guarded: a bug of ours on one peer's input must
 * not take the daemon down. It is logged with the peer and resets that session (NOTIFICATION
 * Cease / Out of Resources, RFC 4486); the others carry on.
 */
export class GuardedConsumer implements SessionConsumer {
  constructor(
    private readonly logger: Logger,
    private readonly session: SessionHandle,
    private readonly inner: SessionConsumer,
  ) {}

  established(): void {
    try {
      this.inner.established();
    } catch (e) {
      this.failed('established', e);
    }
  }

  update(update: UpdateMessage): void {
    try {
      this.inner.update(update);
    } catch (e) {
      this.failed('update', e);
    }
  }

  routeRefresh(message: RouteRefreshMessage): void {
    try {
      this.inner.routeRefresh(message);
    } catch (e) {
      this.failed('routeRefresh', e);
    }
  }

  drained(): void {
    try {
      this.inner.drained();
    } catch (e) {
      this.failed('drained', e);
    }
  }

  down(reason: string, end: SessionEnd): void {
    try {
      this.inner.down(reason, end);
    } catch (e) {
      this.failed('down', e);
    }
  }

  private failed(event: keyof SessionConsumer, e: unknown): void {
    this.logger.error(
      { peer: this.session.config.address, event, err: (e as Error).stack ?? String(e) },
      'internal error handling a session event',
    );
    failSession(this.logger, this.session, e);
  }
}

/** UPDATE buffers pulled per session per turn. */
const PULL_BATCH = 64;

/** Writes what the session's update groups have for it until its socket pushes back. */
export function pump(deps: FamilyDeps, a: Attached): void {
  const info = a.info;
  if (!info || a.blocked) return;
  let wrote = 0;
  for (const f of a.families) {
    const g = deps.groups.get(f)!;
    while (g.hasWork(info.index)) {
      const bufs = g.pull(info.index, PULL_BATCH);
      if (bufs.length === 0) break;
      for (const b of bufs) {
        wrote++;
        if (!a.session.write(b)) a.blocked = true;
      }
      if (a.blocked) break; // 'drain' resumes; the socket holds at most one batch more
      if (wrote >= PULL_BATCH * 4) {
        deps.schedule(); // bounded work per turn; the rest next turn
        break;
      }
    }
    if (a.eorr?.has(f)) endRefresh(a, f, g);
    if (a.blocked) break;
  }
  updateCounts(deps, a);
}

/** RFC 7313 4: the EoRR follows once the refreshed table is out (the member caught up). */
function endRefresh(a: Attached, f: Family, g: UpdateGroups): void {
  const index = a.info!.index;
  const grp = g.groupOf(index);
  if (grp?.isCatchingUp(index)) {
    if (g.hasWork(index)) return; // more to send first
    // An empty refresh queue is only cleared by a pull.
    for (const b of g.pull(index, PULL_BATCH)) if (!a.session.write(b)) a.blocked = true;
    if (grp.isCatchingUp(index)) return;
  }
  a.eorr!.delete(f);
  a.session.write(
    encodeRouteRefresh({ afi: familyAfi(f), safi: familySafi(f), subtype: RouteRefreshSubtype.EndOfRouteRefresh }),
  );
}

/** pump() from the turn: a bug while sending to one session resets that session only. */
export function guardedPump(deps: FamilyDeps, a: Attached): void {
  try {
    pump(deps, a);
  } catch (e) {
    deps.logger.error(
      { peer: a.session.config.address, err: (e as Error).stack ?? String(e) },
      'internal error sending to a session',
    );
    failSession(deps.logger, a.session, e);
  }
}
