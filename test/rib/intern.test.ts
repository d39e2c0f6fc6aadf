// AttributeInterner: one shared frozen object per distinct attribute set, byte-compare on
// hash collision, references and id reuse; internKey drops per-message MP NLRI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttributeInterner, hashBytes, internKey } from '../../src/rib/intern';
import { packAnnouncements } from '../../src/bgp/messages/builder';
import { decodeUpdate, decodeAttributes } from '../../src/bgp/messages/update';
import { type Prefix } from '../../src/bgp/messages/prefix';
import { parseIpv6 } from '../../src/net';
import { DEFAULT_CONTEXT, IPV6_UNICAST } from '../../src/bgp/messages/types';

test('intern: equal bytes share one frozen value, parsed once; copies, not views, are kept', () => {
  let parses = 0;
  const it = new AttributeInterner((b) => { parses++; return { n: b.length }; });
  const frame = Uint8Array.of(9, 1, 2, 3, 9);
  const a = it.intern(frame.subarray(1, 4));
  const b = it.intern(Uint8Array.of(1, 2, 3));
  assert.equal(a, b);
  assert.equal(parses, 1);
  assert.ok(Object.isFrozen(a.value));
  assert.notEqual(a.bytes.buffer, frame.buffer);
  frame[1] = 7; // the received frame is reused: the interned set must not change
  assert.deepEqual([...a.bytes], [1, 2, 3]);
  assert.notEqual(it.intern(Uint8Array.of(1, 2, 4)), a);
  assert.equal(it.size, 2);
});

test('intern: hash collisions are resolved by comparing bytes', () => {
  // A real 32-bit collision of hashBytes, found by a birthday search over 8-octet inputs.
  const x = new Uint8Array(Buffer.from('0000eff1bcd5cea1', 'hex'));
  const y = new Uint8Array(Buffer.from('000119490264fc79', 'hex'));
  assert.equal(hashBytes(x), hashBytes(y));
  const it = new AttributeInterner((b) => b.length);
  const ex = it.intern(x);
  const ey = it.intern(y);
  assert.notEqual(ex, ey);
  assert.equal(it.intern(x), ex);
  assert.equal(it.intern(y), ey);
  it.release(ex); it.release(ex);
  assert.equal(it.intern(y), ey); // the chain survives removing its other member
  assert.equal(it.size, 1);
});

test('intern: release at zero references forgets the set and reuses its id', () => {
  const it = new AttributeInterner(() => ({}));
  const a = it.intern(Uint8Array.of(1));
  it.retain(a);
  assert.equal(it.refs(a), 2);
  it.release(a);
  assert.equal(it.get(a.id), a);
  it.release(a);
  assert.equal(it.get(a.id), undefined);
  assert.equal(it.size, 0);
  const b = it.intern(Uint8Array.of(2));
  assert.equal(b.id, a.id);
  assert.notEqual(it.intern(Uint8Array.of(1)), a); // a new entry, parsed again
});

test('internKey: IPv6 UPDATEs with the same path but different NLRI intern to one set', () => {
  const nh = parseIpv6('2001:db8::1')!;
  const attrs = { origin: 0, asPath: [], localPref: 100,
    mpReach: { afi: 2, safi: 1, nextHop: nh, nlri: { afi: 2, safi: 1, addPath: false, bytes: new Uint8Array(0), count: 0 } } };
  const ps: Prefix[] = Array.from({ length: 1200 }, (_, i) => {
    const a = new Uint8Array(16); a[0] = 0x20; a[1] = 1; a[2] = i >>> 8; a[3] = i; return { afi: 2, addr: a, len: 32 };
  });
  const msgs = packAnnouncements(attrs, IPV6_UNICAST, ps, DEFAULT_CONTEXT);
  assert.ok(msgs.length >= 2);
  const it = new AttributeInterner((b) => decodeAttributes(b, 0, b.length, DEFAULT_CONTEXT).attrs);
  const sets = new Set(msgs.map((m) => it.intern(internKey(decodeUpdate(m, DEFAULT_CONTEXT).attrBytes))));
  assert.equal(sets.size, 1);
  // The key is a valid attribute field: decoding it gives the path with an empty NLRI.
  const shared = [...sets][0]!;
  assert.equal(decodeAttributes(shared.bytes, 0, shared.bytes.length, DEFAULT_CONTEXT).errors.length, 0);
  assert.deepEqual([...shared.value.mpReach!.nextHop], [...nh]);
  assert.equal(shared.value.mpReach!.nlri.count, 0);
  assert.equal(shared.value.localPref, 100);
  const other = { ...attrs, mpReach: { ...attrs.mpReach, nextHop: parseIpv6('2001:db8::2')! } };
  const m2 = packAnnouncements(other, IPV6_UNICAST, ps.slice(0, 1), DEFAULT_CONTEXT)[0]!;
  assert.notEqual(it.intern(internKey(decodeUpdate(m2, DEFAULT_CONTEXT).attrBytes)), [...sets][0]);
  // An IPv4-only field is its own key (no copy).
  const v4 = Uint8Array.of(0x40, 1, 1, 0);
  assert.equal(internKey(v4), v4);
});
