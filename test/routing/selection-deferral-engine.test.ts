// The engine's RFC 4724 4.1 deferral with many clients: each End-of-RIB is one look at its own
// session, not a scan of every session per expected peer (fake sessions, no sockets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionHandle } from '../../src/routing';
import { FakeSession, fakeEngine, grCap, settle } from './gr-fakes';

const N = 200;

test('RFC 4724 4.1: with 200 expected clients the deferral ends at the last End-of-RIB, each costing O(1) session lookups', async () => {
  const { engine } = fakeEngine({ selectionDeferralMs: 60_000 });
  let reads = 0;
  const sessions: FakeSession[] = [];
  const addresses: string[] = [];
  for (let i = 0; i < N; i++) {
    const address = `192.0.${2 + (i >> 8)}.${i & 255}`;
    addresses.push(address);
    const config: SessionHandle['config'] = {
      get address() {
        reads++;
        return address;
      },
      asn: 65000,
      routeReflectorClient: true,
    };
    const s = new FakeSession(config, 0x0a000000 + i);
    engine.attach(s);
    sessions.push(s);
  }
  try {
    engine.expectPeers(addresses, true);
    for (const s of sessions) s.up({ gracefulRestart: grCap(120) });
    await settle();
    for (const s of sessions) assert.deepEqual(s.take(), [], 'deferred: nothing sent before every End-of-RIB');
    reads = 0;
    for (const s of sessions.slice(0, -1)) s.eor();
    await settle();
    assert.ok(reads <= 4 * N, `End-of-RIB handling read session addresses ${reads} times for ${N} clients`);
    for (const s of sessions) assert.deepEqual(s.take(), [], 'one expected client still owes its End-of-RIB');
    sessions[N - 1].eor();
    await settle();
    for (const s of sessions) assert.deepEqual(s.take(), ['EoR'], 'the deferral is over: each client gets its table');
  } finally {
    engine.close();
  }
});
