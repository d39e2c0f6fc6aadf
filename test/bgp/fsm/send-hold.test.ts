// RFC 9687 send hold timer: the FSM's Event 29 (pure), the shell's timer on a fake clock, and
// a real socket whose peer keeps the session up but stops reading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { DEFAULT_SEND_HOLD_MIN_MS, SendHoldTimer, sendHoldMs, step, TimerWheel, type Peer } from '../../../src/bgp/fsm';
import { IPV4_UNICAST, KEEPALIVE_BYTES } from '../../../src/bgp/messages';
import { FakeClock, fmtAll, parked } from './helpers';
import { sessionEvents } from '../../helpers/sessions';
import { rawOpen } from '../../helpers/bgp-clients';
import { listeningSpeaker } from '../../helpers/speakers';

test('Established, SendHoldTimer_Expires (Event 29): NOTIFICATION 8/0, routes down, TCP dropped -> Idle', () => {
  const r = step(parked('Established'), { type: 'SendHoldTimer_Expires' }, 100_000);
  assert.equal(r.state.state, 'Idle');
  assert.equal(r.state.connectRetryCounter, 3);
  assert.deepEqual(fmtAll(r.actions), [
    'notify:8/0/',
    'stop:hold',
    'stop:keepalive',
    'down:SendHoldTimer_Expires',
    'release',
    'drop',
    'start:idleHold:5000~',
  ]);
});

test('send hold time: RFC 9687 default max(8 minutes, 2 x hold time), or as configured', () => {
  assert.equal(DEFAULT_SEND_HOLD_MIN_MS, 480_000);
  assert.equal(sendHoldMs(90_000), 480_000);
  assert.equal(sendHoldMs(0), 480_000, 'hold time 0 still gets the timer');
  assert.equal(sendHoldMs(300_000), 600_000);
  assert.equal(sendHoldMs(90_000, 2), 2000);
});

test('SendHoldTimer on a fake clock: expires only when output stayed queued for the whole time', () => {
  const clock = new FakeClock();
  const wheel = new TimerWheel({ clock, resolutionMs: 100 });
  let pending = false;
  let expired = 0;
  const t = new SendHoldTimer(
    wheel,
    () => pending,
    () => expired++,
  );
  t.start(1000);
  clock.advance(5000);
  assert.equal(expired, 0, 'nothing queued: idle, not stuck (re-armed)');
  assert.ok(t.running);
  pending = true; // a write backs up at t=5000; the last arming was at 5000 (re-arm)
  clock.advance(500);
  t.progress(); // the socket drained part of it at t=5500: the peer reads
  clock.advance(900);
  assert.equal(expired, 0, 'progress restarted the timer');
  clock.advance(200);
  assert.equal(expired, 1, 'no progress for 1000 ms with output queued');
  assert.ok(!t.running);
  t.start(1000);
  t.stop();
  clock.advance(5000);
  assert.equal(expired, 1, 'stopped (session down): never fires');
  wheel.close();
});

test('a peer that stops reading is dropped with Send Hold Timer Expired (real sockets)', {
  timeout: 30_000,
}, async () => {
  const sp = listeningSpeaker();
  let raw: net.Socket | undefined;
  try {
    await sp.start();
    // Hold time 0: no KEEPALIVEs either way, so only the send hold timer can end the session.
    const peer: Peer = sp.addPeer({
      address: '127.0.0.81',
      port: 179,
      asn: 65000,
      passive: true,
      holdTime: 0,
      connectRetryTime: 2,
      families: [IPV4_UNICAST],
      routeReflectorClient: false,
      sendHoldTime: 1,
    });
    const down = new Promise<string>((r) => sessionEvents(peer).once('down', (reason: string) => r(reason)));
    // The raw peer answers the handshake and never reads a byte.
    raw = net.connect({ host: '127.0.0.1', port: sp.listenPort!, localAddress: '127.0.0.81' });
    raw.on('error', () => undefined);
    raw.pause();
    await new Promise((r) => raw!.once('connect', r));
    raw.write(rawOpen(0x0a000051, 0));
    raw.write(KEEPALIVE_BYTES);
    const t0 = Date.now();
    while (peer.state !== 'Established') {
      if (Date.now() - t0 > 10_000) throw new Error('not Established');
      await new Promise((r) => setTimeout(r, 20));
    }
    // Fill the pipe with End-of-RIB UPDATEs (23 octets each) until it stays full; bounded.
    const eor = Buffer.from('ffffffffffffffffffffffffffffffff0017020000000000', 'hex').subarray(0, 23);
    const chunk = Buffer.concat(Array.from({ length: 2800 }, () => eor));
    let sent = 0;
    const fill = () => {
      while (sent < 512 * 1024 * 1024 && peer.state === 'Established') {
        sent += chunk.length;
        if (!peer.write(chunk)) return; // wait for 'drain'
      }
    };
    sessionEvents(peer).on('drain', fill);
    fill();
    const reason = await down;
    assert.equal(reason.split(':')[0], 'SendHoldTimer_Expires');
    assert.match(String(peer.status().lastError), /^sent Send Hold Timer Expired/);
    assert.ok(sent < 512 * 1024 * 1024, 'the pipe filled before the bound');
  } finally {
    raw?.destroy();
    await sp.stop();
  }
});
