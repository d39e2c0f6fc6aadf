// Every timer value validation lets through is one the FSM accepts (a refused one would
// throw later, from a timer or a watch callback), and keepaliveTime 0 means what RFC 4271
// 4.4 says: no KEEPALIVEs, so hold time 0. Checked across hold x keepalive combinations for
// both ways in: the daemon config file and BGPPeer resources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFsm, negotiateHoldTime } from '../../src/bgp/fsm';
import { validateConfig, ConfigError } from '../../src/config';
import { validateResource, ResourceError } from '../../src/datastore';
import { datastorePeerToSession, neighborToSession } from '../../src/routing';

const HOLDS = [undefined, 0, 3, 9, 90, 65535];
const KEEPALIVES = [undefined, 0, 1, 2, 3, 8, 9, 30, 89, 90, 21845];

function fsmOf(s: { holdTime: number; keepaliveTime?: number; connectRetryTime: number }): void {
  createFsm({
    localAs: 65000,
    holdTime: s.holdTime,
    keepaliveTime: s.keepaliveTime,
    connectRetryTime: s.connectRetryTime,
  });
}

test('config file neighbors: every accepted holdTime/keepaliveTime pair makes a valid FSM; the others name the field', () => {
  let accepted = 0;
  for (const holdTime of HOLDS) {
    for (const keepaliveTime of KEEPALIVES) {
      const n: Record<string, unknown> = { address: '10.0.0.2', asn: 65000 };
      if (holdTime !== undefined) n.holdTime = holdTime;
      if (keepaliveTime !== undefined) n.keepaliveTime = keepaliveTime;
      let cfg: ReturnType<typeof validateConfig>;
      try {
        cfg = validateConfig({ routerId: '10.0.0.1', asn: 65000, neighbors: [n] });
      } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        assert.match((e as Error).message, /neighbors\[0\]\.keepaliveTime/);
        continue;
      }
      accepted++;
      const s = neighborToSession(cfg.neighbors[0]!);
      assert.doesNotThrow(() => fsmOf(s), `holdTime ${holdTime} keepaliveTime ${keepaliveTime}`);
      if (keepaliveTime === 0) assert.equal(s.holdTime, 0, 'keepaliveTime 0 offers hold time 0');
    }
  }
  assert.ok(accepted > 20);
});

test('BGPPeer resources: every accepted holdTime/keepaliveTime pair makes a valid FSM; the others name the field', () => {
  let accepted = 0;
  for (const holdTime of HOLDS) {
    for (const keepaliveTime of KEEPALIVES) {
      const spec: Record<string, unknown> = { peerIP: '10.0.0.2', asNumber: 65000 };
      if (holdTime !== undefined) spec.holdTime = holdTime;
      if (keepaliveTime !== undefined) spec.keepaliveTime = keepaliveTime;
      let r: ReturnType<typeof validateResource>;
      try {
        r = validateResource({ apiVersion: 'vroute/v1', kind: 'BGPPeer', metadata: { name: 'p' }, spec });
      } catch (e) {
        assert.ok(e instanceof ResourceError, String(e));
        assert.match((e as Error).message, /^BGPPeer p: spec\.keepaliveTime: /);
        continue;
      }
      accepted++;
      const s = r.spec as { holdTime?: number; keepaliveTime?: number };
      const session = datastorePeerToSession({
        peerIP: '10.0.0.2',
        asNumber: 65000,
        source: 'bgppeer/p',
        routeReflectorClient: false,
        passive: false,
        ...s,
      });
      assert.doesNotThrow(() => fsmOf(session), `holdTime ${holdTime} keepaliveTime ${keepaliveTime}`);
      if (keepaliveTime === 0) assert.equal(session.holdTime, 0, 'keepaliveTime 0 offers hold time 0');
    }
  }
  assert.ok(accepted > 20);
});

test('negotiation: hold time 0 on either side means neither KEEPALIVEs nor a hold timer (RFC 4271 4.2, 4.4)', () => {
  assert.deepEqual(negotiateHoldTime(0, 90, 0), { holdTimeMs: 0, keepaliveMs: 0 });
  assert.deepEqual(negotiateHoldTime(90, 0, 30), { holdTimeMs: 0, keepaliveMs: 0 });
  assert.deepEqual(negotiateHoldTime(90, 9, 30), { holdTimeMs: 9000, keepaliveMs: 3000 });
  assert.deepEqual(negotiateHoldTime(90, 90, 10), { holdTimeMs: 90000, keepaliveMs: 10000 });
  assert.throws(
    () => createFsm({ holdTime: 90, keepaliveTime: 0 }),
    /keepaliveTime: of 0 \(no KEEPALIVEs\) needs holdTime 0/,
  );
  assert.doesNotThrow(() => createFsm({ holdTime: 0, keepaliveTime: 0 }));
});
