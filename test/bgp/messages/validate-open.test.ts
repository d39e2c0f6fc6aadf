// Every RFC 4271 6.2 check of validateOpen, with the subcode and data it must give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeOpen, validateOpen, type OpenMessage, type OpenExpectations } from '../../../src/bgp/messages/open';
import { CapabilityCode, type Capability } from '../../../src/bgp/messages/capabilities';
import { BgpError, ErrorCode, OpenSubcode } from '../../../src/bgp/messages/errors';

const as4 = (asn: number): Capability => ({ kind: 'four-octet-as', code: CapabilityCode.FourOctetAs, asn });
const base = makeOpen({ asn: 65001, holdTime: 90, bgpId: 0x0a000002, capabilities: [as4(65001)] });
const EXPECT: OpenExpectations = { peerAs: 65001, localAs: 65001, localBgpId: 0x0a000001, minHoldTime: 3 };

function failure(o: OpenMessage, expect: OpenExpectations = EXPECT): BgpError {
  const e = validateOpen(o, expect);
  assert.ok(e instanceof BgpError, 'expected a BgpError');
  assert.equal(e.code, ErrorCode.OpenMessage);
  assert.equal(e.action, 'session-reset');
  return e;
}

test('validateOpen: a good OPEN passes', () => {
  assert.equal(validateOpen(base, EXPECT), undefined);
  assert.equal(validateOpen(base), undefined);
  assert.equal(validateOpen({ ...base, holdTime: 0 }, EXPECT), undefined); // 0: no keepalives
  assert.equal(validateOpen({ ...base, holdTime: 3 }, EXPECT), undefined);
});

test('validateOpen: version other than 4 -> Unsupported Version Number, data = 2-octet 4 (RFC 4271 6.2)', () => {
  for (const v of [0, 3, 5, 255]) {
    const e = failure({ ...base, version: v });
    assert.equal(e.subcode, OpenSubcode.UnsupportedVersionNumber);
    assert.deepEqual(e.data, Uint8Array.of(0, 4));
  }
});

test('validateOpen: unexpected peer AS -> Bad Peer AS (RFC 4271 6.2)', () => {
  const o = makeOpen({ asn: 65002, holdTime: 90, bgpId: 2, capabilities: [] });
  assert.equal(failure(o).subcode, OpenSubcode.BadPeerAs);
});

test('validateOpen: with the 4-octet capability the real AS comes from it (RFC 6793 4.1)', () => {
  const big = makeOpen({ asn: 4200000001, holdTime: 90, bgpId: 2, capabilities: [as4(4200000001)] });
  assert.equal(big.myAs, 23456);
  assert.equal(validateOpen(big, { peerAs: 4200000001, localAs: 65000, localBgpId: 1 }), undefined);
  // AS_TRANS in My AS is not compared with the configured AS.
  assert.equal(failure(big, { peerAs: 23456 }).subcode, OpenSubcode.BadPeerAs);
  // Without the capability, AS_TRANS is just the AS the peer claims.
  const trans = makeOpen({ asn: 23456, holdTime: 90, bgpId: 2, capabilities: [] });
  assert.equal(failure(trans, { peerAs: 4200000001 }).subcode, OpenSubcode.BadPeerAs);
  // My AS neither AS_TRANS nor the capability's AS contradicts it.
  assert.equal(failure({ ...big, myAs: 65001 }, { peerAs: 4200000001 }).subcode, OpenSubcode.BadPeerAs);
  // A 4-octet AS that fits 2 octets with My AS equal to it is fine.
  assert.equal(validateOpen(base, { peerAs: 65001 }), undefined);
});

test('validateOpen: peer AS 0 -> Bad Peer AS (RFC 7607 2)', () => {
  assert.equal(
    failure(makeOpen({ asn: 0, holdTime: 90, bgpId: 2, capabilities: [] }), {}).subcode,
    OpenSubcode.BadPeerAs,
  );
  assert.equal(failure({ ...base, capabilities: [as4(0)], myAs: 23456 }, {}).subcode, OpenSubcode.BadPeerAs);
});

test('validateOpen: hold time 1 or 2 -> Unacceptable Hold Time (RFC 4271 6.2)', () => {
  for (const h of [1, 2]) assert.equal(failure({ ...base, holdTime: h }, {}).subcode, OpenSubcode.UnacceptableHoldTime);
});

test('validateOpen: hold time below the configured minimum -> Unacceptable Hold Time (RFC 4271 4.2 MAY)', () => {
  assert.equal(failure({ ...base, holdTime: 9 }, { minHoldTime: 10 }).subcode, OpenSubcode.UnacceptableHoldTime);
  assert.equal(validateOpen({ ...base, holdTime: 10 }, { minHoldTime: 10 }), undefined);
});

test('validateOpen: BGP Identifier 0 -> Bad BGP Identifier (RFC 6286 2.2)', () => {
  assert.equal(failure({ ...base, bgpId: 0 }, {}).subcode, OpenSubcode.BadBgpIdentifier);
});

test('validateOpen: our own BGP Identifier from an iBGP peer -> Bad BGP Identifier; from eBGP allowed (RFC 6286 2.2)', () => {
  const same = { ...base, bgpId: 0x0a000001 };
  assert.equal(failure(same).subcode, OpenSubcode.BadBgpIdentifier);
  assert.equal(validateOpen(same, { peerAs: 65001, localAs: 65000, localBgpId: 0x0a000001 }), undefined);
  // Without localAs we cannot tell iBGP from eBGP and refuse.
  assert.equal(failure(same, { localBgpId: 0x0a000001 }).subcode, OpenSubcode.BadBgpIdentifier);
});

test('validateOpen: optional parameter type other than 2 -> Unsupported Optional Parameter (RFC 4271 6.2)', () => {
  const o: OpenMessage = { ...base, optionalParams: [...base.optionalParams, { type: 1, value: Uint8Array.of(1) }] };
  assert.equal(failure(o).subcode, OpenSubcode.UnsupportedOptionalParameter);
});

test('validateOpen: checks run in RFC 4271 6.2 order (version before AS before hold time)', () => {
  const bad = { ...base, version: 3, holdTime: 1, bgpId: 0 };
  assert.equal(failure(bad).subcode, OpenSubcode.UnsupportedVersionNumber);
  assert.equal(failure({ ...bad, version: 4, myAs: 1, capabilities: [] }).subcode, OpenSubcode.BadPeerAs);
  assert.equal(failure({ ...bad, version: 4 }).subcode, OpenSubcode.UnacceptableHoldTime);
});
