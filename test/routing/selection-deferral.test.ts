import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFamilyName } from '../../src/bgp/messages';
import { SelectionDeferral, type DeferralPeer } from '../../src/routing/selection-deferral';

const V4 = parseFamilyName('ipv4-unicast')!;
const V6 = parseFamilyName('ipv6-unicast')!;
const gr = (flags = 0) =>
  ({ kind: 'graceful-restart', code: 64, flags, restartTime: 120, families: [] }) as unknown as DeferralPeer['gr'];

test('RFC 4724 4.1: the deferral ends when every expected peer is up and sent End-of-RIB for each family', () => {
  const peers = new Map<string, DeferralPeer>();
  const ended: string[] = [];
  const d = new SelectionDeferral(
    60_000,
    (a) => peers.get(a),
    (why) => ended.push(why),
  );
  d.expect(['192.0.2.1', '192.0.2.2']);
  peers.set('192.0.2.1', { live: true, families: [V4, V6], gr: gr(), endOfRib: new Set([V4]) });
  d.check();
  assert.deepEqual(ended, [], 'one family of the first peer still owed, the second peer not up');
  peers.set('192.0.2.1', { live: true, families: [V4, V6], gr: gr(), endOfRib: new Set([V4, V6]) });
  d.check();
  assert.deepEqual(ended, [], 'the second expected peer is not up');
  peers.set('192.0.2.2', { live: true, families: [V4], gr: gr(), endOfRib: new Set() });
  d.check();
  assert.deepEqual(ended, []);
  peers.get('192.0.2.2')!.endOfRib = new Set([V4]);
  d.check();
  assert.deepEqual(ended, ['end-of-rib']);
  assert.equal(d.active, false);
});

test('RFC 4724 4.1: peers without graceful restart or with the Restart State bit are not waited for; the timer ends it', async () => {
  const peers = new Map<string, DeferralPeer>([
    ['192.0.2.1', { live: true, families: [V4], endOfRib: new Set() }],
    ['192.0.2.2', { live: true, families: [V4], gr: gr(0x8), endOfRib: new Set() }],
  ]);
  const ended: string[] = [];
  const d = new SelectionDeferral(
    60_000,
    (a) => peers.get(a),
    (why) => ended.push(why),
  );
  d.expect(['192.0.2.1', '192.0.2.2']);
  d.check();
  assert.deepEqual(ended, ['end-of-rib']);
  const t: string[] = [];
  const down = new SelectionDeferral(
    30,
    () => undefined,
    (why) => t.push(why),
  );
  down.expect(['192.0.2.9']);
  down.check();
  assert.equal(down.active, true, 'the expected peer is not up');
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(t, ['timer']);
});

test('RFC 4724 4.1: a complete answer with no peers ends the deferral at once; an incomplete one waits', () => {
  const ended: string[] = [];
  const d = new SelectionDeferral(
    60_000,
    () => undefined,
    (why) => ended.push(why),
  );
  d.expect([]);
  d.check();
  assert.deepEqual(ended, []);
  d.expect([], true);
  assert.deepEqual(ended, ['end-of-rib']);
});
