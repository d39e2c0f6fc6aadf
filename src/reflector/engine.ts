// The routing engine: the glue between established sessions and the RIB. For each UPDATE a
// session delivers: validate (RFC 7606 second stage) -> Adj-RIB-In -> decision process ->
// update groups; then every session pulls encoded UPDATEs while its socket takes them.
// Decisions run in bounded batches on setImmediate, so a full table arriving never starves
// the sockets (keepalives keep flowing while we converge).
import { EventEmitter } from 'node:events';
import {
  familyAfi, familySafi, familyName, parseFamilyName, validateUpdate, parseIpv4, ipv4ToString, type CodecContext, type Family,
  type UpdateMessage, BgpError, CeaseSubcode,
} from '../bgp/messages';
import { AttrStore, PeerTable, Rib, SimplePacker, ingestUpdate, type PeerInfo, type Route } from '../rib';
import type { Logger } from '../observability';
import { UpdateGroups } from './update-group';
import { receiveFilter, roleOf, type LocalIdentity } from './rules';

/** What the engine needs of a session (src/bgp/fsm Peer satisfies it). */
export interface SessionHandle extends EventEmitter {
  readonly config: { address: string; asn: number; routeReflectorClient: boolean; maxPrefixes?: number; localAddress?: string };
  readonly negotiated: { families: readonly Family[]; fourOctetAs: boolean; tx: CodecContext } | undefined;
  readonly remoteBgpId: number | undefined;
  write(buf: Uint8Array): boolean;
  setPrefixCounts(c: { received: number; accepted: number; advertised: number }): void;
  /** Ends the session with a NOTIFICATION (e.g. RFC 4486 max-prefix). Optional. */
  fail?(err: BgpError): void;
}

interface Attached {
  readonly session: SessionHandle;
  info?: PeerInfo;
  families: Family[];
  blocked: boolean;
  readonly listeners: Array<[string, (...a: any[]) => void]>;
}

export interface EngineOptions {
  readonly asn: number;
  readonly routerId: string;
  /** RFC 4456: reflect with this cluster ID (dotted); absent: a plain speaker. */
  readonly clusterId?: string;
  readonly families?: readonly Family[];
  readonly logger: Logger;
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
  private readonly sessions = new Set<Attached>();
  private readonly byIndex = new Map<number, Attached>();
  private scheduled = false;
  private closed = false;

  constructor(private readonly opts: EngineOptions) {
    const routerId = parseIpv4(opts.routerId);
    if (routerId === undefined) throw new RangeError(`routerId ${opts.routerId} is not an IPv4 address`);
    const clusterId = opts.clusterId === undefined ? undefined : parseIpv4(opts.clusterId);
    this.local = { asn: opts.asn, routerId, ...(clusterId === undefined ? {} : { clusterId }) };
    for (const f of opts.families ?? [parseFamilyName('ipv4-unicast')!, parseFamilyName('ipv6-unicast')!]) {
      const rib = new Rib({ family: f, peers: this.peers, attrs: this.store, importFilter: receiveFilter(this.local, this.store) });
      this.ribs.set(f, rib);
      this.groups.set(f, new UpdateGroups(rib, this.store, this.local, new SimplePacker(f)));
    }
  }

  /** Follows a session for its whole life: established, updates, refresh, drain, down. */
  attach(session: SessionHandle): void {
    const a: Attached = { session, families: [], blocked: false, listeners: [] };
    // A bug of ours on one peer's input must not take the daemon down: log it and reset
    // that session (NOTIFICATION Cease / Out of Resources, RFC 4486), the others carry on.
    const on = (ev: string, fn: (...args: any[]) => void) => {
      const guarded = (...args: any[]) => {
        try {
          fn(...args);
        } catch (e) {
          this.opts.logger.error({ peer: session.config.address, event: ev, err: (e as Error).stack ?? String(e) }, 'internal error handling a session event');
          session.fail?.(BgpError.cease(CeaseSubcode.OutOfResources, 'internal error'));
        }
      };
      session.on(ev, guarded);
      a.listeners.push([ev, guarded]);
    };
    on('established', () => this.up(a));
    on('update', (u: UpdateMessage) => this.update(a, u));
    on('routeRefresh', (m: { afi: number; safi: number }) => this.refresh(a, m.afi, m.safi));
    on('drain', () => {
      a.blocked = false;
      this.pump(a);
    });
    on('down', () => this.down(a));
    this.sessions.add(a);
  }

  detach(session: SessionHandle): void {
    for (const a of this.sessions) {
      if (a.session !== session) continue;
      this.down(a);
      for (const [ev, fn] of a.listeners) session.off(ev, fn);
      this.sessions.delete(a);
    }
  }

  private up(a: Attached): void {
    const s = a.session;
    const n = s.negotiated;
    if (!n) return;
    if (a.info) this.down(a);
    const info = this.peers.add({
      address: s.config.address, asn: s.config.asn, routerId: s.remoteBgpId ?? 0, localAsn: this.opts.asn,
      rrClient: s.config.routeReflectorClient, ...(s.config.maxPrefixes ? { maxPrefixes: s.config.maxPrefixes } : {}),
    });
    a.info = info;
    a.blocked = false;
    this.byIndex.set(info.index, a);
    a.families = n.families.filter((f) => this.ribs.has(f));
    for (const f of a.families) {
      // RFC 4456 and RFC 4271 9.2 export rules come from the target's role; the codec
      // context is the send direction's (4-octet AS, ADD-PATH tx, extended messages).
      const localAddress = s.config.localAddress;
      this.groups.get(f)!.join(info, {
        family: f, addPath: 'none', ctx: n.tx,
        target: { role: roleOf(info), asn: info.asn, ...(localAddress ? { localAddress, localAddressV6: localAddress } : {}) },
      });
    }
    this.pump(a);
  }

  private update(a: Attached, u: UpdateMessage): void {
    const info = a.info;
    const n = a.session.negotiated;
    if (!info || !n) return;
    const v = validateUpdate(u, { ebgp: !info.ibgp, peerAs: info.asn, fourOctetAs: n.fourOctetAs });
    if (v.errors.length > 0) {
      this.opts.logger.warn({ peer: info.address, errors: v.errors.map((e) => e.message), action: v.action }, 'UPDATE errors (RFC 7606)');
    }
    const r = ingestUpdate(this.ribs, this.store, info.index, u, {
      fourOctetAs: n.fourOctetAs, attributes: v.attributes, ...(v.action ? { action: v.action } : {}),
    });
    if (r.error) {
      this.opts.logger.warn({ peer: info.address, err: r.error.message }, 'maximum prefixes exceeded (RFC 4486)');
      a.session.fail?.(r.error);
    }
    this.schedule();
  }

  private refresh(a: Attached, afi: number, safi: number): void {
    if (!a.info) return;
    for (const f of a.families) {
      if (familyAfi(f) === afi && familySafi(f) === safi) this.groups.get(f)!.refresh(a.info.index);
    }
    this.pump(a);
  }

  private down(a: Attached): void {
    const info = a.info;
    if (!info) return;
    a.info = undefined;
    for (const g of this.groups.values()) g.leave(info.index);
    for (const rib of this.ribs.values()) rib.peerDown(info.index);
    this.byIndex.delete(info.index);
    this.peers.remove(info.index);
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
      const changes = rib.decide(DECIDE_BATCH);
      if (changes.length > 0) this.groups.get(f)!.apply(changes);
      if (rib.pendingDecisions > 0) more = true;
    }
    for (const a of this.sessions) this.pump(a);
    if (more) this.schedule();
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
      if (a.blocked) break;
    }
    this.updateCounts(a);
  }

  private updateCounts(a: Attached): void {
    const info = a.info;
    if (!info) return;
    let received = 0;
    let advertised = 0;
    for (const f of a.families) {
      received += this.ribs.get(f)!.received(info.index);
      advertised += this.groups.get(f)!.groupOf(info.index)?.out.size ?? 0;
    }
    a.session.setPrefixCounts({ received, accepted: received, advertised });
  }

  /** Routes of the Loc-RIB for the HTTP API (all paths of a prefix when one is named). */
  routes(family: string, prefix?: string): Array<Record<string, unknown>> {
    const f = parseFamilyName(family);
    const rib = f === undefined ? undefined : this.ribs.get(f);
    if (!rib) throw new RangeError(`unknown family ${JSON.stringify(family)} (expected ipv4-unicast or ipv6-unicast)`);
    const out: Array<Record<string, unknown>> = [];
    if (prefix !== undefined) {
      const id = rib.findText(prefix);
      if (id < 0) return out;
      const best = rib.bestOf(id);
      for (const r of rib.routesOf(id)) out.push(routeJson(rib.prefixes.format(id), r, r === best || r.slot === best?.slot));
      return out;
    }
    rib.forEachBest((id, best) => out.push(routeJson(rib.prefixes.format(id), best, true)));
    return out;
  }

  locRibSize(f: Family): number {
    return this.ribs.get(f)?.locRibSize ?? 0;
  }

  familyNames(): string[] {
    return [...this.ribs.keys()].map(familyName);
  }

  close(): void {
    this.closed = true;
    for (const a of [...this.sessions]) this.detach(a.session);
  }
}

const ORIGIN_NAMES = ['IGP', 'EGP', 'INCOMPLETE'];

function routeJson(prefix: string, r: Route, best: boolean): Record<string, unknown> {
  const a = r.attrs;
  const o: Record<string, unknown> = {
    prefix,
    nextHop: a.nextHop,
    asPath: a.asPath.map((s) => (s.type === 1 ? `{${s.asns.join(',')}}` : s.asns.join(' '))).join(' '),
    origin: ORIGIN_NAMES[a.origin] ?? String(a.origin),
    from: r.peer.address,
    best,
  };
  if (r.pathId) o.pathId = r.pathId;
  if (a.localPref !== undefined) o.localPref = a.localPref;
  if (a.med !== undefined) o.med = a.med;
  if (a.communities?.length) o.communities = a.communities.map((c) => `${c >>> 16}:${c & 0xffff}`);
  if (a.originatorId !== undefined) o.originatorId = ipv4ToString(a.originatorId);
  if (a.clusterList?.length) o.clusterList = a.clusterList.map(ipv4ToString);
  return o;
}
