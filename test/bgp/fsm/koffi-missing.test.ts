// Where koffi cannot load (no prebuilt binary for this platform, a broken install), a peer
// with a password or ttlSecurity fails with that reason as its lastError (never connects
// unprotected), while peers that need no socket options are untouched. This file runs in its
// own process (node --test), so hiding koffi here affects nothing else.
import Module from 'node:module';
import { test } from 'node:test';
import assert from 'node:assert/strict';

const mod = Module as unknown as { _load(request: string, ...rest: unknown[]): unknown };
const load = mod._load;
mod._load = function (request: string, ...rest: unknown[]): unknown {
  if (request === 'koffi') throw new Error("Cannot find module 'koffi'");
  return load.call(this, request, ...rest);
};

// Imported after the hook (require order): src/sys loads koffi lazily, on first use.
const { Speaker } = require('../../../src/bgp/fsm') as typeof import('../../../src/bgp/fsm');
const { IPV4_UNICAST } = require('../../../src/bgp/messages') as typeof import('../../../src/bgp/messages');
const { silentLogger } =
  require('../../../src/observability/logger') as typeof import('../../../src/observability/logger');

const base = { asn: 65000, holdTime: 3, connectRetryTime: 1, families: [IPV4_UNICAST], routeReflectorClient: false };

async function until(what: string, pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('koffi missing: password / ttlSecurity peers fail with the reason; plain peers still come up', async () => {
  const a = new Speaker({
    asn: 65000,
    routerId: '10.0.0.1',
    listen: { address: '127.0.0.1', port: 0 },
    logger: silentLogger,
  });
  const b = new Speaker({ asn: 65000, routerId: '10.0.0.2', logger: silentLogger });
  const c = new Speaker({ asn: 65000, routerId: '10.0.0.3', logger: silentLogger });
  try {
    await a.start();
    // Passive with a password: its key cannot go on the listener.
    const keyed = a.addPeer({ ...base, address: '127.0.0.5', port: 179, passive: true, password: 'k' });
    assert.equal(
      keyed.status().lastError,
      "transport: cannot load koffi/libc for socket options: Cannot find module 'koffi'",
    );
    // Active with GTSM: the socket cannot be prepared, so no connect is attempted.
    const gtsm = b.addPeer({
      ...base,
      address: '127.0.0.1',
      port: a.listenPort!,
      passive: false,
      localAddress: '127.0.0.6',
      ttlSecurity: 1,
    });
    await until("the GTSM peer's error", () => gtsm.status().lastError !== null);
    assert.equal(
      gtsm.status().lastError,
      "transport: cannot load koffi/libc for socket options: Cannot find module 'koffi'",
    );
    // A peer without those settings needs no koffi.
    const pa = a.addPeer({ ...base, address: '127.0.0.2', port: 179, passive: true });
    const pb = c.addPeer({
      ...base,
      address: '127.0.0.1',
      port: a.listenPort!,
      passive: false,
      localAddress: '127.0.0.2',
    });
    await until('the plain session Established', () => pa.state === 'Established' && pb.state === 'Established');
    assert.notEqual(gtsm.state, 'Established');
  } finally {
    await c.stop();
    await b.stop();
    await a.stop();
  }
});
