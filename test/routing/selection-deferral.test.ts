import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFamilyName } from '../../src/bgp/messages';
import { SelectionDeferral, type DeferralPeer } from '../../src/routing/selection-deferral';

const V4 = parseFamilyName('ipv4-unicast')!;
const V6 = parseFamilyName('ipv6-unicast')!;
const gr = (flags = 0) =>
  ({ kind: 'graceful-restart', code: 64, flags, restartTime: 120, families: [] }) as unknown as DeferralPeer['gr'];
const none = () => undefined;

test('RFC 4724 4.1: the deferral ends when every expected peer is up and sent End-of-RIB for each family', () => {
  const ended: string[] = [];
  const d = new SelectionDeferral(60_000, (why) => ended.push(why));
  d.expect(['192.0.2.1', '192.0.2.2'], none);
  d.observe('192.0.2.1', { live: true, families: [V4, V6], gr: gr(), endOfRib: new Set([V4]) });
  assert.deepEqual(ended, [], 'one family of the first peer still owed, the second peer not up');
  d.observe('192.0.2.1', { live: true, families: [V4, V6], gr: gr(), endOfRib: new Set([V4, V6]) });
  assert.deepEqual(ended, [], 'the second expected peer is not up');
  d.observe('192.0.2.2', { live: true, families: [V4], gr: gr(), endOfRib: new Set() });
  assert.deepEqual(ended, []);
  d.observe('192.0.2.9', { live: true, families: [V4], gr: gr(), endOfRib: new Set([V4]) });
  assert.deepEqual(ended, [], 'a peer that is not expected ends nothing');
  d.observe('192.0.2.2', { live: true, families: [V4], gr: gr(), endOfRib: new Set([V4]) });
  assert.deepEqual(ended, ['end-of-rib']);
  assert.equal(d.active, false);
});

test('RFC 4724 4.1: peers already done when expected are not waited for', () => {
  const peers = new Map<string, DeferralPeer>([
    ['192.0.2.1', { live: true, families: [V4], gr: gr(), endOfRib: new Set([V4]) }],
  ]);
  const ended: string[] = [];
  const d = new SelectionDeferral(60_000, (why) => ended.push(why));
  d.expect(['192.0.2.1'], (a) => peers.get(a));
  assert.deepEqual(ended, ['end-of-rib']);
});

test('RFC 4724 4.1: peers without graceful restart or with the Restart State bit are not waited for; the timer ends it', async () => {
  const peers = new Map<string, DeferralPeer>([
    ['192.0.2.1', { live: true, families: [V4], endOfRib: new Set() }],
    ['192.0.2.2', { live: true, families: [V4], gr: gr(0x8), endOfRib: new Set() }],
  ]);
  const ended: string[] = [];
  const d = new SelectionDeferral(60_000, (why) => ended.push(why));
  d.expect(['192.0.2.1', '192.0.2.2'], (a) => peers.get(a));
  assert.deepEqual(ended, ['end-of-rib']);
  const t: string[] = [];
  const down = new SelectionDeferral(30, (why) => t.push(why));
  down.expect(['192.0.2.9'], none);
  assert.equal(down.active, true, 'the expected peer is not up');
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(t, ['timer']);
});

test('RFC 4724 4.1: a complete answer with no peers ends the deferral at once; an incomplete one waits', () => {
  const ended: string[] = [];
  const d = new SelectionDeferral(60_000, (why) => ended.push(why));
  d.expect([], none);
  assert.deepEqual(ended, []);
  d.expect([], none, true);
  assert.deepEqual(ended, ['end-of-rib']);
});
