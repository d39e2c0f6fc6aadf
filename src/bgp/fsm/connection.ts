// One TCP connection and its own FSM (RFC 4271 8.2.1: "Each FSM corresponds to exactly one
// TCP connection"). Turns socket and codec happenings into 8.1 events, steps the pure FSM
// and performs its actions; everything session-wide (OPEN contents, collisions, routes) is
// asked of the owning Peer through ConnectionOwner.
import type { Socket } from 'node:net';
import {
  BgpError,
  DEFAULT_CONTEXT,
  ErrorCode,
  HeaderSubcode,
  KEEPALIVE_BYTES,
  MessageFramer,
  MessageType,
  MAX_EXTENDED_MESSAGE_LENGTH,
  decodeMessage,
  encodeNotification,
  encodeOpen,
  negotiateSession,
  openAsn,
  type BgpMessage,
  type CodecContext,
  type NegotiatedSession,
  type OpenMessage,
  type RouteRefreshMessage,
  type UpdateMessage,
} from '../messages';
import type { FsmAction } from './actions';
import { notificationEvent, type FsmEvent, type FsmEventType } from './events';
import { step } from './fsm';
import type { FsmState, StateName } from './state';
import { SendHoldTimer, sendHoldMs } from './send-hold';
import { SessionTimers, type TimerWheel } from './timers';
import { connectTcp, type ConnectOptions } from './transport';

/** What a connection needs from its peer. */
export interface ConnectionOwner {
  readonly wheel: TimerWheel;
  /** PassiveTcpEstablishment (8.1.1): never connect out, only accept. */
  readonly passive: boolean;
  /** RFC 9687 send hold time, seconds; undefined: the RFC's default for the negotiated hold time. */
  readonly sendHoldTime?: number | undefined;
  now(): number;
  buildOpen(): OpenMessage;
  /** RFC 4271 6.2 checks against configuration; undefined = acceptable. */
  checkOpen(open: OpenMessage): BgpError | undefined;
  /** RFC 4271 6.8: true when this connection loses a collision and must be dumped. */
  collides(conn: Connection, open: OpenMessage): boolean;
  connectTarget(): ConnectOptions;
  /** A configured setting (TCP-MD5, GTSM) could not be put on the socket: the session fails. */
  onTransportError(conn: Connection, err: Error): void;
  onTransition(conn: Connection, from: StateName, to: StateName, cause: FsmEventType): void;
  onSessionUp(conn: Connection): void;
  onSessionDown(conn: Connection, reason: string): void;
  onUpdate(conn: Connection, msg: UpdateMessage): void;
  onRouteRefresh(conn: Connection, msg: RouteRefreshMessage): void;
  onMessage(conn: Connection, dir: 'sent' | 'received', type: number): void;
  onNotification(conn: Connection, dir: 'sent' | 'received', code: number, subcode: number, data: Uint8Array): void;
  onSocketError(conn: Connection, err: Error): void;
  onDrain(conn: Connection): void;
  /**
   * A bug of ours surfaced while handling this connection (an exception from a timer, a
   * socket callback or a handler): log it and end this connection, never the process.
   */
  onInternalError(conn: Connection, err: unknown): void;
}

/** Messages decoded per event-loop turn before yielding (keeps timers and other peers live). */
const MESSAGES_PER_TURN = 256;
/** Unprocessed bytes we hold in user space before leaving input in the socket. */
const READ_AHEAD = 1 << 20;
/** How long a closing socket may take to flush its last NOTIFICATION. */
const CLOSE_GRACE_MS = 2000;

let nextId = 1;

export class Connection {
  readonly id = nextId++;
  fsm: FsmState;
  socket: Socket | undefined;
  localOpen: OpenMessage | undefined;
  negotiated: NegotiatedSession | undefined;
  remoteBgpId: number | undefined;
  establishedAt: number | undefined;
  private readonly timers: SessionTimers;
  private readonly sendHold: SendHoldTimer;
  private framer = new MessageFramer();
  private rx: CodecContext = DEFAULT_CONTEXT;
  private scheduled = false;
  private disposed = false;

  constructor(
    private readonly owner: ConnectionOwner,
    fsm: FsmState,
    public outgoing: boolean,
  ) {
    this.fsm = fsm;
    this.timers = new SessionTimers(owner.wheel, (type) =>
      this.guard(() => {
        if (type === 'HoldTimer_Expires') this.event({ type, inputPending: this.inputPending() });
        else this.event({ type } as FsmEvent);
      }),
    );
    this.sendHold = new SendHoldTimer(
      owner.wheel,
      () => (this.socket?.writableLength ?? 0) > 0,
      () => this.guard(() => this.event({ type: 'SendHoldTimer_Expires' })),
    );
  }

  get state(): StateName {
    return this.fsm.state;
  }

  /** Hand an accepted socket to this connection (TcpConnectionConfirmed, Event 17). */
  attach(sock: Socket): void {
    this.outgoing = false;
    this.bind(sock);
    this.guard(() => this.event({ type: 'TcpConnectionConfirmed' }));
  }

  /**
   * Every entry point from the event loop (timer, setImmediate, socket callback) runs its
   * work through here: an exception is a bug of ours, reported to the owner, which ends
   * this connection; it never unwinds into Node and takes every other session with it.
   */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      try {
        this.owner.onInternalError(this, e);
      } catch {
        this.dispose(); // failing the connection failed too: at least stop its timers and socket
      }
    }
  }

  /** Feed one event to the FSM and perform what it returns, in order. */
  event(ev: FsmEvent): void {
    if (this.disposed) return;
    const from = this.fsm.state;
    const r = step(this.fsm, ev, this.owner.now());
    this.fsm = r.state;
    if (r.state.state === 'Established' && from !== 'Established') this.establishedAt = this.owner.now();
    for (const a of r.actions) this.perform(a);
    if (from !== r.state.state) this.owner.onTransition(this, from, r.state.state, ev.type);
  }

  /** Write raw bytes (Established only); false when the socket buffer is full. */
  write(buf: Uint8Array): boolean {
    const s = this.socket;
    if (!s || this.fsm.state !== 'Established' || s.destroyed) return false;
    if (buf.length >= 19 && buf[18] === MessageType.Update && this.fsm.keepaliveMs > 0) {
      // RFC 4271 4.4: KEEPALIVEs only keep the hold timer alive; an UPDATE does the same,
      // so the KeepaliveTimer restarts whenever one is sent.
      this.timers.start('keepalive', this.fsm.keepaliveMs);
    }
    if (s.writableLength === 0) this.sendHold.progress(); // nothing was stuck (RFC 9687)
    return s.write(buf);
  }

  /** Stop timers and close the socket; no further events. */
  dispose(): void {
    this.timers.stopAll();
    this.sendHold.stop();
    this.closeSocket();
    this.disposed = true;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * Received bytes we have not processed yet: a pump is queued or the socket holds unread
   * data. A partial message alone does not count: a peer that froze mid-message is silent.
   */
  private inputPending(): boolean {
    return this.scheduled || (this.socket?.readableLength ?? 0) > 0;
  }

  private perform(a: FsmAction): void {
    // 8.2.2 Active: ConnectRetryTimer_Expires would connect out; a passive peer "waits for
    // the remote peer to start the TCP connection" (8.1.1), so it never arms that timer.
    if (this.owner.passive && a.type === 'startTimer' && a.timer === 'connectRetry') return;
    if (this.timers.apply(a)) return;
    switch (a.type) {
      case 'sendOpen':
        this.localOpen = this.owner.buildOpen();
        this.send(encodeOpen(this.localOpen), MessageType.Open);
        return;
      case 'sendKeepalive':
        this.send(KEEPALIVE_BYTES, MessageType.Keepalive);
        return;
      case 'sendNotification':
        this.send(encodeNotification(a), MessageType.Notification);
        this.owner.onNotification(this, 'sent', a.code, a.subcode, a.data);
        return;
      case 'initiateTcp':
        if (!this.owner.passive) this.initiate();
        return;
      case 'listen': // the Speaker's listener accepts for every peer
      case 'releaseResources':
        return;
      case 'dropTcp':
        this.closeSocket();
        return;
      case 'sessionUp':
        if (this.negotiated?.extendedMessage) this.framer.setMaxLength(MAX_EXTENDED_MESSAGE_LENGTH);
        this.sendHold.start(sendHoldMs(this.fsm.holdTimeMs, this.owner.sendHoldTime)); // RFC 9687
        this.owner.onSessionUp(this);
        return;
      case 'sessionDown':
        this.sendHold.stop();
        this.establishedAt = undefined;
        this.owner.onSessionDown(this, a.reason);
        return;
      case 'processUpdate':
        if (a.update) this.owner.onUpdate(this, a.update);
        return;
    }
  }

  private send(buf: Uint8Array, type: number): void {
    const s = this.socket;
    if (!s || s.destroyed || !s.writable) return;
    if (s.writableLength === 0) this.sendHold.progress();
    s.write(buf);
    this.owner.onMessage(this, 'sent', type);
  }

  private initiate(): void {
    this.closeSocket();
    this.outgoing = true;
    const sock = connectTcp(this.owner.connectTarget());
    if (sock instanceof Error) {
      // Never connect without the configured protection: the attempt fails as a TCP
      // failure (Event 18), after this turn so the FSM is not re-entered mid-step.
      this.owner.onTransportError(this, sock);
      setImmediate(() => {
        if (!this.disposed && !this.socket && this.fsm.state === 'Connect') this.event({ type: 'TcpConnectionFails' });
      });
      return;
    }
    this.bind(sock);
    sock.once('connect', () =>
      this.guard(() => {
        if (this.socket === sock) this.event({ type: 'Tcp_CR_Acked' });
      }),
    );
  }

  private bind(sock: Socket): void {
    this.closeSocket();
    this.socket = sock;
    this.framer = new MessageFramer();
    this.rx = DEFAULT_CONTEXT;
    this.negotiated = undefined;
    sock.setNoDelay(true);
    sock.on('readable', () => this.schedule());
    sock.on('drain', () =>
      this.guard(() => {
        if (this.socket === sock) this.sendHold.progress(); // the peer read what was queued
        if (this.socket === sock) this.owner.onDrain(this);
      }),
    );
    sock.on('error', (err) =>
      this.guard(() => {
        if (this.socket === sock) this.owner.onSocketError(this, err);
      }),
    );
    sock.on('close', () =>
      this.guard(() => {
        if (this.socket !== sock) return;
        this.socket = undefined;
        this.event({ type: 'TcpConnectionFails' });
      }),
    );
  }

  /** Detach the current socket: flush what was written (a NOTIFICATION), then close. */
  private closeSocket(): void {
    const s = this.socket;
    if (!s) return;
    this.socket = undefined;
    s.removeAllListeners('readable');
    s.removeAllListeners('drain');
    s.removeAllListeners('close');
    s.removeAllListeners('error');
    s.on('error', () => undefined); // late errors (EPIPE, ECONNRESET) of a dropped socket
    s.once('end', () => s.destroy()); // the peer closed its side too: nothing left to flush
    s.resume(); // discard what still arrives, so 'end' can be seen
    s.end();
    // Not unref'd: stop() must not see the process exit before the NOTIFICATION is out.
    const t = setTimeout(() => s.destroy(), CLOSE_GRACE_MS);
    s.once('close', () => clearTimeout(t));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.guard(() => this.pump());
    });
  }

  /** Pull bytes, cut messages, feed events; bounded per turn (STYLE.md: pull-style reads). */
  private pump(): void {
    const sock = this.socket;
    if (!sock || this.disposed) return;
    // Read ahead only so far: a busy RIB leaves the rest in the kernel, and TCP pushes
    // back on the peer (STYLE.md: pull-style reads).
    let chunk: Buffer | null;
    while (this.framer.pending < READ_AHEAD && (chunk = sock.read() as Buffer | null) !== null) this.framer.push(chunk);
    for (let n = 0; n < MESSAGES_PER_TURN; n++) {
      if (this.socket !== sock || this.fsm.state === 'Idle') return;
      let frame: Uint8Array | undefined;
      try {
        frame = this.framer.next();
      } catch (e) {
        this.event({ type: 'BGPHeaderErr', error: asBgpError(e) });
        return;
      }
      if (!frame) return;
      this.receive(frame);
    }
    this.schedule(); // more may be waiting: continue next turn
  }

  private receive(frame: Uint8Array): void {
    const type = frame[18] ?? 0;
    let msg: BgpMessage;
    try {
      msg = decodeMessage(frame, this.rx);
    } catch (e) {
      const error = asBgpError(e);
      this.owner.onMessage(this, 'received', type);
      if (error.code === ErrorCode.OpenMessage) this.event({ type: 'BGPOpenMsgErr', error });
      else if (error.code === ErrorCode.UpdateMessage) this.event({ type: 'UpdateMsgErr', error });
      else this.event({ type: 'BGPHeaderErr', error });
      return;
    }
    this.owner.onMessage(this, 'received', msg.type);
    switch (msg.type) {
      case MessageType.Open:
        this.receiveOpen(msg);
        return;
      case MessageType.Update:
        this.event({ type: 'UpdateMsg', update: msg });
        return;
      case MessageType.Notification:
        this.owner.onNotification(this, 'received', msg.code, msg.subcode, msg.data);
        this.event(notificationEvent(msg.code, msg.subcode, msg.data));
        return;
      case MessageType.Keepalive:
        this.event({ type: 'KeepAliveMsg' });
        return;
      case MessageType.RouteRefresh:
        // RFC 2918 3: only meaningful on an Established session; ignored before.
        if (this.fsm.state === 'Established') this.owner.onRouteRefresh(this, msg);
        return;
    }
  }

  private receiveOpen(open: OpenMessage): void {
    const bad = this.owner.checkOpen(open);
    if (bad) {
      this.event({ type: 'BGPOpenMsgErr', error: bad });
      return;
    }
    if (this.localOpen && this.fsm.state === 'OpenSent') {
      try {
        this.negotiated = negotiateSession(this.localOpen, open);
      } catch (e) {
        this.event({ type: 'BGPOpenMsgErr', error: asBgpError(e) });
        return;
      }
      this.rx = this.negotiated.rx;
      this.remoteBgpId = open.bgpId >>> 0;
      if (this.owner.collides(this, open)) {
        this.event({ type: 'OpenCollisionDump' });
        return;
      }
    }
    this.event({ type: 'BGPOpen', asn: openAsn(open), holdTime: open.holdTime, bgpId: open.bgpId >>> 0 });
  }
}

/** Anything thrown while decoding peer input, as a BgpError (never a crash). */
function asBgpError(e: unknown): BgpError {
  if (e instanceof BgpError) return e;
  const why = e instanceof Error ? e.message : String(e);
  return BgpError.header(HeaderSubcode.BadMessageLength, `undecodable message: ${why}`);
}
