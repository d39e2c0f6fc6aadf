import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressSortKey, PeerTable } from '../../src/rib/peer';
import { IPV4_UNICAST } from '../../src/bgp/messages/types';
import { Rib } from '../../src/rib/rib';
import { attrs, ibgp, ip, setup } from './helpers';

test('peer table: dense indexes reused after remove; iBGP from the AS numbers', () => {
  const t = new PeerTable();
  const a = t.add(ibgp('10.0.0.2'));
  const b = t.add({ address: '10.0.0.3', asn: 64512, localAsn: 65000, routerId: 3 });
  assert.deepEqual([a.index, b.index, a.ibgp, b.ibgp], [0, 1, true, false]);
  t.remove(a.index);
  assert.throws(() => t.get(a.index), RangeError);
  assert.equal(t.add(ibgp('10.0.0.4')).index, 0);
  assert.equal(t.update(1, { address: '10.0.0.3', asn: 64512, localAsn: 65000, routerId: 9 }).routerId, 9);
  assert.equal(t.all().length, 2);
});

test('address sort keys order numerically, IPv4 before IPv6', () => {
  const sorted = ['10.0.0.10', '10.0.0.9', '2001:db8::1', '2001:db8::', '::1', '9.255.255.255'].sort((x, y) =>
    addressSortKey(x) < addressSortKey(y) ? -1 : 1,
  );
  assert.deepEqual(sorted, ['9.255.255.255', '10.0.0.9', '10.0.0.10', '::1', '2001:db8::', '2001:db8::1']);
});

test('Rib.findText for the HTTP API', () => {
  const { store, peers } = setup();
  const rib = new Rib({ family: IPV4_UNICAST, peers, attrs: store });
  const p = peers.add(ibgp('10.0.0.2'));
  rib.announce4(p.index, ip('10.1.0.0'), 16, 0, store.intern(attrs()));
  rib.decide();
  assert.equal(rib.bestOf(rib.findText('10.1.0.0/16'))?.peer, p);
  assert.equal(rib.findText('10.2.0.0/16'), -1);
  assert.equal(rib.findText('bogus'), -1);
});

test('queries with an unknown id (-1) answer empty, never loop or throw', () => {
  const { store, peers } = setup();
  const rib = new Rib({ family: IPV4_UNICAST, peers, attrs: store });
  assert.equal(rib.bestOf(-1), undefined);
  assert.deepEqual(rib.routesOf(-1), []);
  assert.deepEqual(rib.rankedOf(-1, 3), []);
  assert.deepEqual(rib.routesOf(1e9), []);
});
