import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IPV4_UNICAST } from '../../src/bgp/messages/types';
import { community } from '../../src/rib/attrs';
import { chainFilters, Policy, PrefixList } from '../../src/rib/policy';
import { PrefixIndex, parsePrefix } from '../../src/rib/prefix-index';
import { Rib } from '../../src/rib/rib';
import { attrs, ibgp, setup } from './helpers';

const ix = new PrefixIndex(IPV4_UNICAST);
function id(text: string): number {
  const p = parsePrefix(text, IPV4_UNICAST)!;
  return ix.intern(p.words, p.len);
}

test('prefix list: exact match without ge/le', () => {
  const pl = new PrefixList(IPV4_UNICAST, [{ action: 'permit', prefix: '10.0.0.0/8' }]);
  assert.equal(pl.permits(ix, id('10.0.0.0/8')), true);
  assert.equal(pl.permits(ix, id('10.1.0.0/16')), false);
  assert.equal(pl.permits(ix, id('11.0.0.0/8')), false);
});

test('prefix list: ge/le ranges, first match wins, implicit deny', () => {
  const pl = new PrefixList(IPV4_UNICAST, [
    { action: 'deny', prefix: '10.66.0.0/16', le: 32 },
    { action: 'permit', prefix: '10.0.0.0/8', ge: 16, le: 24 },
    { action: 'permit', prefix: '192.168.0.0/16', ge: 30 },
  ]);
  assert.equal(pl.permits(ix, id('10.1.0.0/16')), true);
  assert.equal(pl.permits(ix, id('10.1.2.0/24')), true);
  assert.equal(pl.permits(ix, id('10.1.2.128/25')), false, 'longer than le');
  assert.equal(pl.permits(ix, id('10.0.0.0/8')), false, 'shorter than ge');
  assert.equal(pl.permits(ix, id('10.66.1.0/24')), false, 'deny entry first');
  assert.equal(pl.permits(ix, id('192.168.1.4/30')), true, 'ge alone: up to /32');
  assert.equal(pl.permits(ix, id('192.168.1.0/29')), false);
  assert.equal(pl.permits(ix, id('172.16.0.0/12')), false, 'no match: deny');
  assert.throws(() => new PrefixList(IPV4_UNICAST, [{ action: 'permit', prefix: '10.0.0.0/8', ge: 4 }]), RangeError);
});

test('policy: reject by prefix list, accept the rest', () => {
  const { store } = setup();
  const pol = new Policy(store, [
    {
      match: { prefixList: new PrefixList(IPV4_UNICAST, [{ action: 'permit', prefix: '0.0.0.0/0' }]) },
      action: 'reject',
    },
  ]);
  const a = store.intern(attrs());
  assert.equal(pol.apply(ix, id('0.0.0.0/0'), a), undefined);
  assert.equal(pol.apply(ix, id('10.0.0.0/8'), a), a, 'unchanged set returned as is');
});

test('policy: community match + set LOCAL_PREF interns a new set (cached)', () => {
  const { store } = setup();
  const pol = new Policy(store, [
    { match: { anyCommunity: [community(65000, 200)] }, action: 'accept', setLocalPref: 200 },
  ]);
  const tagged = store.intern(attrs({ communities: [community(65000, 200)] }));
  const plain = store.intern(attrs());
  const out = pol.apply(ix, id('10.0.0.0/8'), tagged)!;
  assert.notEqual(out, tagged);
  assert.equal(out.localPref, 200);
  assert.equal(tagged.localPref, undefined, 'input set untouched');
  assert.equal(pol.apply(ix, id('10.1.0.0/16'), tagged), out, 'same result object for the same input');
  assert.equal(pol.apply(ix, id('10.0.0.0/8'), plain), plain);
});

test('policy: community set / add / delete and MED, chained with next', () => {
  const { store } = setup();
  const c1 = community(1, 1);
  const c2 = community(2, 2);
  const c3 = community(3, 3);
  const a = store.intern(attrs({ communities: [c1, c2] }));
  const add = new Policy(store, [
    { action: 'next', addCommunities: [c3, c1] },
    { action: 'accept', deleteCommunities: [c2], setMed: 7 },
  ]);
  const out = add.apply(ix, id('10.0.0.0/8'), a)!;
  assert.deepEqual(out.communities, [c1, c3]);
  assert.equal(out.med, 7);
  const set = new Policy(store, [{ action: 'accept', setCommunities: [c3] }]);
  assert.deepEqual(set.apply(ix, id('10.0.0.0/8'), a)!.communities, [c3]);
  const del = new Policy(store, [{ action: 'accept', deleteCommunities: [c1, c2] }]);
  assert.equal(del.apply(ix, id('10.0.0.0/8'), a)!.communities, undefined);
});

test('policy default reject; as a Rib import filter chained with another', () => {
  const { store, peers } = setup();
  const only10 = new Policy(
    store,
    [
      {
        match: { prefixList: new PrefixList(IPV4_UNICAST, [{ action: 'permit', prefix: '10.0.0.0/8', le: 32 }]) },
        action: 'accept',
        setLocalPref: 50,
      },
    ],
    'reject',
  );
  const noMed9 = (_p: unknown, _ix: unknown, _id: unknown, a: ReturnType<typeof store.intern>) =>
    a.med === 9 ? undefined : a;
  const rib = new Rib({
    family: IPV4_UNICAST,
    peers,
    attrs: store,
    importFilter: chainFilters(noMed9, only10.asImportFilter()),
  });
  const p = peers.add(ibgp('10.0.0.2'));
  rib.announce4(p.index, 0x0a010000, 16, 0, store.intern(attrs()));
  rib.announce4(p.index, 0x0b010000, 16, 0, store.intern(attrs()));
  rib.announce4(p.index, 0x0a020000, 16, 0, store.intern(attrs({ med: 9 })));
  const ch = rib.decide();
  assert.equal(ch.length, 1);
  assert.equal(rib.prefixes.format(ch[0].prefix), '10.1.0.0/16');
  assert.equal(ch[0].best?.attrs.localPref, 50);
});
