// The routing engine: the glue between established sessions and the RIB. For each UPDATE a
// session delivers: validate (RFC 7606 second stage) -> Adj-RIB-In -> decision process ->
// update groups; then every session pulls encoded UPDATEs while its socket takes them.
// Decisions run in bounded batches on setImmediate, so a full table arriving never starves
// the sockets (keepalives keep flowing while we converge).
import { EventEmitter } from 'node:events';
import {
  familyAfi, familySafi, familyName, parseFamilyName, validateUpdate, parseIpv4, type CodecContext, type Family,
  type UpdateMessage, BgpError, CeaseSubcode, UpdateSubcode, family, encodeRouteRefresh, RouteRefreshSubtype, type GracefulRestartCapability,
} from '../bgp/messages';
import { AttrStore, type AdjRibOut, type AttrSet, PeerTable, Rib, SimplePacker, chainFilters, ingestUpdate, type PeerInfo, type Policy } from '../rib';
import { LogRateLimiter, type Logger } from '../observability';
import { UpdateGroups, type TooLarge } from './update-group';
import { receiveFilter, roleOf, type LocalIdentity } from './rules';
import { PolicyBook, policyStatus, type PolicyDefs, type SessionSettings } from './policies';
import { locRibRoutes, rejectedRoutes } from './routes-view';
import { GracefulRestart, REAL_TIMERS, type EngineTimers, type SessionEnd } from './graceful-restart';

/** What the engine needs of a session (src/bgp/fsm Peer satisfies it). */
export interface SessionHandle extends EventEmitter {
  readonly config: {
    address: string; asn: number; routeReflectorClient: boolean; maxPrefixes?: number; localAddress?: string;
    /** A dynamic neighbor: its session object goes when idle (its stale paths need not). */
    dynamic?: boolean;
  };
  readonly negotiated: {
    families: readonly Family[]; fourOctetAs: boolean; tx: CodecContext;
    /** The peer's RFC 4724 capability and RFC 7313 on both sides (optional: GR/ERR off). */
    gracefulRestart?: GracefulRestartCapability; enhancedRouteRefresh?: boolean;
  } | undefined;
  readonly remoteBgpId: number | undefined;
  /** Our address on the established connection (Peer.sessionLocalAddress). Optional. */
  readonly sessionLocalAddress?: string | undefined;
  write(buf: Uint8Array): boolean;
  setPrefixCounts(c: { received: number; accepted: number; advertised: number }): void;
  /** Ends the session with a NOTIFICATION (e.g. RFC 4486 max-prefix). Optional. */
  fail?(err: BgpError): void;
  /** Resets the session over a bug of ours, saying so in its lastError. Optional. */
  internalError?(err: unknown): void;
}

interface Attached {
  readonly session: SessionHandle;
  info?: PeerInfo;
  families: Family[];
  blocked: boolean;
  readonly listeners: Array<[string, (...a: any[]) => void]>;
  /** Import/export policy, ADD-PATH send mode and max-prefix given to attach(). */
  readonly settings: SessionSettings;
  /** The session is Established (info may outlive it: RFC 4724 stale paths). */
  live?: boolean;
  /** What the last OPEN negotiated for RFC 4724 / RFC 7313 (the session is gone at 'down'). */
  gr?: GracefulRestartCapability;
  enhancedRefresh?: boolean;
  /** Families whose refresh answer still owes the peer an EoRR (RFC 7313 4). */
  eorr?: Set<Family>;
  /** RIBs this session's UPDATEs go to: all but the families disabled (RFC 4760 7) this session. */
  ribs?: ReadonlyMap<Family, Rib>;
}

export interface EngineOptions {
  readonly asn: number;
  readonly routerId: string;
  /** RFC 4456: reflect with this cluster ID (dotted); absent: a plain speaker. */
  readonly clusterId?: string;
  readonly families?: readonly Family[];
  readonly logger: Logger;
  /** Named prefix lists and policies that SessionSettings refer to. */
  readonly policies?: PolicyDefs;
  /** Timer facility for RFC 4724 / RFC 7313 stale paths (default: real, unref'd timers). */
  readonly timers?: EngineTimers;
  /** RFC 4724 4.2 upper bound on stale paths once the peer is back, and RFC 7313 EoRR wait (default 360 s). */
  readonly staleTimeSeconds?: number;
  /** A route withdrawn from an update group because its attributes fit no UPDATE (a metric). */
  readonly onRouteTooLarge?: (family: Family) => void;
}

/**
 * Families of the MP_REACH_NLRI / MP_UNREACH_NLRI attributes the decoder could not parse
 * (present in the raw attributes, absent from the decoded ones): RFC 4760 7 names the
 * family by the attribute's own AFI/SAFI.
 */
export function brokenFamilies(u: UpdateMessage): Family[] {
  const b = u.attrBytes;
  const out: Family[] = [];
  for (let i = 0; i + 3 <= b.length;) {
    const flags = b[i]!;
    const type = b[i + 1]!;
    const ext = (flags & 0x10) !== 0;
    const len = ext ? (i + 4 <= b.length ? (b[i + 2]! << 8) | b[i + 3]! : 0) : b[i + 2]!;
    const at = i + (ext ? 4 : 3);
    const missing = (type === 14 && !u.attributes.mpReach) || (type === 15 && !u.attributes.mpUnreach);
    if (missing && len >= 3 && at + 3 <= b.length) {
      const f = family((b[at]! << 8) | b[at + 1]!, b[at + 2]!);
      if (!out.includes(f)) out.push(f);
    }
    i = at + len;
  }
  return out;
}

/** Loc-RIB decisions per turn before yielding to I/O. */
const DECIDE_BATCH = 8192;
/** UPDATE buffers pulled per session per turn. */
const PULL_BATCH = 64;

export class RoutingEngine {
  readonly local: LocalIdentity;
  readonly store = new AttrStore();
  readonly peers = new PeerTable();
  readonly ribs = new Map<Family, Rib>();
  private readonly groups = new Map<Family, UpdateGroups>();
  private readonly packers = new Map<Family, SimplePacker>();
  private readonly sessions = new Set<Attached>();
  private readonly byIndex = new Map<number, Attached>();
  private scheduled = false;
  private closed = false;
  readonly policyBook: PolicyBook;
  /** Compiled import policy by family, then peer index: one array read per path received. */
  private readonly importPolicies = new Map<Family, Array<Policy | undefined>>();
  private readonly gr: GracefulRestart;
  /** Stale paths of departed dynamic-neighbor sessions, by address, awaiting the next session. */
  private readonly orphans = new Map<string, PeerInfo>();
  /** Routes withdrawn from receivers because no UPDATE could carry their attributes (/status). */
  routesTooLarge = 0;
  private readonly tooLargeLogged = new WeakSet<AttrSet>();
  /** Log lines about a peer's bad or refused paths: a few per peer per 10 s, then a count. */
  private readonly inputLog = new LogRateLimiter(5, 10_000);

  constructor(private readonly opts: EngineOptions) {
    const routerId = parseIpv4(opts.routerId);
    if (routerId === undefined) throw new RangeError(`routerId ${opts.routerId} is not an IPv4 address`);
    const clusterId = opts.clusterId === undefined ? undefined : parseIpv4(opts.clusterId);
    this.local = { asn: opts.asn, routerId, ...(clusterId === undefined ? {} : { clusterId }) };
    this.policyBook = new PolicyBook(this.store, opts.policies);
    for (const f of opts.families ?? [parseFamilyName('ipv4-unicast')!, parseFamilyName('ipv6-unicast')!]) {
      // RFC 4456 8 / RFC 4271 9.1.2 receive rules first, then the peer's import policy: what
      // passes is the Adj-RIB-In the decision process sees (RFC 4271 9.1.1).
      const byPeer: Array<Policy | undefined> = [];
      this.importPolicies.set(f, byPeer);
      // `why` names the stage that refused a path, for /routes?rejected and the log.
      const receive = receiveFilter(this.local, this.store);
      let why = 'rejected';
      const importFilter = chainFilters((peer, ix, id, attrs) => {
        const r = receive(peer, ix, id, attrs);
        if (!r) why = peer.ibgp ? 'loop: our CLUSTER_ID or ORIGINATOR_ID (RFC 4456 8)' : 'loop: our AS in AS_PATH (RFC 4271 9.1.2)';
        return r;
      }, (peer, ix, id, attrs) => {
        const pol = byPeer[peer.index];
        const r = pol ? pol.apply(ix, id, attrs) : attrs;
        if (!r) why = `import policy ${pol!.name}`;
        return r;
      });
      const rib = new Rib({
        family: f, peers: this.peers, attrs: this.store, importFilter, rejectReason: () => why,
        onReject: (peer, prefix, _pathId, reason) => this.logRejected(f, peer, prefix, reason),
      });
      this.ribs.set(f, rib);
      const packer = new SimplePacker(f);
      this.packers.set(f, packer);
      this.groups.set(f, new UpdateGroups(rib, this.store, this.local, packer, { onTooLarge: (t) => this.tooLarge(t) }));
    }
    const staleMs = (opts.staleTimeSeconds ?? 360) * 1000;
    this.gr = new GracefulRestart({
      markStale: (p, f) => this.ribs.get(f)?.markStale(p),
      dropStale: (p, f) => {
        const n = this.ribs.get(f)?.staleExpired(p) ?? 0;
        this.schedule();
        // The index is still registered: release() (after this) is what frees it.
        this.opts.logger.info({ peer: this.peers.get(p).address, family: familyName(f), withdrawn: n }, 'stale paths withdrawn');
      },
      dropAll: (p, f) => this.ribs.get(f)?.peerDown(p),
      released: (p) => this.release(p),
    }, {
      timers: opts.timers ?? REAL_TIMERS, staleTimeMs: staleMs, refreshStaleTimeMs: staleMs,
      onError: (e) => this.opts.logger.error({ err: (e as Error).stack ?? String(e) }, 'internal error in a graceful restart timer'),
    });
  }

  /** One log line per attribute set (a full table may carry it on many prefixes); every route counted. */
  private tooLarge(t: TooLarge): void {
    this.routesTooLarge++;
    this.opts.onRouteTooLarge?.(t.family);
    if (this.tooLargeLogged.has(t.attrs)) return;
    this.tooLargeLogged.add(t.attrs);
    this.opts.logger.warn({ family: familyName(t.family), prefix: t.prefix, from: t.from, size: t.size, limit: t.limit },
      'path attributes too large for one UPDATE (RFC 4271 4.3): route withdrawn from the receivers instead; logged once per attribute set');
  }

  /** Follows a session for its whole life: established, updates, refresh, drain, down. */
  attach(session: SessionHandle, settings: SessionSettings = {}): void {
    for (const name of [settings.importPolicy, settings.exportPolicy]) {
      if (name !== undefined && !this.policyBook.has(name)) throw new RangeError(`policy ${JSON.stringify(name)} is not defined`);
    }
    const a: Attached = { session, families: [], blocked: false, listeners: [], settings };
    // A bug of ours on one peer's input must not take the daemon down: log it and reset
    // that session (NOTIFICATION Cease / Out of Resources, RFC 4486), the others carry on.
    const on = (ev: string, fn: (...args: any[]) => void) => {
      const guarded = (...args: any[]) => {
        try {
          fn(...args);
        } catch (e) {
          this.opts.logger.error({ peer: session.config.address, event: ev, err: (e as Error).stack ?? String(e) }, 'internal error handling a session event');
          this.failSession(session, e);
        }
      };
      session.on(ev, guarded);
      a.listeners.push([ev, guarded]);
    };
    on('established', () => this.up(a));
    on('update', (u: UpdateMessage) => this.update(a, u));
    on('routeRefresh', (m: { afi: number; safi: number; subtype?: number }) => this.refresh(a, m.afi, m.safi, m.subtype ?? 0));
    on('drain', () => {
      a.blocked = false;
      this.pump(a);
    });
    on('down', (_reason?: string, end?: SessionEnd) => this.down(a, end ?? { notification: false }));
    this.sessions.add(a);
  }

  /**
   * Stops following a session; its paths go. `keepStale` (default: a dynamic neighbor, whose
   * session object is dropped as soon as it is idle): paths kept by RFC 4724 stay until a
   * session from the same address takes them over (up()) or the restart timer ends them.
   */
  detach(session: SessionHandle, opts: { keepStale?: boolean } = {}): void {
    for (const a of this.sessions) {
      if (a.session !== session) continue;
      const info = a.info;
      if ((opts.keepStale ?? session.config.dynamic === true) && info && !a.live && this.gr.isRetained(info.index)) {
        this.orphans.set(info.address, info);
        this.byIndex.delete(info.index);
        a.info = undefined;
      } else this.down(a, { notification: true }, true);
      for (const [ev, fn] of a.listeners) session.off(ev, fn);
      this.sessions.delete(a);
    }
  }

  private up(a: Attached): void {
    const s = a.session;
    const n = s.negotiated;
    if (!n) return;
    if (a.info && a.live) this.down(a, { notification: true });
    const maxPrefixes = a.settings.maxPrefixes ?? s.config.maxPrefixes;
    const cfg = {
      address: s.config.address, asn: s.config.asn, routerId: s.remoteBgpId ?? 0, localAsn: this.opts.asn,
      rrClient: s.config.routeReflectorClient, ...(maxPrefixes ? { maxPrefixes } : {}),
    };
    // RFC 4724 4.2: a peer back from a graceful restart continues in its Adj-RIB-In (same index).
    const kept = a.info ?? this.orphans.get(s.config.address);
    this.orphans.delete(s.config.address);
    const info = kept ? this.peers.update(kept.index, cfg) : this.peers.add(cfg);
    a.info = info;
    // RFC 8212: an eBGP session without a policy gets PolicyBook's deny-all (policies.ts).
    const ebgp = roleOf(info) === 'ebgp';
    for (const [f, byPeer] of this.importPolicies) {
      byPeer[info.index] = this.policyBook.forSession(f, a.settings.importPolicy, ebgp); // indexes are reused
    }
    a.live = true;
    a.gr = n.gracefulRestart;
    a.enhancedRefresh = n.enhancedRouteRefresh === true;
    a.eorr = undefined;
    a.ribs = undefined; // RFC 4760 7: a family is disabled for one session only
    a.blocked = false;
    this.byIndex.set(info.index, a);
    a.families = n.families.filter((f) => this.ribs.has(f));
    for (const f of a.families) {
      // RFC 4456 and RFC 4271 9.2 export rules come from the target's role; the codec
      // context is the send direction's (4-octet AS, ADD-PATH tx, extended messages).
      // RFC 4271 5.1.3: next hop self towards external peers is our end of this connection,
      // the configured local address or, without one, whatever address the kernel chose.
      // Only eBGP targets use it, so iBGP clients never split groups over it.
      const local = ebgp ? s.config.localAddress ?? s.sessionLocalAddress : undefined;
      const nextHopSelf = local === undefined ? {} : local.includes(':') ? { localAddressV6: local } : { localAddress: local };
      // RFC 7911: several paths per prefix only where ADD-PATH send was negotiated for f;
      // the export policy is part of the signature, so peers differing in it never share a group.
      const exportPolicy = this.policyBook.forSession(f, a.settings.exportPolicy, ebgp);
      this.groups.get(f)!.join(info, {
        family: f, addPath: n.tx.addPath.has(f) ? a.settings.addPathSend ?? 'all' : 'none', ctx: n.tx,
        ...(exportPolicy ? { exportPolicy } : {}),
        target: { role: roleOf(info), asn: info.asn, ...nextHopSelf },
      });
    }
    this.gr.sessionUp(info.index, a.families, a.gr);
    this.schedule();
    this.pump(a);
  }

  private update(a: Attached, u: UpdateMessage): void {
    const info = a.info;
    const n = a.session.negotiated;
    if (!info || !n) return;
    const v = validateUpdate(u, { ebgp: !info.ibgp, peerAs: info.asn, fourOctetAs: n.fourOctetAs });
    let rejectReason: string | undefined;
    if (v.errors.length > 0) {
      const d = this.inputLog.allow(`${info.address} rfc7606`);
      if (d.ok) {
        this.opts.logger.warn({ peer: info.address, errors: v.errors.map((e) => e.message), action: v.action,
          ...(d.suppressed ? { suppressed: d.suppressed } : {}) }, 'UPDATE errors (RFC 7606)');
      }
      if (v.action === 'treat-as-withdraw' || v.action === 'afi-safi-disable') {
        const strong = v.errors.filter((e) => e.action === v.action);
        rejectReason = `${(strong.length > 0 ? strong : v.errors).map((e) => e.message).join('; ')} (RFC 7606 ${v.action})`;
      }
    }
    if (v.action === 'afi-safi-disable') {
      const err = v.errors.find((e) => e.action === 'afi-safi-disable');
      for (const f of brokenFamilies(u)) if (this.disableFamily(a, f, err)) return;
    }
    const r = ingestUpdate(a.ribs ?? this.ribs, this.store, info.index, u, {
      fourOctetAs: n.fourOctetAs, attributes: v.attributes, ...(v.action ? { action: v.action } : {}),
      ...(rejectReason ? { rejectReason } : {}),
    });
    if (r.error) {
      this.opts.logger.warn({ peer: info.address, err: r.error.message }, 'maximum prefixes exceeded (RFC 4486)');
      a.session.fail?.(r.error);
    }
    if (r.endOfRib !== undefined) {
      this.opts.logger.info({ peer: info.address, family: familyName(r.endOfRib) }, 'End-of-RIB received');
      this.gr.endOfRib(info.index, r.endOfRib); // RFC 4724 4.2: the RIB dropped what was still stale
    }
    this.schedule();
  }

  /**
   * RFC 7606 5.3 / RFC 4760 7 "AFI/SAFI disable": an MP_REACH_NLRI or MP_UNREACH_NLRI whose
   * NLRI cannot be parsed. Every route of that family from this peer is deleted, later ones
   * are ignored for the rest of the session, and we stop sending the family to it (our
   * routes of it are withdrawn there first, so it keeps none of ours either). With no family
   * left the session is reset instead (7606 5.3's other choice). True when it was reset.
   */
  private disableFamily(a: Attached, f: Family, err: BgpError | undefined): boolean {
    const info = a.info!;
    const ribs = new Map(a.ribs ?? this.ribs);
    if (!ribs.delete(f)) return false; // already disabled, or a family we do not run
    a.ribs = ribs;
    const carried = a.families.includes(f);
    a.families = a.families.filter((x) => x !== f);
    this.opts.logger.warn({ peer: info.address, family: familyName(f), err: err?.message },
      'AFI/SAFI disabled for this session (RFC 4760 7, RFC 7606 5.3): its routes deleted, no more accepted or sent');
    if (carried) {
      const g = this.groups.get(f)!;
      const out = g.groupOf(info.index)?.out;
      g.leave(info.index);
      if (out && a.live) this.withdrawSent(a, f, out);
    }
    this.ribs.get(f)?.peerDown(info.index);
    this.schedule();
    if (a.families.length === 0 && a.session.fail) {
      a.session.fail(err ?? BgpError.update(UpdateSubcode.OptionalAttributeError, 'AFI/SAFI disabled'));
      return true;
    }
    return false;
  }

  /** Withdrawals for everything the group advertised to this member (its own routes aside). */
  private withdrawSent(a: Attached, f: Family, out: AdjRibOut): void {
    const index = a.info!.index;
    const pairs: number[] = [];
    out.forEach((p, tx) => {
      if (out.exclusionOf(p, tx) !== index) pairs.push(p, tx);
    });
    const packer = this.packers.get(f)!;
    const ctx = a.session.negotiated?.tx;
    if (!ctx) return;
    for (let at = 0; at < pairs.length;) {
      const w = packer.withdraw(this.ribs.get(f)!.prefixes, pairs, at, ctx);
      if (w.next === at) break;
      a.session.write(w.buf);
      at = w.next;
    }
  }

  private refresh(a: Attached, afi: number, safi: number, subtype: number): void {
    const info = a.info;
    const f = family(afi, safi);
    if (!info || !a.live || !a.families.includes(f)) return;
    // RFC 7313 3: the subtype is meaningful only when both sides announced enhanced route
    // refresh; otherwise it is RFC 2918's Reserved octet and every message is a request.
    if (a.enhancedRefresh && subtype !== RouteRefreshSubtype.Request) {
      if (subtype === RouteRefreshSubtype.BeginningOfRouteRefresh) this.gr.refreshBegin(info.index, f);
      else if (subtype === RouteRefreshSubtype.EndOfRouteRefresh) this.gr.refreshEnd(info.index, f);
      return; // RFC 7313 4: any other subtype is ignored
    }
    if (a.enhancedRefresh) {
      // RFC 7313 4: BoRR before the re-advertisement, EoRR (pump) once it is all out.
      a.session.write(encodeRouteRefresh({ afi, safi, subtype: RouteRefreshSubtype.BeginningOfRouteRefresh }));
      (a.eorr ??= new Set()).add(f);
    }
    this.groups.get(f)!.refresh(info.index);
    this.pump(a);
  }

  /**
   * The session left Established (or, `forget`, the peer is gone). RFC 4724 4.2 decides in
   * GracefulRestart whether its paths stay as stale; the index lives as long as they do.
   */
  private down(a: Attached, end: SessionEnd, forget = false): void {
    const info = a.info;
    if (!info || (!a.live && !forget)) return; // no session to end (its stale paths wait)
    if (a.live) for (const g of this.groups.values()) g.leave(info.index);
    a.live = false;
    a.eorr = undefined;
    if (forget) {
      this.gr.forget(info.index);
      this.release(info.index);
    } else if (this.gr.sessionDown(info.index, a.families, a.gr, end)) {
      this.opts.logger.info({ peer: info.address, restartTime: a.gr?.restartTime }, 'graceful restart: paths kept as stale (RFC 4724)');
    }
    this.schedule();
  }

  /** Every path of the peer goes and its index is free again. */
  private release(peer: number): void {
    const a = this.byIndex.get(peer);
    if (a && a.info?.index === peer) a.info = undefined;
    for (const [address, info] of this.orphans) if (info.index === peer) this.orphans.delete(address);
    for (const rib of this.ribs.values()) rib.peerDown(peer);
    this.byIndex.delete(peer);
    this.peers.remove(peer);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => this.turn());
  }

  /** One turn: a bounded batch of decisions per family, fan-out, then every session pulls. */
  private turn(): void {
    this.scheduled = false;
    if (this.closed) return;
    let more = false;
    for (const [f, rib] of this.ribs) {
      // The turn runs from setImmediate: an exception here would end the process. A bug in
      // one family's decisions is logged and that batch lost; the other families go on.
      try {
        const changes = rib.decide(DECIDE_BATCH);
        if (changes.length > 0) this.groups.get(f)!.apply(changes);
        if (rib.pendingDecisions > 0) more = true;
      } catch (e) {
        this.opts.logger.error({ family: familyName(f), err: (e as Error).stack ?? String(e) }, 'internal error in the decision process');
      }
    }
    for (const a of this.sessions) this.guardedPump(a);
    if (more) this.schedule();
  }

  /** pump() from the turn: a bug while sending to one session resets that session only. */
  private guardedPump(a: Attached): void {
    try {
      this.pump(a);
    } catch (e) {
      this.opts.logger.error({ peer: a.session.config.address, err: (e as Error).stack ?? String(e) }, 'internal error sending to a session');
      this.failSession(a.session, e);
    }
  }

  /** Cease / Out of Resources (RFC 4486) for a session we hit a bug on; the others carry on. */
  private failSession(session: SessionHandle, e: unknown): void {
    try {
      if (session.internalError) session.internalError(e);
      else session.fail?.(BgpError.cease(CeaseSubcode.OutOfResources, 'internal error'));
    } catch (again) {
      this.opts.logger.error({ peer: session.config.address, err: String(again) }, 'could not reset the session');
    }
  }

  /** Writes what the session's update groups have for it until its socket pushes back. */
  private pump(a: Attached): void {
    const info = a.info;
    if (!info || a.blocked) return;
    let wrote = 0;
    for (const f of a.families) {
      const g = this.groups.get(f)!;
      while (g.hasWork(info.index)) {
        const bufs = g.pull(info.index, PULL_BATCH);
        if (bufs.length === 0) break;
        for (const b of bufs) {
          wrote++;
          if (!a.session.write(b)) a.blocked = true;
        }
        if (a.blocked) break; // 'drain' resumes; the socket holds at most one batch more
        if (wrote >= PULL_BATCH * 4) {
          this.schedule(); // bounded work per turn; the rest next turn
          break;
        }
      }
      if (a.eorr?.has(f)) this.endRefresh(a, f, g);
      if (a.blocked) break;
    }
    this.updateCounts(a);
  }

  /** RFC 7313 4: the EoRR follows once the refreshed table is out (the member caught up). */
  private endRefresh(a: Attached, f: Family, g: UpdateGroups): void {
    const index = a.info!.index;
    const grp = g.groupOf(index);
    if (grp?.isCatchingUp(index)) {
      if (g.hasWork(index)) return; // more to send first
      // An empty refresh queue is only cleared by a pull.
      for (const b of g.pull(index, PULL_BATCH)) if (!a.session.write(b)) a.blocked = true;
      if (grp.isCatchingUp(index)) return;
    }
    a.eorr!.delete(f);
    a.session.write(encodeRouteRefresh({ afi: familyAfi(f), safi: familySafi(f), subtype: RouteRefreshSubtype.EndOfRouteRefresh }));
  }

  private updateCounts(a: Attached): void {
    const info = a.info;
    if (!info) return;
    let received = 0;
    let accepted = 0;
    let advertised = 0;
    for (const f of a.families) {
      const c = this.familyCounts(info.index, f);
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
  private familyCounts(index: number, f: Family): { received: number; accepted: number; advertised: number } {
    const rib = this.ribs.get(f)!;
    const accepted = rib.received(index);
    return { received: accepted + rib.rejectedCount(index), accepted, advertised: this.groups.get(f)!.groupOf(index)?.out.sizeFor(index) ?? 0 };
  }

  /** Per established session and family, for the Prometheus gauges (read at scrape time). */
  prefixCounts(): Array<{ peer: string; family: string; received: number; accepted: number; advertised: number }> {
    const out: Array<{ peer: string; family: string; received: number; accepted: number; advertised: number }> = [];
    for (const a of this.sessions) {
      if (!a.info || !a.live) continue;
      for (const f of a.families) out.push({ peer: a.info.address, family: familyName(f), ...this.familyCounts(a.info.index, f) });
    }
    return out;
  }

  /** One info line per refused path, a few per peer per 10 s (the rest counted in the next). */
  private logRejected(f: Family, peer: number, prefix: number, reason: string): void {
    const address = this.peers.get(peer).address;
    const d = this.inputLog.allow(address);
    if (!d.ok) return;
    this.opts.logger.info({ peer: address, prefix: this.ribs.get(f)!.prefixes.format(prefix), reason,
      ...(d.suppressed ? { suppressed: d.suppressed } : {}) }, 'path received and not accepted (vroute routes --rejected)');
  }

  /**
   * Sends a session its routes of one family again, as if it had asked (ROUTE-REFRESH; with
   * BoRR/EoRR where enhanced refresh was negotiated, RFC 7313 4). False when the session is
   * not Established or does not carry the family.
   */
  resend(address: string, f: Family): boolean {
    for (const a of this.sessions) {
      if (a.session.config.address !== address || !a.live || !a.families.includes(f)) continue;
      this.refresh(a, familyAfi(f), familySafi(f), RouteRefreshSubtype.Request);
      return true;
    }
    return false;
  }

  /** The session's import/export policy for /status (RFC 8212 default deny on eBGP); undefined: not attached. */
  policyOf(session: SessionHandle): { import: string | null; export: string | null } | undefined {
    for (const a of this.sessions) {
      if (a.session === session) return policyStatus(a.settings, session.config.asn !== this.opts.asn);
    }
    return undefined;
  }

  /** Routes of the Loc-RIB (all paths of a prefix when one is named). */
  routes(family: string, prefix?: string): Array<Record<string, unknown>> {
    return [...locRibRoutes(this.ribs, family, prefix)];
  }

  /** The same as a lazy walk, for the HTTP API to stream (RangeError at once when malformed). */
  routeWalk(family: string, prefix?: string): Iterable<Record<string, unknown>> {
    return locRibRoutes(this.ribs, family, prefix);
  }

  /** Paths received and not kept, with the reason (at most 1000). */
  rejected(family: string): Array<Record<string, unknown>> {
    return rejectedRoutes(this.ribs, this.peers, family);
  }

  locRibSize(f: Family): number {
    return this.ribs.get(f)?.locRibSize ?? 0;
  }

  familyNames(): string[] {
    return [...this.ribs.keys()].map(familyName);
  }

  close(): void {
    this.closed = true;
    for (const a of [...this.sessions]) this.detach(a.session, { keepStale: false });
    for (const info of [...this.orphans.values()]) {
      this.gr.forget(info.index);
      this.release(info.index);
    }
  }
}
