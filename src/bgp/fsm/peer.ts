// One configured (or dynamic) neighbor: the connections to it, each with its own FSM
// (RFC 4271 8.2.1), collision resolution between them (6.8, applied by peer-collision.ts),
// and the session-level view the daemon uses (state, negotiated values, status, write). What
// the session receives goes to its one SessionConsumer (the routing engine), called directly;
// 'stateChange' is a typed event for logging and status.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import {
  CeaseSubcode,
  ErrorCode,
  encodeRouteRefresh,
  notificationName,
  shutdownCommunication,
  validateOpen,
  type BgpError,
  type NegotiatedSession,
  type OpenMessage,
  type RouteRefreshMessage,
  type UpdateMessage,
} from '../messages';
import type { Logger, Metrics } from '../../observability';
import { Connection, type ConnectionOwner } from './connection';
import { normalizeAddress, socketClosed, type ConnectOptions } from './transport';
import type { FsmEvent, FsmEventType } from './events';
import { createFsm, type FsmConfig, type StateName } from './state';
import type { TimerWheel } from './timers';
import { peerConnectTarget, peerFsmConfig, peerOpen, type PeerSessionConfig } from './peer-settings';
import type { SessionConsumer } from './session-consumer';
import { countMessage, countNotification, showSessionState } from './peer-metrics';
import { settleCollisions } from './peer-collision';
export type { PeerSessionConfig } from './peer-settings';
import { STATE_RANK as RANK, type PeerEventMap, type PeerStatus, type PrefixCounts } from './peer-types';
export type { PeerEventMap, PeerStatus, PrefixCounts } from './peer-types';

/** What the Speaker shares with its peers. */
export interface PeerContext {
  readonly asn: number;
  readonly routerId: number;
  readonly wheel: TimerWheel;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** The listen address: our source for connections without a localAddress, when specific. */
  readonly listenAddress?: string;
  now(): number;
  /** A dynamic peer whose last connection closed. */
  gone(peer: Peer): void;
}

export class Peer extends EventEmitter<PeerEventMap> implements ConnectionOwner {
  readonly log: Logger;
  private consumer: SessionConsumer | undefined;
  private conns: Connection[] = [];
  private primary: Connection | undefined;
  private lastError: string | null = null;
  private counts: PrefixCounts = { received: 0, accepted: 0, advertised: 0 };
  private shownState: StateName = 'Idle';
  private stopped = false;
  /** Connections that sent or received a NOTIFICATION since they were last established. */
  private readonly notified = new WeakSet<Connection>();
  /** The FSM settings every connection of this peer starts from (checked once, by peerFsmConfig). */
  private readonly fsmConfig: Partial<FsmConfig>;

  constructor(
    readonly config: PeerSessionConfig,
    private readonly ctx: PeerContext,
  ) {
    super();
    this.log = ctx.logger.child({ peer: config.address });
    this.fsmConfig = peerFsmConfig(config, ctx.asn, ctx.now());
  }

  get passive(): boolean {
    return this.config.passive;
  }

  get sendHoldTime(): number | undefined {
    return this.config.sendHoldTime;
  }

  get wheel(): TimerWheel {
    return this.ctx.wheel;
  }

  now(): number {
    return this.ctx.now();
  }

  get state(): StateName {
    let best: StateName = 'Idle';
    for (const c of this.conns) if (RANK[c.state] > RANK[best]) best = c.state;
    if (best === 'Idle' && this.primary) return this.primary.state;
    return best;
  }

  private get established(): Connection | undefined {
    return this.conns.find((c) => c.state === 'Established');
  }

  get negotiated(): NegotiatedSession | undefined {
    return this.established?.negotiated;
  }

  /**
   * Our end's address on the Established connection (what the kernel chose when no
   * localAddress is configured): the next hop we announce to external peers (RFC 4271 5.1.3).
   */
  get sessionLocalAddress(): string | undefined {
    const a = this.established?.socket?.localAddress;
    return a ? normalizeAddress(a) : undefined;
  }

  get remoteBgpId(): number | undefined {
    return (this.established ?? this.primary)?.remoteBgpId;
  }

  /** The live connections, each with its own FSM (diagnostics and tests). */
  connections(): readonly Connection[] {
    return this.conns;
  }

  /**
   * Who receives this session's UPDATEs, route refreshes and ups and downs (one at a time:
   * the routing engine attaches and detaches itself; undefined detaches).
   */
  setConsumer(consumer: SessionConsumer | undefined): void {
    if (consumer && this.consumer && consumer !== this.consumer)
      throw new RangeError(`session ${this.config.address} already has a consumer`);
    this.consumer = consumer;
  }

  /** ManualStart (Event 1), or its passive variant (Event 4) when configured passive. */
  start(): void {
    this.primary = this.newConnection();
    this.primary.event({ type: this.config.passive ? 'ManualStart_with_PassiveTcpEstablishment' : 'ManualStart' });
  }

  /** An accepted socket from this peer's address. */
  accept(sock: Socket): void {
    if (this.stopped) {
      sock.destroy();
      return;
    }
    const p = this.primary;
    if (p && (p.state === 'Active' || p.state === 'Connect') && !p.socket) {
      p.attach(sock);
      return;
    }
    // A second connection (the peer connects while we do): its own FSM until 6.8 decides.
    const c = this.newConnection();
    c.event({ type: 'ManualStart_with_PassiveTcpEstablishment' });
    c.attach(sock);
  }

  status(): PeerStatus {
    const est = this.established;
    const up = est?.establishedAt;
    return {
      peer: this.config.address,
      asn: this.config.asn,
      state: this.state,
      uptimeSeconds: up === undefined ? 0 : Math.max(0, Math.floor((this.now() - up) / 1000)),
      prefixes: { ...this.counts },
      lastError: this.lastError,
      dynamic: this.config.dynamic === true,
      routeReflectorClient: this.config.routeReflectorClient,
    };
  }

  setPrefixCounts(c: PrefixCounts): void {
    this.counts = { received: c.received, accepted: c.accepted, advertised: c.advertised };
  }

  write(buf: Uint8Array): boolean {
    return this.established?.write(buf) ?? false;
  }

  sendRouteRefresh(afi: number, safi: number): void {
    this.established?.write(encodeRouteRefresh({ afi, safi, subtype: 0 }));
  }

  /**
   * End the session with this error's NOTIFICATION (the daemon's verdicts, e.g. RFC 4486
   * Cease / Maximum Number of Prefixes Reached). A Cease is AutomaticStop (Event 8, so the
   * session restarts after the IdleHold back-off); an UPDATE error is Event 28; any other
   * code goes out as the error says, through the header-error path.
   */
  fail(err: BgpError): void {
    const c = this.established ?? this.primary;
    if (!c) return;
    try {
      if (err.code === ErrorCode.Cease) c.event({ type: 'AutomaticStop', subcode: err.subcode, data: err.data });
      else if (err.code === ErrorCode.UpdateMessage) c.event({ type: 'UpdateMsgErr', error: err });
      else c.event({ type: 'BGPHeaderErr', error: err });
    } catch (e) {
      this.onInternalError(c, e); // callers run from the event loop: never throw back at them
    }
  }

  /** A bug of ours while handling this session elsewhere (the engine): reset it, see onInternalError. */
  internalError(err: unknown): void {
    const c = this.established ?? this.primary;
    if (c) this.onInternalError(c, err);
  }

  /**
   * Stop every connection with `ev` (ManualStop or AutomaticStop: the FSM sends the Cease),
   * then release them. Resolves once the sockets closed or after a short grace.
   */
  async shutdown(ev: FsmEvent): Promise<void> {
    this.stopped = true;
    const waits: Promise<void>[] = [];
    for (const c of [...this.conns]) {
      const s = c.socket;
      c.event(ev);
      c.dispose();
      if (s && !s.destroyed) waits.push(socketClosed(s, 1000));
    }
    this.conns = [];
    this.primary = undefined;
    this.showState();
    await Promise.all(waits);
  }

  // ---- ConnectionOwner ----

  buildOpen(): OpenMessage {
    return peerOpen(this.config, this.ctx.asn, this.ctx.routerId);
  }

  checkOpen(open: OpenMessage): BgpError | undefined {
    return validateOpen(open, { peerAs: this.config.asn, localAs: this.ctx.asn, localBgpId: this.ctx.routerId });
  }

  /** RFC 4724 4.2 and RFC 4271 6.8 against this peer's other connections (peer-collision.ts). */
  collides(conn: Connection, open: OpenMessage): boolean {
    return settleCollisions(this.conns, conn, open, this.ctx, this.log);
  }

  connectTarget(): ConnectOptions {
    return peerConnectTarget(this.config, this.ctx.listenAddress);
  }

  onTransportError(_conn: Connection | undefined, err: Error): void {
    this.transportError(err);
  }

  /**
   * A configured TCP-MD5 key or GTSM setting could not be honoured (koffi missing, a
   * setsockopt refused): shown as lastError and logged; the session does not come up
   * without it.
   */
  transportError(err: Error): void {
    this.lastError = `transport: ${err.message}`;
    this.log.error({ err: err.message }, "cannot set up the session's transport security (TCP-MD5 / GTSM)");
  }

  onTransition(conn: Connection, from: StateName, to: StateName, cause: FsmEventType): void {
    this.log.info({ conn: conn.id, from, to, cause }, 'fsm transition');
    this.ctx.metrics?.fsmTransitions.inc({ peer: this.config.address, from, to });
    // A dynamic peer has nothing to wait for once its connection is gone: 8.2.2 sends a
    // connection that fails in OpenSent to Active, where a passive peer would sit forever.
    if (to === 'Idle' || (this.config.dynamic === true && to === 'Active' && RANK[from] >= RANK.OpenSent))
      this.connectionIdle(conn);
    this.showState();
  }

  onSessionUp(conn: Connection): void {
    this.notified.delete(conn);
    // This connection won: the others that never got as far as an OPEN are not needed.
    for (const c of [...this.conns]) {
      if (c !== conn && RANK[c.state] <= RANK.Active) this.drop(c);
    }
    this.primary = conn;
    this.showState();
    this.consumer?.established();
  }

  /** SessionEnd says whether a NOTIFICATION went either way as the session ended (RFC 4724 4.2). */
  onSessionDown(conn: Connection, reason: string): void {
    const notification = this.notified.has(conn);
    this.notified.delete(conn);
    this.consumer?.down(this.lastError ? `${reason}: ${this.lastError}` : reason, { notification });
  }

  onUpdate(_conn: Connection, msg: UpdateMessage): void {
    this.consumer?.update(msg);
  }

  onRouteRefresh(_conn: Connection, msg: RouteRefreshMessage): void {
    this.consumer?.routeRefresh(msg);
  }

  onMessage(_conn: Connection, dir: 'sent' | 'received', type: number): void {
    countMessage(this.ctx.metrics, this.config.address, dir, type);
  }

  onNotification(conn: Connection, dir: 'sent' | 'received', code: number, subcode: number, data: Uint8Array): void {
    this.notified.add(conn);
    const text = shutdownCommunication({ code, subcode, data });
    this.lastError = `${dir} ${notificationName(code, subcode)}${text ? `: "${text}"` : ''}`;
    this.log.warn({ code, subcode, text }, `NOTIFICATION ${dir}`);
    countNotification(this.ctx.metrics, this.config.address, dir, code, subcode);
  }

  onSocketError(_conn: Connection, err: Error): void {
    this.lastError = `socket: ${err.message}`;
    this.log.info({ err: err.message }, 'socket error');
  }

  onDrain(): void {
    this.consumer?.drained();
  }

  /**
   * An exception of ours while handling this connection. This session fails, the daemon
   * carries on: Cease / Out of Resources (RFC 4486 3, subcode 8: we cannot go on with it),
   * AutomaticStop, so the IdleHold back-off (8.1.1) retries it later. lastError says why.
   */
  onInternalError(conn: Connection, err: unknown): void {
    const why = err instanceof Error ? err.message : String(err);
    this.log.error(
      { conn: conn.id, state: conn.state, err: err instanceof Error ? err.stack : why },
      'internal error: session reset',
    );
    this.lastError = `internal error: ${why}`;
    if (conn.isDisposed) return; // already released (it threw on its way out)
    try {
      conn.event({ type: 'AutomaticStop', subcode: CeaseSubcode.OutOfResources });
    } catch (again) {
      // The error is in the teardown path itself: drop the connection without it.
      this.log.error(
        { conn: conn.id, err: again instanceof Error ? again.stack : String(again) },
        'internal error while resetting: connection dropped',
      );
      this.drop(conn);
      if (conn === this.primary) this.primary = undefined;
      if (this.config.dynamic && this.conns.length === 0 && !this.stopped) {
        this.stopped = true;
        this.ctx.gone(this);
      }
      this.showState();
    }
    this.lastError = `internal error: ${why}`;
  }

  // ---- internals ----

  private newConnection(): Connection {
    const fsm = createFsm(this.fsmConfig, this.now());
    const conn = new Connection(this, fsm, !this.config.passive);
    this.conns.push(conn);
    return conn;
  }

  private drop(c: Connection): void {
    c.dispose();
    this.conns = this.conns.filter((x) => x !== c);
  }

  /**
   * A connection reached Idle. Extra connections are discarded; the primary stays (its
   * IdleHoldTimer restarts it, the back-off of 8.1.1) unless another live connection
   * takes over. A dynamic peer with nothing left is removed.
   */
  private connectionIdle(conn: Connection): void {
    if (this.stopped) return;
    if (conn !== this.primary) {
      this.drop(conn);
      return;
    }
    const other = this.conns.find((c) => c !== conn && c.state !== 'Idle');
    if (other) {
      this.drop(conn);
      this.primary = other;
      return;
    }
    if (this.config.dynamic) {
      this.stopped = true;
      this.drop(conn);
      this.primary = undefined;
      this.ctx.gone(this);
    }
  }

  private showState(): void {
    const to = this.state;
    const from = this.shownState;
    if (to === from) return;
    this.shownState = to;
    showSessionState(this.ctx.metrics, this.config.address, to);
    this.emit('stateChange', from, to);
  }
}
