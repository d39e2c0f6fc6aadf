// A peer that stops reading: write() reports the full socket buffer (false) after a bounded
// amount, and 'drain' follows once the peer reads again. The peer is a raw socket that
// speaks just enough BGP (OPEN, KEEPALIVEs) to stay Established.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { IPV4_UNICAST, KEEPALIVE_BYTES, packAnnouncements, parsePrefix, type Prefix } from '../../../src/bgp/messages';
import { sessionEvents } from '../../helpers/sessions';
import { ip4 } from '../../helpers/addr';
import { rawOpen } from '../../helpers/bgp-clients';
import { listeningSpeaker, passivePeer } from '../../helpers/speakers';

async function until(what: string, pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('write() returns false when the peer stops reading; drain once it reads again', async () => {
  const sp = listeningSpeaker();
  let raw: net.Socket | undefined;
  let ka: NodeJS.Timeout | undefined;
  try {
    await sp.start();
    const peer = sp.addPeer(passivePeer('127.0.0.8'));
    raw = net.connect({ host: '127.0.0.1', port: sp.listenPort!, localAddress: '127.0.0.8' });
    raw.pause(); // never read until told: the kernel buffers fill up
    const r = raw;
    await new Promise((res) => r.once('connect', res));
    r.write(rawOpen(0x0a000008, 3));
    r.write(KEEPALIVE_BYTES);
    ka = setInterval(() => r.write(KEEPALIVE_BYTES), 1000);
    await until('Established', () => peer.state === 'Established');

    const [frame] = packAnnouncements(
      { origin: 0, asPath: [], nextHop: ip4('192.0.2.1'), localPref: 100 },
      IPV4_UNICAST,
      Array.from({ length: 200 }, (_, i) => parsePrefix(`10.${i >> 8}.${i & 255}.0/24`) as Prefix),
      peer.negotiated!.tx,
    );
    let written = 0;
    let ok = true;
    for (let i = 0; i < 100_000 && ok; i++) {
      ok = peer.write(frame!);
      written += frame!.length;
    }
    assert.equal(ok, false, 'socket buffer reported full');
    assert.ok(written < 64 * 1024 * 1024, `stopped after ${written} bytes`);
    console.log(`# write() false after ${written} bytes`);
    const drained = new Promise<void>((res) => sessionEvents(peer).once('drain', () => res()));
    r.resume();
    r.on('data', () => undefined);
    await drained;
    assert.equal(peer.state, 'Established');
  } finally {
    if (ka) clearInterval(ka);
    raw?.destroy();
    await sp.stop();
  }
});
