// Graceful restart helper mode (RFC 4724 4.2) and enhanced route refresh (RFC 7313) in the
// routing engine, with fake sessions and a fake clock: no wall-clock waits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import {
  CapabilityCode, IPV4_UNICAST, decodeUpdate, decodeRouteRefresh, endOfRib, packAnnouncements,
  parsePrefix, updateToJson, encodeRouteRefresh, decodeMessage, encodeOpen, makeOpen, encodeNotification, KEEPALIVE_BYTES,
  type CodecContext, type GracefulRestartCapability,
} from '../../src/bgp/messages';
import { Speaker } from '../../src/bgp/fsm';
import { RoutingEngine, type SessionHandle } from '../../src/reflector';
import { GracefulRestart, type EngineTimers, type StaleSink } from '../../src/reflector/graceful-restart';
import { silentLogger } from '../../src/observability';

const CTX: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set() };

/** A manual clock: timers run only when the test advances it. */
class FakeTimers implements EngineTimers {
  now = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.pending.delete(h as number);
  }
  get size(): number {
    return this.pending.size;
  }
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.pending) if (e[1].at <= until && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.pending.delete(next[0]);
      this.now = next[1].at;
      next[1].fn();
    }
    this.now = until;
  }
}

function grCap(restartTime: number, fBit = true): GracefulRestartCapability {
  return {
    kind: 'graceful-restart', code: CapabilityCode.GracefulRestart, flags: 0, restartTime,
    families: [{ afi: 1, safi: 1, flags: fBit ? 0x80 : 0 }],
  };
}

type Neg = NonNullable<SessionHandle['negotiated']>;

class FakeSession extends EventEmitter implements SessionHandle {
  written: Uint8Array[] = [];
  counts = { received: 0, accepted: 0, advertised: 0 };
  negotiated: Neg | undefined;
  constructor(readonly config: SessionHandle['config'], readonly remoteBgpId: number) {
    super();
  }
  up(extra: Partial<Neg> = {}): void {
    this.negotiated = { families: [IPV4_UNICAST], fourOctetAs: true, tx: CTX, ...extra };
    this.emit('established');
  }
  down(notification: boolean): void {
    this.negotiated = undefined;
    this.emit('down', 'test', { notification });
  }
  announce(prefixes: string[], nextHop: string): void {
    const ps = prefixes.map((p) => parsePrefix(p)!);
    for (const m of packAnnouncements({ origin: 0, asPath: [], nextHop, localPref: 100 }, IPV4_UNICAST, ps, CTX)) {
      this.emit('update', decodeUpdate(m, CTX));
    }
  }
  eor(): void {
    this.emit('update', decodeUpdate(endOfRib(IPV4_UNICAST), CTX));
  }
  refresh(subtype: number): void {
    this.emit('routeRefresh', decodeRouteRefresh(encodeRouteRefresh({ afi: 1, safi: 1, subtype })));
  }
  write(buf: Uint8Array): boolean {
    this.written.push(buf);
    return true;
  }
  setPrefixCounts(c: { received: number; accepted: number; advertised: number }): void {
    this.counts = c;
  }
  /** What we sent, in order: 'EoR', 'BoRR', 'EoRR', '+prefix', '-prefix'. */
  log(): string[] {
    const out: string[] = [];
    for (const b of this.written) {
      const m = decodeMessage(b, CTX);
      if (m.type === 5) {
        out.push(m.subtype === 1 ? 'BoRR' : m.subtype === 2 ? 'EoRR' : `RR${m.subtype}`);
        continue;
      }
      if (m.type !== 2) continue;
      if (m.endOfRib !== undefined) {
        out.push('EoR');
        continue;
      }
      // Prefix order inside one UPDATE is the packer's business: sort within the message.
      const j = updateToJson(m);
      for (const p of [...((j.withdrawn as string[] | undefined) ?? [])].sort()) out.push(`-${p}`);
      for (const p of [...((j.nlri as string[] | undefined) ?? [])].sort()) out.push(`+${p}`);
    }
    return out;
  }
  take(): string[] {
    const l = this.log();
    this.written = [];
    return l;
  }
}

const tick = () => new Promise((r) => setImmediate(r));
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await tick();
}

function setup(staleTimeSeconds?: number) {
  const timers = new FakeTimers();
  const engine = new RoutingEngine({
    asn: 65000, routerId: '10.0.0.1', clusterId: '10.0.0.1', logger: silentLogger, families: [IPV4_UNICAST], timers,
    ...(staleTimeSeconds !== undefined ? { staleTimeSeconds } : {}),
  });
  const a = new FakeSession({ address: '192.0.2.2', asn: 65000, routeReflectorClient: true }, 0xc0000202);
  const b = new FakeSession({ address: '192.0.2.3', asn: 65000, routeReflectorClient: true }, 0xc0000203);
  engine.attach(a);
  engine.attach(b);
  return { timers, engine, a, b };
}

const P = ['10.1.0.0/24', '10.1.1.0/24', '10.1.2.0/24'];

/** A (GR capable) announces P, B receives them; both have their initial EoR. */
async function converged(cap: GracefulRestartCapability | null = grCap(120), staleTimeSeconds?: number) {
  const s = setup(staleTimeSeconds);
  s.a.up(cap ? { gracefulRestart: cap } : {});
  s.b.up();
  await settle();
  s.a.announce(P, '192.0.2.2');
  s.a.eor();
  await settle();
  assert.deepEqual(s.b.take(), ['EoR', ...P.map((p) => `+${p}`)]);
  assert.deepEqual(s.a.take(), ['EoR']); // RFC 4724 2: End-of-RIB after an (empty) initial table
  return s;
}

function stale(engine: RoutingEngine): Record<string, boolean> {
  const o: Record<string, boolean> = {};
  for (const r of engine.routes('ipv4-unicast')) o[r.prefix as string] = r.stale === true;
  return o;
}

test('TCP loss with GR: paths kept as stale and still advertised; restart timer expiry withdraws them', async () => {
  const { engine, a, b, timers } = await converged(grCap(120));
  a.down(false);
  await settle();
  assert.deepEqual(b.take(), [], 'nothing withdrawn at the other peer');
  assert.deepEqual(stale(engine), { '10.1.0.0/24': true, '10.1.1.0/24': true, '10.1.2.0/24': true });
  assert.equal(engine.peers.all().length, 2, 'the restarting peer keeps its index');
  timers.advance(119_000);
  await settle();
  assert.deepEqual(b.take(), []);
  timers.advance(2_000); // RFC 4724 4.2: Restart Time (120 s) over, no session
  await settle();
  assert.deepEqual(b.take().sort(), P.map((p) => `-${p}`).sort());
  assert.equal(engine.routes('ipv4-unicast').length, 0);
  assert.deepEqual(engine.peers.all().map((p) => p.address), ['192.0.2.3'], 'index released');
  assert.equal(timers.size, 0);
  engine.close();
});

test('re-established with F bit: updates refresh paths, End-of-RIB drops only the stale rest', async () => {
  const { engine, a, b, timers } = await converged(grCap(120));
  const index = engine.peers.all().find((p) => p.address === '192.0.2.2')!.index;
  a.down(false);
  await settle();
  a.up({ gracefulRestart: grCap(120) });
  await settle();
  assert.equal(engine.peers.all().find((p) => p.address === '192.0.2.2')!.index, index, 'same Adj-RIB-In');
  assert.deepEqual(a.take(), ['EoR'], 'the restarted peer gets our table and End-of-RIB');
  a.announce([P[0]!, P[2]!], '192.0.2.2');
  await settle();
  assert.deepEqual(stale(engine), { '10.1.0.0/24': false, '10.1.1.0/24': true, '10.1.2.0/24': false });
  assert.deepEqual(b.take(), [], 'an unchanged path is not re-sent');
  a.eor();
  await settle();
  assert.deepEqual(b.take(), ['-10.1.1.0/24']);
  assert.deepEqual(stale(engine), { '10.1.0.0/24': false, '10.1.2.0/24': false });
  assert.equal(timers.size, 0, 'restart and stale-path timers stopped');
  timers.advance(1_000_000);
  await settle();
  assert.deepEqual(b.take(), []);
  engine.close();
});

test('re-established without End-of-RIB: the stale-path timer drops the rest', async () => {
  const { engine, a, b, timers } = await converged(grCap(120), 30);
  a.down(false);
  await settle();
  a.up({ gracefulRestart: grCap(120) });
  a.announce([P[0]!], '192.0.2.2');
  await settle();
  timers.advance(29_000);
  await settle();
  assert.deepEqual(b.take(), []);
  timers.advance(1_000);
  await settle();
  assert.deepEqual(b.take().sort(), ['-10.1.1.0/24', '-10.1.2.0/24']);
  engine.close();
});

test('F bit clear, or no GR capability in the new OPEN: stale paths go at once', async () => {
  for (const cap of [grCap(120, false), undefined]) {
    const { engine, a, b } = await converged(grCap(120));
    a.down(false);
    await settle();
    assert.deepEqual(b.take(), []);
    a.up(cap ? { gracefulRestart: cap } : {});
    await settle();
    assert.deepEqual(b.take().sort(), P.map((p) => `-${p}`).sort(), `cap ${cap ? 'F=0' : 'absent'}`);
    assert.equal(engine.routes('ipv4-unicast').length, 0);
    engine.close();
  }
});

test('a NOTIFICATION, or a peer without GR: no graceful restart, paths withdrawn at once', async () => {
  for (const [cap, notification] of [[grCap(120), true], [null, false]] as const) {
    const { engine, a, b, timers } = await converged(cap);
    a.down(notification);
    await settle();
    assert.deepEqual(b.take().sort(), P.map((p) => `-${p}`).sort());
    assert.equal(engine.peers.all().length, 1);
    assert.equal(timers.size, 0);
    engine.close();
  }
});

test('a second loss while stale: the paths still stale go, the refreshed ones become stale', async () => {
  const { engine, a, b, timers } = await converged(grCap(60));
  a.down(false);
  await settle();
  a.up({ gracefulRestart: grCap(60) });
  a.announce([P[0]!], '192.0.2.2');
  await settle();
  a.down(false); // before its End-of-RIB
  await settle();
  assert.deepEqual(b.take().sort(), ['-10.1.1.0/24', '-10.1.2.0/24']); // RFC 4724 4.2 consecutive restarts
  assert.deepEqual(stale(engine), { '10.1.0.0/24': true });
  timers.advance(60_000);
  await settle();
  assert.deepEqual(b.take(), ['-10.1.0.0/24']);
  engine.close();
});

test('a new peer never takes the index of a peer in restart', async () => {
  const { engine, a } = await converged(grCap(120));
  const index = engine.peers.all().find((p) => p.address === '192.0.2.2')!.index;
  a.down(false);
  await settle();
  const c = new FakeSession({ address: '192.0.2.4', asn: 65000, routeReflectorClient: true }, 4);
  engine.attach(c);
  c.up();
  await settle();
  assert.notEqual(engine.peers.all().find((p) => p.address === '192.0.2.4')!.index, index);
  assert.deepEqual(c.log(), [...P.map((p) => `+${p}`), 'EoR'], 'stale paths are advertised to a new peer too');
  engine.close();
});

test('received BoRR/EoRR (RFC 7313): what is not re-advertised in between is withdrawn', async () => {
  const { engine, a, b, timers } = setup();
  a.up({ enhancedRouteRefresh: true });
  b.up();
  a.announce(P, '192.0.2.2');
  await settle();
  b.take();
  a.refresh(2); // EoRR without BoRR: nothing to end
  await settle();
  assert.deepEqual(stale(engine), { '10.1.0.0/24': false, '10.1.1.0/24': false, '10.1.2.0/24': false });
  a.refresh(1); // BoRR
  await settle();
  assert.deepEqual(stale(engine), { '10.1.0.0/24': true, '10.1.1.0/24': true, '10.1.2.0/24': true });
  assert.deepEqual(b.take(), [], 'stale paths stay advertised');
  a.announce([P[1]!], '192.0.2.2');
  a.refresh(2); // EoRR
  await settle();
  assert.deepEqual(b.take().sort(), ['-10.1.0.0/24', '-10.1.2.0/24']);
  assert.deepEqual(stale(engine), { '10.1.1.0/24': false });
  // A BoRR whose EoRR never comes: the stale timer (360 s default) ends it.
  a.refresh(1);
  await settle();
  timers.advance(359_000);
  await settle();
  assert.deepEqual(b.take(), []);
  timers.advance(1_000);
  await settle();
  assert.deepEqual(b.take(), ['-10.1.1.0/24']);
  engine.close();
});

test('answering a ROUTE-REFRESH: BoRR, the table, EoRR with enhanced refresh; the table alone without', async () => {
  const { engine, a, b } = await converged(grCap(120));
  b.refresh(0);
  await settle();
  assert.deepEqual(b.take(), P.map((p) => `+${p}`), 'RFC 2918 only: no BoRR/EoRR');
  a.refresh(1); // without enhanced refresh negotiated the subtype is Reserved: a plain request
  await settle();
  // The source of every route gets no announcement back (only withdrawals from state, which a
  // receiver ignores for prefixes it never had: RFC 4271 9.1.1 has nothing to remove).
  assert.deepEqual(a.take().filter((x) => x.startsWith('+')), []);
  assert.deepEqual(stale(engine), { '10.1.0.0/24': false, '10.1.1.0/24': false, '10.1.2.0/24': false });
  const c = new FakeSession({ address: '192.0.2.4', asn: 65000, routeReflectorClient: true }, 4);
  engine.attach(c);
  c.up({ enhancedRouteRefresh: true });
  await settle();
  assert.deepEqual(c.take(), [...P.map((p) => `+${p}`), 'EoR']);
  c.refresh(0);
  await settle();
  assert.deepEqual(c.take(), ['BoRR', ...P.map((p) => `+${p}`), 'EoRR']);
  // With nothing to send (its own routes are never sent back), still BoRR then EoRR.
  a.up({ gracefulRestart: grCap(120), enhancedRouteRefresh: true });
  await settle();
  a.take();
  a.refresh(0);
  await settle();
  const got = a.take();
  assert.deepEqual([got[0], got.at(-1)], ['BoRR', 'EoRR']);
  assert.deepEqual(got.filter((x) => x.startsWith('+')), []);
  // A subtype RFC 7313 does not define, and a family not negotiated: ignored.
  c.take(); // (a's new session replaced its old one: its paths were withdrawn)
  c.refresh(7);
  c.emit('routeRefresh', { afi: 2, safi: 1, subtype: 0 });
  await settle();
  assert.deepEqual(c.take(), []);
  engine.close();
});

test('a dynamic neighbor whose session object went: the next session from its address takes the stale paths over', async () => {
  const { engine, a, b, timers } = await converged(grCap(120));
  const index = engine.peers.all().find((p) => p.address === '192.0.2.2')!.index;
  a.down(false);
  engine.detach(a, { keepStale: true }); // what the Speaker does with an idle dynamic peer
  await settle();
  assert.deepEqual(b.take(), []);
  assert.deepEqual(stale(engine), { '10.1.0.0/24': true, '10.1.1.0/24': true, '10.1.2.0/24': true });
  const a2 = new FakeSession({ address: '192.0.2.2', asn: 65000, routeReflectorClient: true, dynamic: true }, 0xc0000202);
  engine.attach(a2);
  a2.up({ gracefulRestart: grCap(120) });
  a2.announce([P[0]!], '192.0.2.2');
  a2.eor();
  await settle();
  assert.equal(engine.peers.all().find((p) => p.address === '192.0.2.2')!.index, index);
  assert.deepEqual(b.take().sort(), ['-10.1.1.0/24', '-10.1.2.0/24']);
  // Gone again, dynamic (detach keeps stale by default), and never back: the restart timer ends it.
  a2.down(false);
  engine.detach(a2);
  timers.advance(120_000);
  await settle();
  assert.deepEqual(b.take(), ['-10.1.0.0/24']);
  assert.deepEqual(engine.peers.all().map((p) => p.address), ['192.0.2.3']);
  // A configured peer that is deconfigured loses its stale paths at once.
  const c = new FakeSession({ address: '192.0.2.4', asn: 65000, routeReflectorClient: true }, 4);
  engine.attach(c);
  c.up({ gracefulRestart: grCap(120) });
  c.announce([P[2]!], '192.0.2.4');
  await settle();
  b.take();
  c.down(false);
  engine.detach(c);
  await settle();
  assert.deepEqual(b.take(), ['-10.1.2.0/24']);
  assert.equal(timers.size, 0);
  engine.close();
});

test('GracefulRestart alone: family dropped from the new session, BoRR over restart-stale, restart time 0, a throwing sink', () => {
  const timers = new FakeTimers();
  const calls: string[] = [];
  let boom = false;
  const sink: StaleSink = {
    markStale: (p, f) => calls.push(`mark ${p} ${f}`),
    dropStale: (p, f) => {
      if (boom) throw new Error('sink bug');
      calls.push(`drop ${p} ${f}`);
    },
    dropAll: (p, f) => calls.push(`all ${p} ${f}`),
    released: (p) => calls.push(`released ${p}`),
  };
  const errors: unknown[] = [];
  const gr = new GracefulRestart(sink, { timers, staleTimeMs: 1000, refreshStaleTimeMs: 500, onError: (e) => errors.push(e) });
  const both = { ...grCap(30), families: [{ afi: 1, safi: 1, flags: 0x80 }, { afi: 2, safi: 1, flags: 0x80 }] };
  // v4 and v6 kept; the new session carries v4 only: v6 stale paths go at once.
  assert.equal(gr.sessionDown(3, [0x101, 0x201], both, { notification: false }), true);
  assert.deepEqual(calls.splice(0), ['mark 3 257', 'mark 3 513']);
  assert.equal(gr.isRetained(3), true);
  gr.sessionUp(3, [0x101], both);
  assert.deepEqual(calls.splice(0), ['drop 3 513']);
  assert.deepEqual(gr.staleFamilies(3), new Map([[0x101, 'restart']]));
  assert.equal(gr.isRetained(3), false);
  // A BoRR while v4 still waits for End-of-RIB: now EoRR ends it.
  gr.refreshBegin(3, 0x101);
  gr.refreshEnd(3, 0x101);
  assert.deepEqual(calls.splice(0), ['mark 3 257', 'drop 3 257']);
  assert.equal(timers.size, 0);
  // Restart Time 0: the peer said it will not be back; stale paths go on the next tick.
  gr.sessionDown(3, [0x101], grCap(0), { notification: false });
  timers.advance(0);
  assert.deepEqual(calls.splice(0), ['mark 3 257', 'drop 3 257', 'released 3']);
  // A sink that throws inside a timer: reported, not thrown into the event loop.
  gr.sessionDown(4, [0x101], grCap(1), { notification: false });
  boom = true;
  assert.doesNotThrow(() => timers.advance(1000));
  assert.equal(errors.length, 1);
});

// ---- Over real sockets: the session shell tells the engine how a session ended ----

/** A hand-driven BGP peer on a loopback socket. */
class RawPeer {
  readonly got: number[] = []; // message types received
  closed = false;
  private buf = Buffer.alloc(0);
  private constructor(readonly sock: net.Socket) {
    sock.on('data', (c: Buffer) => {
      this.buf = Buffer.concat([this.buf, c]);
      while (this.buf.length >= 19 && this.buf.length >= this.buf.readUInt16BE(16)) {
        this.got.push(this.buf[18]!);
        this.buf = this.buf.subarray(this.buf.readUInt16BE(16));
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => { this.closed = true; });
  }
  static connect(port: number, from: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port, localAddress: from }, () => resolve(new RawPeer(s)));
      s.once('error', reject);
    });
  }
  /** OPEN with the GR capability (F bit set), then KEEPALIVE once the speaker's OPEN is in. */
  async handshake(): Promise<void> {
    this.sock.write(encodeOpen(makeOpen({
      asn: 65000, holdTime: 30, bgpId: 0x7f000002,
      capabilities: [
        { kind: 'multiprotocol', code: CapabilityCode.Multiprotocol, afi: 1, safi: 1 },
        { kind: 'four-octet-as', code: CapabilityCode.FourOctetAs, asn: 65000 },
        grCap(60),
      ],
    })));
    await until('OPEN from the speaker', () => this.got.includes(1));
    this.sock.write(KEEPALIVE_BYTES);
  }
  send(b: Uint8Array): void {
    this.sock.write(b);
  }
}

async function until(what: string, pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('over sockets: a new connection from a GR peer replaces its Established one (RFC 4724 4.2); a NOTIFICATION ends GR', async () => {
  const sp = new Speaker({ asn: 65000, routerId: '10.0.0.1', listen: { address: '127.0.0.1', port: 0 }, logger: silentLogger });
  const engine = new RoutingEngine({ asn: 65000, routerId: '10.0.0.1', clusterId: '10.0.0.1', logger: silentLogger, families: [IPV4_UNICAST] });
  const socks: RawPeer[] = [];
  try {
    await sp.start();
    const peer = sp.addPeer({ address: '127.0.0.2', port: 179, asn: 65000, passive: true, holdTime: 30,
      connectRetryTime: 2, families: [IPV4_UNICAST], routeReflectorClient: true });
    engine.attach(peer);
    const downs: unknown[] = [];
    peer.on('down', (_reason: string, end: unknown) => downs.push(end));

    const c1 = await RawPeer.connect(sp.listenPort!, '127.0.0.2');
    socks.push(c1);
    await c1.handshake();
    await until('Established', () => peer.state === 'Established');
    for (const m of packAnnouncements({ origin: 0, asPath: [], nextHop: '192.0.2.2', localPref: 100 }, IPV4_UNICAST, P.map((p) => parsePrefix(p)!), CTX)) c1.send(m);
    await until('3 routes', () => engine.routes('ipv4-unicast').length === 3);

    // The peer restarted without our noticing: a new connection and OPEN.
    const c2 = await RawPeer.connect(sp.listenPort!, '127.0.0.2');
    socks.push(c2);
    await c2.handshake();
    await until('old connection closed', () => c1.closed);
    assert.equal(c1.got.includes(3), false, 'closed without a NOTIFICATION');
    await until('Established again', () => peer.state === 'Established' && c2.got.includes(4));
    assert.deepEqual(downs, [{ notification: false }]);
    assert.deepEqual(stale(engine), { '10.1.0.0/24': true, '10.1.1.0/24': true, '10.1.2.0/24': true });
    for (const m of packAnnouncements({ origin: 0, asPath: [], nextHop: '192.0.2.2', localPref: 100 }, IPV4_UNICAST, [parsePrefix(P[1]!)!], CTX)) c2.send(m);
    c2.send(endOfRib(IPV4_UNICAST));
    await until('End-of-RIB applied', () => engine.routes('ipv4-unicast').length === 1);
    assert.deepEqual(stale(engine), { '10.1.1.0/24': false });

    // A NOTIFICATION (Cease) from the peer: no graceful restart, the path goes at once.
    c2.send(encodeNotification({ code: 6, subcode: 2, data: new Uint8Array(0) }));
    await until('down', () => downs.length === 2);
    assert.deepEqual(downs[1], { notification: true });
    await settle();
    assert.equal(engine.routes('ipv4-unicast').length, 0);
  } finally {
    for (const s of socks) s.sock.destroy();
    engine.close();
    await sp.stop();
  }
});
