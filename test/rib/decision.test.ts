import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SegmentType } from '../../src/rib/attrs';
import { type Candidate, decide } from '../../src/rib/decision';
import { attrs, ebgp, ibgp, ip, seq, setup } from './helpers';

const { store, peers } = setup();
const pA = peers.add(ibgp('10.0.0.2'));
const pB = peers.add(ibgp('10.0.0.3'));
const pE = peers.add(ebgp('10.0.0.9', 64512));
const pE2 = peers.add(ebgp('10.0.0.8', 64513));

function c(peer = pA, over = {}, igpCost?: number): Candidate {
  return { peer, attrs: store.intern(attrs(over)), igpCost };
}

test('only one path: reason only-path', () => {
  const a = c();
  assert.deepEqual(decide([a]), { best: a, reason: 'only-path', multipath: undefined });
});

test('9.1.2.1: highest LOCAL_PREF, missing counts as 100', () => {
  const a = c(pA, { localPref: 200 });
  const b = c(pB, { localPref: 100 });
  assert.equal(decide([b, a]).best, a);
  assert.equal(decide([b, a]).reason, 'local-pref');
  const absent = c(pE, {});
  const low = c(pB, { localPref: 99 });
  assert.equal(decide([low, absent]).best, absent);
});

test('9.1.2.2 (a): shortest AS_PATH; AS_SET counts 1, confederation segments 0', () => {
  const long = c(pA, { asPath: seq(1, 2, 3) });
  const withSet = c(pB, { asPath: [...seq(1), { type: SegmentType.AsSet, asns: [7, 8, 9] }] });
  const d = decide([long, withSet]);
  assert.equal(d.best, withSet);
  assert.equal(d.reason, 'as-path-length');
  const confed = c(pA, { asPath: [{ type: SegmentType.ConfedSequence, asns: [1, 2, 3, 4] }, ...seq(5)] });
  const two = c(pB, { asPath: seq(5, 6) });
  assert.equal(decide([two, confed]).best, confed);
});

test('9.1.2.2 (b): lowest ORIGIN', () => {
  const igp = c(pB, { origin: 0 });
  const inc = c(pA, { origin: 2 });
  assert.deepEqual([decide([inc, igp]).best, decide([inc, igp]).reason], [igp, 'origin']);
});

test('9.1.2.2 (c): lowest MED only within the same neighbour AS; missing MED is 0', () => {
  const hi = c(pA, { asPath: seq(100), med: 50 });
  const lo = c(pB, { asPath: seq(100), med: 10 });
  assert.deepEqual([decide([hi, lo]).best, decide([hi, lo]).reason], [lo, 'med']);
  const none = c(pB, { asPath: seq(100) });
  assert.equal(decide([hi, none]).best, none);
  // Different neighbour AS: MED not compared, falls to router id (10.0.0.2 < 10.0.0.3).
  const otherAs = c(pB, { asPath: seq(200), med: 0 });
  const d = decide([hi, otherAs]);
  assert.equal(d.best, hi);
  assert.equal(d.reason, 'router-id');
  const always = decide([hi, otherAs], { alwaysCompareMed: true });
  assert.deepEqual([always.best, always.reason], [otherAs, 'med']);
});

test('9.1.2.2 (c) eliminates per neighbour AS (not pairwise tournament)', () => {
  // X (AS1, MED 10) beats Y (AS1, MED 20); Z (AS2) is not compared by MED with either.
  const x = c(pB, { asPath: seq(1), med: 10 }); // router id 10.0.0.3
  const y = c(pA, { asPath: seq(1), med: 20 }); // router id 10.0.0.2, eliminated at MED
  const z = c(pE2, { asPath: seq(2), med: 0, localPref: 100 }); // eBGP
  const d = decide([y, z, x]);
  assert.equal(d.best, z);
  assert.equal(d.reason, 'ebgp-over-ibgp');
});

test('9.1.2.2 (d): eBGP over iBGP', () => {
  const i = c(pA, { asPath: seq(64512) });
  const e = c(pE, { asPath: seq(64512) });
  assert.deepEqual([decide([i, e]).best, decide([i, e]).reason], [e, 'ebgp-over-ibgp']);
});

test('9.1.2.2 (e): lowest IGP cost when known for both', () => {
  const near = c(pB, {}, 5);
  const far = c(pA, {}, 20);
  assert.deepEqual([decide([far, near]).best, decide([far, near]).reason], [near, 'igp-cost']);
  const unknown = c(pB, {});
  assert.equal(decide([far, unknown]).reason, 'router-id');
});

test('9.1.2.2 (f) + RFC 4456 9: lowest BGP id, ORIGINATOR_ID standing in', () => {
  const a = c(pA, {}); // 10.0.0.2
  const b = c(pB, { originatorId: ip('10.0.0.1') });
  const d = decide([a, b]);
  assert.deepEqual([d.best, d.reason], [b, 'router-id']);
});

test('RFC 4456 9: shorter CLUSTER_LIST after the router id', () => {
  const a = c(pA, { originatorId: ip('1.1.1.1'), clusterList: [1, 2] });
  const b = c(pB, { originatorId: ip('1.1.1.1'), clusterList: [1] });
  assert.deepEqual([decide([a, b]).best, decide([a, b]).reason], [b, 'cluster-list']);
});

test('9.1.2.2 (g): lowest peer address last', () => {
  const p1 = peers.add(ibgp('10.0.0.20', { routerId: 7 }));
  const p2 = peers.add(ibgp('10.0.0.10', { routerId: 7 }));
  const a = c(p1, {});
  const b = c(p2, {});
  assert.deepEqual([decide([a, b]).best, decide([a, b]).reason], [b, 'peer-address']);
});

test('multipath: paths equal through the IGP step', () => {
  const a = c(pA, { asPath: seq(1) }, 10);
  const b = c(pB, { asPath: seq(2) }, 10);
  const worse = c(pE, { asPath: seq(3, 4) }, 1);
  const d = decide([a, b, worse], { multipath: true });
  assert.equal(d.best, a);
  assert.deepEqual(new Set(d.multipath), new Set([a, b]));
  const single = decide([a, c(pB, { asPath: seq(2) }, 11)], { multipath: true });
  assert.deepEqual(single.multipath, [a]);
});
