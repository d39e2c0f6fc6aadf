// Graceful restart pieces on their own: the GracefulRestart class with a recording sink, and
// the session shell over real loopback sockets telling the engine how a session ended.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import {
  IPV4_UNICAST,
  encodeNotification,
  endOfRib,
  packAnnouncements,
  parsePrefix,
  KEEPALIVE_BYTES,
} from '../../src/bgp/messages';
import { Speaker } from '../../src/bgp/fsm';
import { GracefulRestart, type StaleSink } from '../../src/routing/graceful-restart';
import { silentLogger } from '../../src/observability';
import { CTX, FakeTimers, P, grCap, settle, stale } from './gr-fakes';
import { alsoObserve } from '../helpers/sessions';
import { ip4 } from '../helpers/addr';
import { testEngine } from '../helpers/engine';
import { rawOpen } from '../helpers/bgp-clients';
import { listeningSpeaker, passivePeer } from '../helpers/speakers';

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
  const gr = new GracefulRestart(sink, {
    timers,
    staleTimeMs: 1000,
    refreshStaleTimeMs: 500,
    onError: (e) => errors.push(e),
  });
  const both = {
    ...grCap(30),
    families: [
      { afi: 1, safi: 1, flags: 0x80 },
      { afi: 2, safi: 1, flags: 0x80 },
    ],
  };
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
    sock.on('close', () => {
      this.closed = true;
    });
  }
  static connect(port: number, from: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port, localAddress: from }, () => resolve(new RawPeer(s)));
      s.once('error', reject);
    });
  }
  /** OPEN with the GR capability (F bit set), then KEEPALIVE once the speaker's OPEN is in. */
  async handshake(): Promise<void> {
    this.sock.write(rawOpen(0x7f000002, 30, [grCap(60)]));
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
  const sp = listeningSpeaker();
  const engine = testEngine();
  const socks: RawPeer[] = [];
  try {
    await sp.start();
    const peer = sp.addPeer(passivePeer('127.0.0.2', { holdTime: 30 }));
    const downs: unknown[] = [];
    alsoObserve(peer, { down: (_reason, end) => downs.push(end) });
    engine.attach(peer);

    const c1 = await RawPeer.connect(sp.listenPort!, '127.0.0.2');
    socks.push(c1);
    await c1.handshake();
    await until('Established', () => peer.state === 'Established');
    for (const m of packAnnouncements(
      { origin: 0, asPath: [], nextHop: ip4('192.0.2.2'), localPref: 100 },
      IPV4_UNICAST,
      P.map((p) => parsePrefix(p)!),
      CTX,
    ))
      c1.send(m);
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
    for (const m of packAnnouncements(
      { origin: 0, asPath: [], nextHop: ip4('192.0.2.2'), localPref: 100 },
      IPV4_UNICAST,
      [parsePrefix(P[1]!)!],
      CTX,
    ))
      c2.send(m);
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

test('over sockets: a dynamic neighbor killed and back keeps its paths through the restart (daemon wiring)', async () => {
  const sp = new Speaker({
    asn: 65000,
    routerId: '10.0.0.1',
    listen: { address: '127.0.0.1', port: 0 },
    logger: silentLogger,
    dynamicNeighbors: [
      { prefix: '127.0.0.0/24', asn: 65000, routeReflectorClient: true, holdTime: 30, families: [IPV4_UNICAST] },
    ],
  });
  const engine = testEngine();
  // As the daemon wires them: every session followed; a removed peer detached.
  sp.on('peer', (p) => engine.attach(p));
  sp.on('peerRemoved', (p) => engine.detach(p));
  const socks: RawPeer[] = [];
  try {
    await sp.start();
    const c1 = await RawPeer.connect(sp.listenPort!, '127.0.0.5');
    socks.push(c1);
    await c1.handshake();
    await until('dynamic peer Established', () => sp.peer('127.0.0.5')?.state === 'Established');
    for (const m of packAnnouncements(
      { origin: 0, asPath: [], nextHop: ip4('192.0.2.5'), localPref: 100 },
      IPV4_UNICAST,
      P.map((p) => parsePrefix(p)!),
      CTX,
    ))
      c1.send(m);
    await until('3 routes', () => engine.routes('ipv4-unicast').length === 3);
    c1.sock.destroy(); // killed: TCP closes, no NOTIFICATION
    await until('dynamic peer object gone', () => sp.peer('127.0.0.5') === undefined);
    await settle();
    assert.deepEqual(stale(engine), { '10.1.0.0/24': true, '10.1.1.0/24': true, '10.1.2.0/24': true });
    const c2 = await RawPeer.connect(sp.listenPort!, '127.0.0.5');
    socks.push(c2);
    await c2.handshake();
    await until('back', () => sp.peer('127.0.0.5')?.state === 'Established');
    assert.equal(engine.peers.all().length, 1, 'the same peer index, no second one');
    for (const m of packAnnouncements(
      { origin: 0, asPath: [], nextHop: ip4('192.0.2.5'), localPref: 100 },
      IPV4_UNICAST,
      [parsePrefix(P[2]!)!],
      CTX,
    ))
      c2.send(m);
    c2.send(endOfRib(IPV4_UNICAST));
    await until('End-of-RIB applied', () => engine.routes('ipv4-unicast').length === 1);
    assert.deepEqual(stale(engine), { '10.1.2.0/24': false });
  } finally {
    for (const s of socks) s.sock.destroy();
    engine.close();
    await sp.stop();
  }
});
