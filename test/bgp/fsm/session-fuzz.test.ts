// Nothing a peer sends may crash the process: random bytes before the OPEN, and random
// well-framed messages after the session is Established, from a configured source. Each
// connection must end with the Speaker still serving (bounded: 150 + 150 connections).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { KEEPALIVE_BYTES } from '../../../src/bgp/messages';
import { prng } from '../messages/fixture-rows';
import { sessionEvents } from '../../helpers/sessions';
import { rawOpen } from '../../helpers/bgp-clients';
import { listeningSpeaker, passivePeer } from '../../helpers/speakers';

// Deterministic PRNG (mulberry32) so a failure can be replayed from its seed.
const rng = prng;

const OPEN = rawOpen(0x0a000007, 90);

function frame(r: () => number): Uint8Array {
  const bodyLen = Math.floor(r() * 120);
  const b = new Uint8Array(19 + bodyLen).fill(0xff, 0, 16);
  b[16] = (b.length >> 8) & 0xff;
  b[17] = b.length & 0xff;
  b[18] = 1 + Math.floor(r() * 5);
  for (let i = 19; i < b.length; i++) b[i] = Math.floor(r() * 256);
  if (r() < 0.1) b[17] ^= 1 << Math.floor(r() * 8); // sometimes a lying length
  return b;
}

/** Send `parts`, then wait for the server to close or 300 ms, whichever first. */
function session(port: number, parts: Uint8Array[]): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.7' }, () => {
      for (const p of parts) s.write(p);
    });
    s.on('data', () => undefined);
    s.on('error', () => undefined);
    const t = setTimeout(() => s.destroy(), 300);
    s.on('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

test('random input from a configured peer never crashes the speaker', async () => {
  const sp = listeningSpeaker();
  try {
    await sp.start();
    const peer = sp.addPeer(passivePeer('127.0.0.7'));
    const r = rng(4271);
    for (let i = 0; i < 150; i++) {
      const junk = new Uint8Array(1 + Math.floor(r() * 200)).map(() => Math.floor(r() * 256));
      await session(sp.listenPort!, [junk]);
    }
    for (let i = 0; i < 150; i++) {
      await session(sp.listenPort!, [OPEN, KEEPALIVE_BYTES, frame(r), frame(r), frame(r)]);
    }
    // Still serving: a well-behaved connection reaches Established.
    const ok = new Promise<void>((resolve) => sessionEvents(peer).once('established', () => resolve()));
    const s = net.connect({ host: '127.0.0.1', port: sp.listenPort!, localAddress: '127.0.0.7' }, () => {
      s.write(OPEN);
      s.write(KEEPALIVE_BYTES);
    });
    s.on('data', () => undefined);
    s.on('error', () => undefined);
    await ok;
    assert.equal(peer.state, 'Established');
    s.destroy();
  } finally {
    await sp.stop();
  }
});
