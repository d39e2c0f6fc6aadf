// One test per error rule of the UPDATE decoder and validator, named by the section that
// sets it (RFC 7606 revising RFC 4271 6.3; RFC 6793, 5065, 8092 for their attributes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytes, MARKER } from './fixture-rows';
import { decodeUpdate, type UpdateMessage } from '../../../src/bgp/messages/update';
import { encodeAttributes } from '../../../src/bgp/messages/attributes/table';
import { validateUpdate, type SessionView } from '../../../src/bgp/messages/validate-update';
import { BgpError, UpdateSubcode, type ErrorAction } from '../../../src/bgp/messages/errors';
import { DEFAULT_CONTEXT, IPV6_UNICAST, type CodecContext } from '../../../src/bgp/messages/types';

const ORIGIN = '40010100';
const AS_PATH = '4002040201fde8'; // AS_SEQUENCE [65000]
const NEXT_HOP = '4003040a000001';
const BASE = ORIGIN + AS_PATH + NEXT_HOP;
const NLRI = '180a0000';
const FOUR: CodecContext = { ...DEFAULT_CONTEXT, fourOctetAs: true };

function frame(attrs: string, nlri = NLRI, withdrawn = ''): Uint8Array {
  const a = attrs.replace(/\s+/g, '');
  const len = 19 + 4 + withdrawn.length / 2 + a.length / 2 + nlri.length / 2;
  const h = (n: number): string => n.toString(16).padStart(4, '0');
  return bytes(`${MARKER}${h(len)}02${h(withdrawn.length / 2)}${withdrawn}${h(a.length / 2)}${a}${nlri}`);
}

function decoded(attrs: string, ctx: CodecContext = DEFAULT_CONTEXT, nlri = NLRI): UpdateMessage {
  return decodeUpdate(frame(attrs, nlri), ctx);
}

function expectAction(u: UpdateMessage, action: ErrorAction, subcode?: UpdateSubcode): BgpError {
  assert.equal(u.action, action, u.errors.map((e) => e.message).join('; '));
  const e = u.errors.find((x) => x.action === action)!;
  if (subcode !== undefined) assert.equal(e.subcode, subcode);
  assert.equal(e.code, 3);
  return e;
}

function expectReset(f: () => unknown, subcode: UpdateSubcode): void {
  assert.throws(
    f,
    (e: unknown) => e instanceof BgpError && e.action === 'session-reset' && e.code === 3 && e.subcode === subcode,
  );
}

// --- Decoder (syntax) ---

test('RFC 7606 3 (c): Optional/Transitive flags in conflict -> treat-as-withdraw, Attribute Flags Error', () => {
  const u = decoded('c0010100' + AS_PATH + NEXT_HOP);
  const e = expectAction(u, 'treat-as-withdraw', UpdateSubcode.AttributeFlagsError);
  assert.equal(Buffer.from(e.data).toString('hex'), 'c0010100'); // RFC 4271 6.3: the attribute as data
});

test('RFC 4271 4.3 / RFC 7606 3 (c): Partial bit on a well-known attribute -> treat-as-withdraw', () => {
  expectAction(decoded('60010100' + AS_PATH + NEXT_HOP), 'treat-as-withdraw', UpdateSubcode.AttributeFlagsError);
});

test('RFC 7606 3 (g): a repeated attribute other than MP_* is discarded, the first kept', () => {
  const u = decoded(BASE + '40010102');
  assert.equal(u.action, 'attribute-discard');
  assert.equal(u.attributes.origin, 0);
});

test('RFC 7606 3 (g): a repeated MP_REACH_NLRI resets the session', () => {
  const mp = '800e0b000101040a00000100080a'; // afi 1 safi 1, nh 10.0.0.1, NLRI 10.0.0.0/8
  expectReset(() => decoded(BASE + mp + mp), UpdateSubcode.MalformedAttributeList);
});

test('RFC 7606 3 (g): a repeated MP_UNREACH_NLRI resets the session', () => {
  const mp = '800f03000201';
  expectReset(() => decoded(mp + mp, DEFAULT_CONTEXT, ''), UpdateSubcode.MalformedAttributeList);
});

test('RFC 7606 4: an attribute length running past the attributes -> treat-as-withdraw', () => {
  expectAction(decoded(ORIGIN + AS_PATH + '4003050a000001'), 'treat-as-withdraw', UpdateSubcode.AttributeLengthError);
});

test('RFC 7606 4: an attribute header cut by the Total Path Attribute Length -> treat-as-withdraw', () => {
  expectAction(decoded(BASE + '4001'), 'treat-as-withdraw', UpdateSubcode.AttributeLengthError);
  expectAction(decoded(BASE + '50'), 'treat-as-withdraw', UpdateSubcode.AttributeLengthError);
});

test('RFC 4271 6.3: an unrecognized well-known attribute resets the session', () => {
  expectReset(() => decoded(BASE + '406301ff'), UpdateSubcode.UnrecognizedWellKnownAttribute);
});

test('RFC 4271 5: unrecognized optional non-transitive attributes are quietly ignored', () => {
  const u = decoded(BASE + '806301ff');
  assert.equal(u.errors.length, 0);
  assert.equal(u.attributes.unknown, undefined);
});

test('RFC 4271 5: unrecognized optional transitive attributes are kept, and Partial is set when passed on', () => {
  const u = decoded(BASE + 'c06301ff');
  assert.deepEqual(u.attributes.unknown, [{ type: 99, flags: 0xc0, value: Uint8Array.of(0xff) }]);
  const sent = encodeAttributes(u.attributes, DEFAULT_CONTEXT, { propagate: true });
  assert.equal(Buffer.from(sent.subarray(sent.length - 4)).toString('hex'), 'e06301ff');
  const mirror = encodeAttributes(u.attributes, DEFAULT_CONTEXT);
  assert.equal(Buffer.from(mirror.subarray(mirror.length - 4)).toString('hex'), 'c06301ff');
});

test('RFC 7606 7.1: ORIGIN of bad length or value -> treat-as-withdraw', () => {
  expectAction(decoded('4001020000' + AS_PATH + NEXT_HOP), 'treat-as-withdraw', UpdateSubcode.InvalidOriginAttribute);
  expectAction(decoded('40010103' + AS_PATH + NEXT_HOP), 'treat-as-withdraw', UpdateSubcode.InvalidOriginAttribute);
});

test('RFC 7606 7.2: malformed AS_PATH (segment type, zero-length segment, overrun) -> treat-as-withdraw', () => {
  for (const p of ['4002040501fde8', '4002020200', '4002040202fde8', '40020102']) {
    expectAction(decoded(ORIGIN + p + NEXT_HOP), 'treat-as-withdraw', UpdateSubcode.MalformedAsPath);
  }
});

test('RFC 7606 7.3: NEXT_HOP not 4 octets -> treat-as-withdraw', () => {
  expectAction(decoded(ORIGIN + AS_PATH + '4003050a00000100'), 'treat-as-withdraw', UpdateSubcode.AttributeLengthError);
});

test('RFC 7606 7.4 / 7.5: MED or LOCAL_PREF not 4 octets -> treat-as-withdraw', () => {
  expectAction(decoded(BASE + '800403000064'), 'treat-as-withdraw');
  expectAction(decoded(BASE + '4005020064'), 'treat-as-withdraw');
});

test('RFC 7606 7.6: ATOMIC_AGGREGATE with a value -> attribute discard', () => {
  const u = decoded(BASE + '40060101');
  expectAction(u, 'attribute-discard');
  assert.equal(u.attributes.atomicAggregate, undefined);
});

test('RFC 7606 7.7: AGGREGATOR of the wrong length for the session -> attribute discard', () => {
  const u = decoded(BASE + 'c00708fde8ffff0a000001'); // 8 octets but a 2-octet session wants 6
  expectAction(u, 'attribute-discard');
  assert.equal(u.attributes.aggregator, undefined);
  assert.equal(decoded(BASE + 'c00708fde8ffff0a000001', FOUR).attributes.aggregator?.asn, 0xfde8ffff);
});

test('RFC 7606 7.8: COMMUNITIES not a multiple of 4 -> treat-as-withdraw', () => {
  expectAction(decoded(BASE + 'c00805fde8006400'), 'treat-as-withdraw');
});

test('RFC 7606 7.9 / 7.10: ORIGINATOR_ID not 4 octets, CLUSTER_LIST not a multiple of 4 -> treat-as-withdraw', () => {
  expectAction(decoded(BASE + '8009030a0000'), 'treat-as-withdraw');
  expectAction(decoded(BASE + '800a060a0000010a00'), 'treat-as-withdraw');
});

test('RFC 7606 7.14: EXTENDED_COMMUNITIES not a multiple of 8 -> treat-as-withdraw', () => {
  expectAction(decoded(BASE + 'c010070002fde8000000'), 'treat-as-withdraw');
});

test('RFC 8092 6: LARGE_COMMUNITY not a multiple of 12 -> treat-as-withdraw', () => {
  expectAction(decoded(BASE + 'c0200d' + '00'.repeat(13)), 'treat-as-withdraw');
});

test('RFC 6793 6: malformed AS4_PATH (confederation segment) or AS4_AGGREGATOR -> attribute discard', () => {
  const u = decoded(BASE + 'c01106030100000001');
  expectAction(u, 'attribute-discard');
  assert.equal(u.attributes.as4Path, undefined);
  const v = decoded(BASE + 'c01206fde80a000001');
  expectAction(v, 'attribute-discard');
  assert.equal(v.attributes.as4Aggregator, undefined);
});

test('RFC 7606 7.11: MP_REACH_NLRI too short to frame resets the session', () => {
  expectReset(() => decoded(BASE + '800e03000201'), UpdateSubcode.OptionalAttributeError);
});

test('RFC 7606 7.11: MP_REACH_NLRI next hop running past the attribute resets the session', () => {
  expectReset(() => decoded(BASE + '800e0600020110aaaa'), UpdateSubcode.OptionalAttributeError);
});

test('RFC 7606 7.11: MP_REACH_NLRI next hop of an unexpected length -> treat-as-withdraw (NLRI still found)', () => {
  const u = decoded(ORIGIN + AS_PATH + '800e0e00020104aabbccdd002020010db8', DEFAULT_CONTEXT, '');
  expectAction(u, 'treat-as-withdraw');
  assert.equal(u.attributes.mpReach?.nlri.count, 1);
});

test('RFC 7606 5.3: invalid prefix inside MP_REACH_NLRI -> AFI/SAFI disable, not a crash', () => {
  const nh = '20010db8000000000000000000000001';
  expectAction(decoded(ORIGIN + AS_PATH + `800e1800020110${nh}00812001`, DEFAULT_CONTEXT, ''), 'afi-safi-disable');
});

test('RFC 7606 5.3: MP_UNREACH_NLRI with a prefix overrun -> AFI/SAFI disable; too short -> reset', () => {
  expectAction(decoded('800f0500020140aa', DEFAULT_CONTEXT, ''), 'afi-safi-disable');
  expectReset(() => decoded('800f020002', DEFAULT_CONTEXT, ''), UpdateSubcode.OptionalAttributeError);
});

test('RFC 7606 5.3 / RFC 4271 6.3: invalid prefix length or overrun in the UPDATE NLRI resets (Invalid Network Field)', () => {
  expectReset(() => decoded(BASE, DEFAULT_CONTEXT, '210a000000'), UpdateSubcode.InvalidNetworkField);
  expectReset(() => decoded(BASE, DEFAULT_CONTEXT, '180a00'), UpdateSubcode.InvalidNetworkField);
  expectReset(() => decodeUpdate(frame(BASE, NLRI, '21aabbccdd'), DEFAULT_CONTEXT), UpdateSubcode.InvalidNetworkField);
});

test('RFC 7911 3: ADD-PATH NLRI cut inside the path identifier resets the session', () => {
  const ctx: CodecContext = { ...DEFAULT_CONTEXT, addPath: new Set([0x101]) };
  expectReset(() => decoded(BASE, ctx, '000000'), UpdateSubcode.InvalidNetworkField);
});

test('RFC 4271 6.3: Withdrawn Routes Length or Total Attribute Length too large -> Malformed Attribute List', () => {
  expectReset(
    () => decodeUpdate(bytes(`${MARKER}0018 02 0005 00`.replace(/ /g, '')), DEFAULT_CONTEXT),
    UpdateSubcode.MalformedAttributeList,
  );
  expectReset(
    () => decodeUpdate(bytes(`${MARKER}0019 02 0000 0010 00`.replace(/ /g, '')), DEFAULT_CONTEXT),
    UpdateSubcode.MalformedAttributeList,
  );
  expectReset(
    () => decodeUpdate(bytes(`${MARKER}0016 02 0000 00`.replace(/ /g, '')), DEFAULT_CONTEXT),
    UpdateSubcode.MalformedAttributeList,
  );
});

test('RFC 7606 3: when several errors apply the strongest action wins', () => {
  const u = decoded(BASE + '40060101' + 'c00805fde8006400'); // attribute-discard + treat-as-withdraw
  assert.equal(u.errors.length, 2);
  assert.equal(u.action, 'treat-as-withdraw');
});

test('RFC 4724 2: a message with errors is never taken for End-of-RIB', () => {
  const u = decodeUpdate(frame('40060101', ''), DEFAULT_CONTEXT);
  assert.equal(u.endOfRib, undefined);
  assert.equal(decodeUpdate(frame('', ''), DEFAULT_CONTEXT).endOfRib, 0x101);
  assert.equal(decodeUpdate(frame('900f0003000201', ''), DEFAULT_CONTEXT).endOfRib, IPV6_UNICAST);
});

// --- Validator (session rules) ---

const IBGP: SessionView = { ebgp: false, peerAs: 65000 };
const EBGP: SessionView = { ebgp: true, peerAs: 65000 };

test('RFC 7606 3 (d): missing ORIGIN, AS_PATH or NEXT_HOP -> treat-as-withdraw, Missing Well-known Attribute', () => {
  for (const [attrs, type] of [
    [AS_PATH + NEXT_HOP, 1],
    [ORIGIN + NEXT_HOP, 2],
    [ORIGIN + AS_PATH, 3],
  ] as const) {
    const v = validateUpdate(decoded(attrs), EBGP);
    assert.equal(v.action, 'treat-as-withdraw');
    const e = v.errors.find((x) => x.subcode === UpdateSubcode.MissingWellKnownAttribute)!;
    assert.deepEqual([...e.data], [type]); // RFC 4271 6.3: the missing type code as data
  }
});

test('RFC 4760 3: NEXT_HOP is not required when only MP_REACH_NLRI announces', () => {
  const nh = '20010db8000000000000000000000001';
  const u = decoded(ORIGIN + AS_PATH + `800e1c00020110${nh}003020010db80001`, DEFAULT_CONTEXT, '');
  assert.equal(u.action, undefined, u.errors.map((e) => e.message).join());
  assert.equal(validateUpdate(u, EBGP).action, undefined);
});

test('RFC 7606 3 (d): an UPDATE that only withdraws needs no attributes', () => {
  const u = decodeUpdate(frame('', '', '080a'), DEFAULT_CONTEXT);
  assert.equal(validateUpdate(u, IBGP).action, undefined);
});

test('RFC 7606 7.5: LOCAL_PREF missing on iBGP -> treat-as-withdraw; present on eBGP -> discarded', () => {
  assert.equal(validateUpdate(decoded(BASE), IBGP).action, 'treat-as-withdraw');
  assert.equal(validateUpdate(decoded(BASE + '40050400000064'), IBGP).action, undefined);
  const v = validateUpdate(decoded(BASE + '40050400000064'), EBGP);
  assert.equal(v.action, 'attribute-discard');
  assert.equal(v.attributes.localPref, undefined);
});

test('RFC 7606 7.9 / 7.10: ORIGINATOR_ID and CLUSTER_LIST from an eBGP peer are discarded', () => {
  const v = validateUpdate(decoded(BASE + '8009040a000002800a040a000003'), EBGP);
  assert.equal(v.action, 'attribute-discard');
  assert.equal(v.attributes.originatorId, undefined);
  assert.equal(v.attributes.clusterList, undefined);
  assert.equal(
    validateUpdate(decoded(BASE + '8009040a00000240050400000064'), IBGP).attributes.originatorId,
    0x0a000002,
  ); // 10.0.0.2
});

test('RFC 4271 6.3 / RFC 7606 7.2: eBGP AS_PATH must start with the peer AS -> treat-as-withdraw', () => {
  assert.equal(validateUpdate(decoded(BASE), EBGP).action, undefined);
  const other: SessionView = { ebgp: true, peerAs: 65001 };
  const v = validateUpdate(decoded(BASE), other);
  assert.equal(v.action, 'treat-as-withdraw');
  assert.equal(v.errors[0]!.subcode, UpdateSubcode.MalformedAsPath);
  assert.equal(validateUpdate(decoded(BASE), { ...other, enforceFirstAs: false }).action, undefined);
  // RFC 6793 4.2.2: a 2-octet session with a 4-octet peer AS shows AS_TRANS first.
  const trans = ORIGIN + '40020402015ba0' + NEXT_HOP;
  assert.equal(validateUpdate(decoded(trans), { ebgp: true, peerAs: 4200000001 }).action, undefined);
});

test('RFC 5065 5 / RFC 7606 7.2: AS_CONFED segments from a non-confederation eBGP peer -> treat-as-withdraw', () => {
  const confed = ORIGIN + '4002080301fde90201fde8' + NEXT_HOP;
  assert.equal(validateUpdate(decoded(confed), EBGP).action, 'treat-as-withdraw');
  assert.equal(validateUpdate(decoded(confed), { ...EBGP, confedPeer: true }).action, undefined);
});

test('RFC 6793 4.1: AS4_PATH and AS4_AGGREGATOR between 4-octet speakers are discarded', () => {
  const attrs = ORIGIN + '40020602010000fde8' + NEXT_HOP + 'c0110602010000fde8' + 'c012080000fde80a000001';
  const v = validateUpdate(decoded(attrs, FOUR), { ...EBGP, fourOctetAs: true });
  assert.equal(v.action, 'attribute-discard');
  assert.equal(v.attributes.as4Path, undefined);
  assert.equal(v.attributes.as4Aggregator, undefined);
});

test('RFC 4271 6.3: a NEXT_HOP no router can use (0.0.0.0, loopback, multicast) -> treat-as-withdraw', () => {
  for (const nh of ['00000000', '7f000001', 'e0000001']) {
    assert.equal(validateUpdate(decoded(ORIGIN + AS_PATH + '400304' + nh), EBGP).action, 'treat-as-withdraw');
  }
});
