// The routing engine: the glue between established sessions and the RIB. For each UPDATE a
// session delivers: validate (RFC 7606 second stage) -> Adj-RIB-In -> decision process ->
// update groups; then every session pulls encoded UPDATEs while its socket takes them.
// Decisions run in bounded batches on setImmediate, so a full table arriving never starves
// the sockets (keepalives keep flowing while we converge).
import {
  familyAfi,
  familySafi,
  familyName,
  parseFamilyName,
  type Family,
  type UpdateMessage,
  family,
  encodeRouteRefresh,
  RouteRefreshSubtype,
} from '../bgp/messages';
import { AttrStore, PeerTable, ingestUpdate, type PeerInfo, type Policy, type Rib } from '../rib';
import { LocalRoutes, type LocalRouteAttrs } from './local-routes';
import { EngineLog } from './engine-log';
import type { SimplePacker } from './wire-encode';
import type { UpdateGroups } from './update-groups';
import { roleOf, type LocalIdentity } from './rules';
import { PolicyBook, type SessionSettings } from './policies';
import { locRibRoutes, rejectedRoutes } from './routes-view';
import type { SessionEnd } from '../bgp/fsm';
import { initialEorBound, localIdentity, type EngineOptions } from './engine-options';
import type { GracefulRestart } from './graceful-restart';
import { engineRestart } from './engine-restart';
import { setupFamily } from './family-setup';
import { checkUpdate } from './update-check';
import { brokenFamilies, disableFamily } from './afi-safi-disable';
import { deferralPeer, livePeers, sessionDeferral, type SelectionDeferral } from './selection-deferral';
import { joinDeferred, joinGroups } from './join-groups';
import {
  guardedPump,
  GuardedConsumer,
  policyOf,
  prefixCounts,
  pump,
  SoleRoutes,
  type Attached,
  type FamilyDeps,
  type SessionHandle,
} from './sessions';

export type { SessionHandle } from './sessions';
export type { EngineOptions } from './engine-options';
export { brokenFamilies } from './afi-safi-disable';

const DECIDE_BATCH = 8192; // Loc-RIB decisions per turn before yielding to I/O
const DEFAULT_FAMILIES = [parseFamilyName('ipv4-unicast')!, parseFamilyName('ipv6-unicast')!];

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
  private readonly log: EngineLog;
  private readonly deps: FamilyDeps;
  private readonly localRoutes: LocalRoutes;
  private readonly deferral: SelectionDeferral | undefined;
  private version = 0; // bumped by every turn that changed a Loc-RIB (best or feasible paths)
  private readonly sole = new SoleRoutes(this.ribs);

  constructor(private readonly opts: EngineOptions) {
    this.log = new EngineLog(opts.logger, opts.onRouteTooLarge);
    this.deps = {
      ribs: this.ribs,
      groups: this.groups,
      packers: this.packers,
      logger: opts.logger,
      schedule: () => this.schedule(),
    };
    this.local = localIdentity(opts);
    this.policyBook = new PolicyBook(this.store, opts.policies);
    const tables = { ribs: this.ribs, groups: this.groups, packers: this.packers, importPolicies: this.importPolicies };
    const ctx = { local: this.local, store: this.store, peers: this.peers, log: this.log };
    const initialEor = initialEorBound(opts, () => this.schedule()); // RFC 4724 2, bounded
    for (const f of opts.families ?? DEFAULT_FAMILIES)
      setupFamily(tables, f, { ...ctx, multipath: opts.multipath === true, initialEor });
    this.deferral =
      opts.selectionDeferralMs === undefined
        ? undefined
        : sessionDeferral(opts.selectionDeferralMs, opts.logger, () => {
            // Their End-of-RIB still waits for the decisions received so far (UpdateGroup).
            joinDeferred(this.sessions, this.groups, this.policyBook);
            this.schedule();
          });
    this.localRoutes = new LocalRoutes(this.ribs, this.peers, this.store, this.local, () => this.schedule());
    this.gr = engineRestart(
      { ribs: this.ribs, peers: this.peers, schedule: () => this.schedule(), release: (p) => this.release(p) },
      opts,
    );
  }

  /**
   * Follows a session for its whole life: the engine becomes its SessionConsumer (guarded: a
   * bug on one session's input resets that session only) for established, updates, refresh,
   * drain and down.
   */
  attach(session: SessionHandle, settings: SessionSettings = {}): void {
    for (const name of [settings.importPolicy, settings.exportPolicy]) {
      if (name !== undefined && !this.policyBook.has(name))
        throw new RangeError(`policy ${JSON.stringify(name)} is not defined`);
    }
    const a: Attached = { session, families: [], blocked: false, settings };
    session.setConsumer(
      new GuardedConsumer(this.opts.logger, session, {
        established: () => this.up(a),
        update: (u) => this.update(a, u),
        routeRefresh: (m) => this.refresh(a, m.afi, m.safi, m.subtype),
        drained: () => {
          a.blocked = false;
          pump(this.deps, a);
        },
        down: (_reason, end) => this.down(a, end),
      }),
    );
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
      session.setConsumer(undefined);
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
      address: s.config.address,
      asn: s.config.asn,
      routerId: s.remoteBgpId ?? 0,
      localAsn: this.opts.asn,
      rrClient: s.config.routeReflectorClient,
      ...(maxPrefixes ? { maxPrefixes } : {}),
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
    a.endOfRib = new Set();
    if (this.deferral?.active) {
      // RFC 4724 4.1: joins its update groups (our routes, our End-of-RIB) when the deferral ends.
      a.deferred = true;
      this.deferral.observe(s.config.address, deferralPeer(a));
    } else joinGroups(a, this.groups, this.policyBook);
    this.gr.sessionUp(info.index, a.families, a.gr);
    this.schedule();
    pump(this.deps, a);
  }

  private update(a: Attached, u: UpdateMessage): void {
    const info = a.info;
    const n = a.session.negotiated;
    if (!info || !n) return;
    const c = checkUpdate(u, info, n.fourOctetAs, this.log);
    if (c.disable) for (const f of brokenFamilies(u)) if (disableFamily(this.deps, a, f, c.disable.err)) return;
    const r = ingestUpdate(a.ribs ?? this.ribs, this.store, info.index, u, c.ingest);
    if (r.error) {
      this.opts.logger.warn({ peer: info.address, err: r.error.message }, 'maximum prefixes exceeded (RFC 4486)');
      a.session.fail?.(r.error);
    }
    if (r.endOfRib !== undefined) {
      this.opts.logger.info({ peer: info.address, family: familyName(r.endOfRib) }, 'End-of-RIB received');
      this.gr.endOfRib(info.index, r.endOfRib); // RFC 4724 4.2: the RIB dropped what was still stale
      this.opts.onEndOfRib?.(a.session, r.endOfRib);
      a.endOfRib?.add(r.endOfRib);
      this.deferral?.observe(a.session.config.address, deferralPeer(a));
    }
    this.schedule();
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
    pump(this.deps, a);
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
      this.opts.logger.info(
        { peer: info.address, restartTime: a.gr?.restartTime },
        'graceful restart: paths kept as stale (RFC 4724)',
      );
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
        if (changes.length > 0) {
          this.version++;
          this.groups.get(f)!.apply(changes);
          this.opts.onLocRibChanges?.(f, rib, changes);
        }
        if (rib.pendingDecisions > 0) more = true;
      } catch (e) {
        this.opts.logger.error(
          { family: familyName(f), err: (e as Error).stack ?? String(e) },
          'internal error in the decision process',
        );
      }
    }
    for (const a of this.sessions) guardedPump(this.deps, a);
    if (more) this.schedule();
  }

  /**
   * Originates a route of our own (ORIGIN IGP, empty AS_PATH; local-routes.ts), or replaces
   * the one originated for that prefix. Returns the prefix in canonical text. RangeError for
   * a family the engine does not carry or a malformed prefix.
   */
  originate(family: Family, prefix: string, attrs: LocalRouteAttrs): string {
    return this.localRoutes.originate(family, prefix, attrs);
  }

  /** Withdraws a route originated by originate(); false when there was none. */
  withdrawLocal(family: Family, prefix: string): boolean {
    return this.localRoutes.withdraw(family, prefix);
  }

  /** Routes withdrawn from receivers because no UPDATE could carry their attributes (/status). */
  get routesTooLarge(): number {
    return this.log.routesTooLarge;
  }

  /** The prefixes originated here in one family. */
  localPrefixes(family: Family): string[] {
    return this.localRoutes.prefixes(family);
  }

  /** Per established session and family, for the Prometheus gauges (read at scrape time). */
  prefixCounts(): Array<{ peer: string; family: string; received: number; accepted: number; advertised: number }> {
    return prefixCounts(this.deps, this.sessions);
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

  /** RFC 4724 4.1: the peers a restarting speaker waits for (no-op when not deferring). */
  expectPeers(addresses: Iterable<string>, complete = false): void {
    if (this.deferral?.active) this.deferral.expect(addresses, livePeers(this.sessions), complete);
  }

  /** Routes only this session gives us (sessions.ts SoleRoutes, one walk per Loc-RIB version): make before break. */
  soleRoutes(session: SessionHandle): number {
    for (const a of this.sessions) if (a.session === session && a.info) return this.sole.of(a.info.index, this.version);
    return 0;
  }

  /** Changes whenever a Loc-RIB did: a count read from it is still right while this is the same. */
  get routeVersion(): number {
    return this.version;
  }

  /** The session's import/export policy for /status (RFC 8212 default deny on eBGP); undefined: not attached. */
  policyOf(session: SessionHandle): { import: string | null; export: string | null } | undefined {
    return policyOf(this.sessions, session, this.opts.asn);
  }

  /** Routes of the Loc-RIB (all paths of a prefix when one is named). */
  routes(family: string, prefix?: string): Array<Record<string, unknown>> {
    return [...locRibRoutes(this.ribs, family, prefix)];
  }

  /** Paths received and not kept, with the reason (at most 1000). */
  rejected(family: string): Array<Record<string, unknown>> {
    return rejectedRoutes(this.ribs, this.peers, family);
  }

  locRibSize(f: Family): number {
    return this.ribs.get(f)?.locRibSize ?? 0;
  }

  /** No decision is waiting in any family: every change received so far has reached the Loc-RIB. */
  get settled(): boolean {
    for (const rib of this.ribs.values()) if (rib.pendingDecisions > 0) return false;
    return true;
  }

  close(): void {
    this.deferral?.cancel();
    this.closed = true;
    for (const a of [...this.sessions]) this.detach(a.session, { keepStale: false });
    for (const info of [...this.orphans.values()]) {
      this.gr.forget(info.index);
      this.release(info.index);
    }
  }
}
