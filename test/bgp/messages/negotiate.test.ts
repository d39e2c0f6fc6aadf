import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codecContextFor, negotiateSession, openFamilies } from '../../../src/bgp/messages/negotiate';
import { makeOpen } from '../../../src/bgp/messages/open';
import { CapabilityCode, type Capability, type AddPathMode } from '../../../src/bgp/messages/capabilities';
import { BgpError, OpenSubcode } from '../../../src/bgp/messages/errors';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../../src/bgp/messages/types';

const mp = (afi: number, safi = 1): Capability => ({
  kind: 'multiprotocol',
  code: CapabilityCode.Multiprotocol,
  afi,
  safi,
});
const as4 = (asn: number): Capability => ({ kind: 'four-octet-as', code: CapabilityCode.FourOctetAs, asn });
const ext: Capability = { kind: 'extended-message', code: CapabilityCode.ExtendedMessage };
const rr: Capability = { kind: 'route-refresh', code: CapabilityCode.RouteRefresh };
const err: Capability = { kind: 'enhanced-route-refresh', code: CapabilityCode.EnhancedRouteRefresh };
const addPath = (...fams: [number, number][]): Capability => ({
  kind: 'add-path',
  code: CapabilityCode.AddPath,
  families: fams.map(([afi, sr]) => ({ afi, safi: 1, sendReceive: sr as AddPathMode })),
});
const open = (caps: Capability[], holdTime = 90, asn = 65000) =>
  makeOpen({ asn, holdTime, bgpId: 1, capabilities: caps });

test('codecContextFor: 4-octet AS and extended messages need both sides (RFC 6793 4, RFC 8654 3)', () => {
  const both = codecContextFor(open([as4(65000), ext]), open([as4(65000), ext]));
  assert.equal(both.fourOctetAs, true);
  assert.equal(both.extendedMessage, true);
  const one = codecContextFor(open([as4(65000), ext]), open([]));
  assert.equal(one.fourOctetAs, false);
  assert.equal(one.extendedMessage, false);
  assert.equal(codecContextFor(open([]), open([as4(1), ext])).fourOctetAs, false);
});

test('codecContextFor: ADD-PATH per direction = sender sends (2|3) and receiver receives (1|3) (RFC 7911 4)', () => {
  const a = open([addPath([1, 2], [2, 3])]); // sends IPv4; sends+receives IPv6
  const b = open([addPath([1, 1], [2, 1])]); // receives both
  assert.deepEqual([...codecContextFor(a, b).addPath], [IPV4_UNICAST, IPV6_UNICAST]);
  assert.deepEqual([...codecContextFor(b, a).addPath], []); // b sends nothing
  const c = open([addPath([1, 3], [2, 2])]);
  assert.deepEqual([...codecContextFor(a, c).addPath], [IPV4_UNICAST]); // c receives IPv4 only
  assert.deepEqual([...codecContextFor(c, a).addPath], [IPV6_UNICAST]); // a receives IPv6 only
  assert.deepEqual([...codecContextFor(open([]), open([addPath([1, 3])])).addPath], []);
});

test('openFamilies: multiprotocol capabilities, or IPv4 unicast when there are none (RFC 4760 8)', () => {
  assert.deepEqual(openFamilies(open([])), [IPV4_UNICAST]);
  assert.deepEqual(openFamilies(open([mp(2), mp(1), mp(2)])), [IPV6_UNICAST, IPV4_UNICAST]);
});

test('negotiateSession: hold time is the smaller, keepalive a third; 0 disables both (RFC 4271 4.2, 10)', () => {
  const s = negotiateSession(open([], 90), open([], 30));
  assert.equal(s.holdTime, 30);
  assert.equal(s.keepaliveTime, 10);
  const z = negotiateSession(open([], 90), open([], 0));
  assert.equal(z.holdTime, 0);
  assert.equal(z.keepaliveTime, 0);
  assert.equal(negotiateSession(open([], 3), open([], 240)).keepaliveTime, 1);
  assert.throws(
    () => negotiateSession(open([], 2), open([], 90)),
    (e) => e instanceof BgpError && e.subcode === OpenSubcode.UnacceptableHoldTime,
  );
});

test('negotiateSession: common families, refresh options, contexts per direction, peer restart caps', () => {
  const gr: Capability = {
    kind: 'graceful-restart',
    code: CapabilityCode.GracefulRestart,
    flags: 8,
    restartTime: 120,
    families: [{ afi: 1, safi: 1, flags: 0x80 }],
  };
  const llgr: Capability = {
    kind: 'long-lived-graceful-restart',
    code: CapabilityCode.LongLivedGracefulRestart,
    families: [{ afi: 1, safi: 1, flags: 0, staleTime: 86400 }],
  };
  const local = open([mp(1), mp(2), rr, err, as4(65000), ext, addPath([1, 3])]);
  const remote = open([mp(2), rr, as4(4200000001), addPath([1, 1]), gr, llgr], 60, 4200000001);
  const s = negotiateSession(local, remote);
  assert.equal(s.peerAs, 4200000001);
  assert.deepEqual(s.families, [IPV6_UNICAST]);
  assert.equal(s.routeRefresh, true);
  assert.equal(s.enhancedRouteRefresh, false);
  assert.equal(s.fourOctetAs, true);
  assert.equal(s.extendedMessage, false);
  assert.deepEqual(s.gracefulRestart, gr);
  assert.deepEqual(s.longLivedGracefulRestart, llgr);
  assert.deepEqual([...s.tx.addPath], [IPV4_UNICAST]); // we send, they receive
  assert.deepEqual([...s.rx.addPath], []); // they do not send
  assert.ok(Object.isFrozen(s.rx));
  const plain = negotiateSession(open([]), open([mp(1)]));
  assert.deepEqual(plain.families, [IPV4_UNICAST]);
  assert.equal(plain.routeRefresh, false);
  assert.equal(plain.gracefulRestart, undefined);
  assert.equal('gracefulRestart' in plain, false);
});

test('capabilityName: IANA names, a fallback for the rest', async () => {
  const { capabilityName } = await import('../../../src/bgp/messages/capabilities');
  assert.equal(capabilityName(65), 'four-octet-as');
  assert.equal(capabilityName(9), 'bgp-role');
  assert.equal(capabilityName(128), 'route-refresh-cisco');
  assert.equal(capabilityName(200), 'capability-200');
});
