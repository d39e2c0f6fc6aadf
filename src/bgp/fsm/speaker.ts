// The BGP speaker: one listener, one shared TimerWheel, and the Peers. Incoming connections
// are matched to a configured neighbor by remote address, or to a dynamic-neighbor range
// (a passive Peer created on the fly), else refused (RFC 4271 8.1.1: accepting
// unconfigured peers is an option we only take for configured ranges). A range holds at most
// `maxPeers` sessions (default 100, as FRR's `bgp listen limit`): past it the connection gets
// Cease / Connection Rejected (RFC 4486 3, subcode 5) and is closed, so a misconfigured fleet
// or a scan cannot grow the peer table, its metric series or the log without bound.
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { CeaseSubcode, ErrorCode, encodeNotification, makeShutdownNotification, type Family } from '../messages';
import { LogRateLimiter, removePeerSeries, type Logger, type Metrics } from '../../observability';
import { ListenerSecurity, type TransportSecurity } from './listener-security';
import { Peer, type PeerContext, type PeerSessionConfig } from './peer';
import { TimerWheel } from './timers';
import { normalizeAddress, parseRouterId, PrefixSet } from './transport';

export type { PeerSessionConfig } from './peer';
export { Peer } from './peer';

/**
 * A range of addresses whose connections we accept, each as a passive session with these
 * settings (the session's own type: src/routing adapts the config file's dynamicNeighbors).
 */
export interface DynamicRange extends TransportSecurity {
  readonly prefix: string;
  readonly asn: number;
  /** Sessions from this range at once; more get Cease / Connection Rejected. Default DEFAULT_MAX_PEERS. */
  readonly maxPeers?: number;
  readonly routeReflectorClient: boolean;
  readonly holdTime: number;
  readonly families: readonly Family[];
  /** RFC 7911 capability we advertise to peers from this range. */
  readonly addPath?: 'receive' | 'send' | 'both';
  /** RFC 9687 send hold time, seconds. */
  readonly sendHoldTime?: number;
  /** RFC 4724 F bit in our OPEN to peers from this range (PeerSessionConfig.forwardingPreserved). */
  readonly forwardingPreserved?: boolean;
}

/** Speaker's events: a dynamic neighbor's Peer was created; a Peer (configured or dynamic) is gone. */
export type SpeakerEventMap = { peer: [peer: Peer]; peerRemoved: [peer: Peer] };

export interface SpeakerOptions {
  asn: number;
  routerId: string;
  listen?: { address: string; port: number };
  logger: Logger;
  metrics?: Metrics;
  dynamicNeighbors?: readonly DynamicRange[];
  clock?: () => number;
  /** One refusal log line per range (or for unknown sources) per this many ms; default 10 s. */
  refusalLogWindowMs?: number;
}

/** FRR's default `bgp listen limit`: dynamic sessions per range when `maxPeers` is not set. */
export const DEFAULT_MAX_PEERS = 100;
/**
 * Pending connections the kernel queues for us (capped by net.core.somaxconn). Node's default,
 * 511, overflowed in bench/fabric when 500 clients reconnected to a restarted reflector on a
 * busy machine: the kernel dropped handshakes, clients saw resets and backed off (RFC 4271
 * 8.1.1) for seconds. FRR listens with SOMAXCONN for the same reason.
 */
export const LISTEN_BACKLOG = 4096;
/** How long a refused socket may take to flush its NOTIFICATION before it is destroyed. */
const REFUSE_GRACE_MS = 1000;

/** Dynamic neighbors get the RFC 4271 10 suggested ConnectRetryTime; they never connect out. */
const DYNAMIC_CONNECT_RETRY = 120;

export class Speaker extends EventEmitter<SpeakerEventMap> {
  readonly wheel: TimerWheel;
  private readonly byAddress = new Map<string, Peer>();
  private readonly dynamic = new PrefixSet<DynamicRange>();
  /** Live dynamic peers per range, for maxPeers; the range each came from. */
  private readonly perRange = new Map<DynamicRange, number>();
  private readonly rangeOf = new WeakMap<Peer, DynamicRange>();
  /** Refused connections are input an attacker or a misconfigured fleet controls: one line per key per window. */
  private readonly refusals: LogRateLimiter;
  private readonly ctx: PeerContext;
  private server: net.Server | undefined;
  private port: number | undefined;
  /** TCP-MD5 keys and GTSM on the listener (RFC 2385, RFC 5082), or why it cannot have them. */
  private security: ListenerSecurity | Error | undefined;

  constructor(private readonly opts: SpeakerOptions) {
    super();
    this.wheel = new TimerWheel({
      onError: (err) =>
        opts.logger.error({ err: err instanceof Error ? err.stack : String(err) }, 'internal error in a timer'),
    });
    const clock = opts.clock ?? Date.now;
    this.ctx = {
      asn: opts.asn,
      routerId: parseRouterId(opts.routerId),
      wheel: this.wheel,
      logger: opts.logger,
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
      ...(opts.listen ? { listenAddress: opts.listen.address } : {}),
      now: clock,
      gone: (p) => this.forget(p),
    };
    for (const d of opts.dynamicNeighbors ?? []) this.dynamic.add(d.prefix, d);
    this.refusals = new LogRateLimiter(1, opts.refusalLogWindowMs ?? 10_000, clock);
  }

  get listenPort(): number | undefined {
    return this.port;
  }

  /** Listen when configured (port 0 picks a free port; see listenPort). */
  async start(): Promise<void> {
    const l = this.opts.listen;
    if (!l || this.server) return;
    const server = net.createServer({ noDelay: true }, (sock) => this.incoming(sock));
    server.on('error', (err) => this.opts.logger.error({ err: err.message }, 'listener error'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: l.address, port: l.port, backlog: LISTEN_BACKLOG }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
    this.opts.logger.info({ address: l.address, port: this.port }, 'BGP listener up');
    this.security = ListenerSecurity.of(server);
    for (const p of this.byAddress.values()) this.secure(p);
    for (const d of this.opts.dynamicNeighbors ?? []) {
      const err = this.secureTarget(d.prefix, d);
      if (err)
        this.opts.logger.error(
          { prefix: d.prefix, err: err.message },
          'dynamic neighbors: cannot set up TCP-MD5 / GTSM on the listener; their connections are refused',
        );
    }
  }

  addPeer(cfg: PeerSessionConfig): Peer {
    const key = normalizeAddress(cfg.address);
    if (this.byAddress.has(key)) throw new RangeError(`peer ${cfg.address} is already configured`);
    // The config keeps the address as written (contract 3: /status shows it as configured).
    const peer = new Peer({ ...cfg }, this.ctx);
    this.byAddress.set(key, peer);
    this.secure(peer);
    peer.start();
    return peer;
  }

  /** Cease / Peer De-configured (RFC 4486 3), then the peer is gone. */
  async removePeer(address: string, reason?: string): Promise<void> {
    const peer = this.byAddress.get(normalizeAddress(address));
    if (!peer) return;
    this.byAddress.delete(normalizeAddress(peer.config.address));
    this.leaveRange(peer);
    peer.log.info({ reason }, 'peer removed');
    // Its key leaves the listener with it (a later peer at this address brings its own).
    if (peer.config.password !== undefined) {
      const err = this.secureTarget(normalizeAddress(peer.config.address), {});
      if (err) peer.log.warn({ err: err.message }, 'could not remove the TCP-MD5 key from the listener');
    }
    await peer.shutdown({ type: 'AutomaticStop', subcode: CeaseSubcode.PeerDeConfigured });
    this.emit('peerRemoved', peer);
  }

  peer(address: string): Peer | undefined {
    return this.byAddress.get(normalizeAddress(address));
  }

  peers(): Peer[] {
    return [...this.byAddress.values()];
  }

  /** Cease / Administrative Shutdown with the RFC 9003 communication to all, then close. */
  async stop(message?: string): Promise<void> {
    const data =
      message === undefined ? undefined : makeShutdownNotification(CeaseSubcode.AdministrativeShutdown, message).data;
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
    await Promise.all(this.peers().map((p) => p.shutdown({ type: 'ManualStop', ...(data ? { data } : {}) })));
    this.byAddress.clear();
    this.wheel.close();
    await closed;
  }

  private incoming(sock: net.Socket): void {
    sock.on('error', () => undefined); // until a Connection owns it
    const remote = normalizeAddress(sock.remoteAddress ?? '');
    let peer = this.byAddress.get(remote);
    if (!peer) {
      const d = this.dynamic.match(remote);
      if (!d) {
        this.refusedLog('unknown', { remote, port: sock.remotePort }, 'connection from unknown address refused');
        sock.destroy();
        return;
      }
      const max = d.maxPeers ?? DEFAULT_MAX_PEERS;
      if ((this.perRange.get(d) ?? 0) >= max) {
        this.refusedLog(
          d.prefix,
          { remote, prefix: d.prefix, maxPeers: max },
          'dynamic neighbor refused: the range has maxPeers sessions (Cease / Connection Rejected)',
        );
        this.reject(sock);
        return;
      }
      const refused = this.admit(sock, d.prefix, d);
      if (refused) {
        this.refusedLog(
          `${d.prefix} transport`,
          { remote, prefix: d.prefix, err: refused.message },
          'dynamic neighbor refused',
        );
        sock.destroy();
        return;
      }
      peer = this.createDynamic(remote, d);
    } else {
      const refused = this.admit(sock, remote, peer.config);
      if (refused) {
        peer.transportError(refused);
        sock.destroy();
        return;
      }
    }
    peer.accept(sock);
  }

  private createDynamic(remote: string, d: DynamicRange): Peer {
    const peer = new Peer(
      {
        address: remote,
        port: 179,
        asn: d.asn,
        passive: true,
        holdTime: d.holdTime,
        connectRetryTime: DYNAMIC_CONNECT_RETRY,
        families: [...d.families],
        routeReflectorClient: d.routeReflectorClient,
        dynamic: true,
        ...(d.addPath ? { addPath: d.addPath } : {}), // RFC 7911 capability; nodes connect dynamically
        ...(d.sendHoldTime !== undefined ? { sendHoldTime: d.sendHoldTime } : {}),
        ...(d.forwardingPreserved ? { forwardingPreserved: true } : {}),
      },
      this.ctx,
    );
    this.byAddress.set(remote, peer);
    this.rangeOf.set(peer, d);
    this.perRange.set(d, (this.perRange.get(d) ?? 0) + 1);
    peer.log.info({ prefix: d.prefix }, 'dynamic neighbor accepted');
    peer.start();
    this.emit('peer', peer);
    return peer;
  }

  /** Put a configured peer's key and GTSM on the listener; a failure is the peer's error. */
  private secure(peer: Peer): void {
    const err = this.secureTarget(normalizeAddress(peer.config.address), peer.config);
    if (err) peer.transportError(err);
  }

  private secureTarget(target: string, sec: TransportSecurity): Error | undefined {
    if (this.security === undefined) return undefined; // not listening (yet): start() does it
    if (sec.password === undefined && sec.ttlSecurity === undefined && this.security instanceof Error) return undefined;
    if (this.security instanceof Error) return new Error(`the listener's socket: ${this.security.message}`);
    return this.security.configure(target, sec);
  }

  private admit(sock: net.Socket, target: string, sec: TransportSecurity): Error | undefined {
    if (sec.password === undefined && sec.ttlSecurity === undefined) return undefined;
    if (!(this.security instanceof ListenerSecurity))
      return new Error(
        `connection refused: the listener has no TCP-MD5 / GTSM (${this.security?.message ?? 'not set up'})`,
      );
    return this.security.admit(sock, target, sec);
  }

  private forget(peer: Peer): void {
    const key = normalizeAddress(peer.config.address);
    if (this.byAddress.get(key) !== peer) return;
    this.byAddress.delete(key);
    this.leaveRange(peer);
    peer.log.info('dynamic neighbor removed');
    // Its per-peer metric series go with it: addresses come and go, labels must not pile up.
    if (this.opts.metrics) void removePeerSeries(this.opts.metrics.registry, peer.config.address);
    this.emit('peerRemoved', peer);
  }

  private leaveRange(peer: Peer): void {
    const d = this.rangeOf.get(peer);
    if (!d) return;
    this.rangeOf.delete(peer);
    const n = (this.perRange.get(d) ?? 1) - 1;
    if (n > 0) this.perRange.set(d, n);
    else this.perRange.delete(d);
  }

  /** RFC 4486 3: Cease / Connection Rejected, written before any OPEN, then close. */
  private reject(sock: net.Socket): void {
    sock.end(
      encodeNotification({ code: ErrorCode.Cease, subcode: CeaseSubcode.ConnectionRejected, data: new Uint8Array(0) }),
    );
    sock.resume(); // discard the peer's OPEN so the close completes
    const t = setTimeout(() => sock.destroy(), REFUSE_GRACE_MS);
    t.unref();
    sock.once('close', () => clearTimeout(t));
  }

  private refusedLog(key: string, fields: Record<string, unknown>, msg: string): void {
    const r = this.refusals.allow(key);
    if (r.ok) this.opts.logger.warn(r.suppressed > 0 ? { ...fields, suppressed: r.suppressed } : fields, msg);
  }
}
