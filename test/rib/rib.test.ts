import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/bgp/messages/types';
import { ErrorCode, CeaseSubcode } from '../../src/bgp/messages/errors';
import { Rib, type RibOptions } from '../../src/rib/rib';
import { parsePrefix } from '../../src/rib/prefix-index';
import { attrs, ebgp, ibgp, ip, seq, setup } from './helpers';
import { nh } from '../helpers/addr';

function make(extra: Partial<RibOptions> = {}) {
  const { store, peers } = setup();
  const rib = new Rib({ family: IPV4_UNICAST, peers, attrs: store, ...extra });
  return { rib, store, peers };
}
const NET = ip('10.1.0.0');

test('announce then decide: one change with the best path', () => {
  const { rib, store, peers } = make();
  const a = peers.add(ibgp('10.0.0.2'));
  const set = store.intern(attrs({ localPref: 150 }));
  assert.equal(rib.announce4(a.index, NET, 24, 0, set), undefined);
  const ch = rib.decide();
  assert.equal(ch.length, 1);
  assert.equal(rib.prefixes.format(ch[0].prefix), '10.1.0.0/24');
  assert.equal(ch[0].best?.attrs, set);
  assert.equal(ch[0].bestChanged, true);
  assert.equal(rib.locRibSize, 1);
  assert.equal(store.refCount(set), 1);
  assert.deepEqual(rib.decide(), [], 'nothing dirty: nothing re-decided');
});

test('implicit withdraw (RFC 4271 3.1) replaces the path; same attrs is no change', () => {
  const { rib, store, peers } = make();
  const a = peers.add(ibgp('10.0.0.2'));
  const s1 = store.intern(attrs({ med: 1 }));
  const s2 = store.intern(attrs({ med: 2 }));
  rib.announce4(a.index, NET, 24, 0, s1);
  rib.decide();
  rib.announce4(a.index, NET, 24, 0, s1);
  assert.deepEqual(rib.decide(), []);
  rib.announce4(a.index, NET, 24, 0, s2);
  const ch = rib.decide();
  assert.equal(ch.length, 1);
  assert.equal(ch[0].best?.attrs, s2);
  assert.equal(rib.received(a.index), 1);
  assert.equal(store.refCount(s1), 0);
  assert.equal(store.size, 1, 'the unused set was forgotten');
});

test('withdraw: the next best takes over, then the prefix goes', () => {
  const { rib, store, peers } = make();
  const a = peers.add(ibgp('10.0.0.2'));
  const b = peers.add(ibgp('10.0.0.3'));
  rib.announce4(a.index, NET, 24, 0, store.intern(attrs({ localPref: 200 })));
  rib.announce4(b.index, NET, 24, 0, store.intern(attrs({ localPref: 100 })));
  assert.equal(rib.decide()[0].best?.peer, a);
  rib.withdraw4(a.index, NET, 24, 0);
  const ch = rib.decide();
  assert.equal(ch[0].best?.peer, b);
  assert.equal(ch[0].reason, 'only-path');
  rib.withdraw4(b.index, NET, 24, 0);
  rib.withdraw4(b.index, NET, 24, 0); // unknown: ignored
  const gone = rib.decide();
  assert.equal(gone.length, 1);
  assert.equal(gone[0].best, undefined);
  assert.equal(rib.locRibSize, 0);
  rib.decide();
  assert.equal(rib.prefixes.size, 0, 'prefix ids recycled');
  assert.equal(store.size, 0);
});

test('a non-best change reports bestChanged=false', () => {
  const { rib, store, peers } = make();
  const a = peers.add(ibgp('10.0.0.2'));
  const b = peers.add(ibgp('10.0.0.3'));
  rib.announce4(a.index, NET, 24, 0, store.intern(attrs({ localPref: 200 })));
  rib.decide();
  rib.announce4(b.index, NET, 24, 0, store.intern(attrs({ localPref: 100 })));
  const ch = rib.decide();
  assert.equal(ch[0].best?.peer, a);
  assert.equal(ch[0].bestChanged, false);
});

test('session down without GR: every path of the peer goes, prefixes re-decided', () => {
  const { rib, store, peers } = make();
  const a = peers.add(ibgp('10.0.0.2'));
  const b = peers.add(ibgp('10.0.0.3'));
  const s = store.intern(attrs());
  for (let i = 0; i < 100; i++) rib.announce4(a.index, NET + i * 256, 24, 0, s);
  rib.announce4(b.index, NET, 24, 0, s);
  rib.decide();
  rib.peerDown(a.index);
  const ch = rib.decide();
  assert.equal(ch.length, 100);
  assert.equal(ch.filter((c) => c.best === undefined).length, 99);
  assert.equal(ch.find((c) => c.best)?.best?.peer, b);
  assert.equal(rib.received(a.index), 0);
});

test('GR helper (RFC 4724 4.2): stale kept, re-announced refreshed, EoR drops the rest', () => {
  const { rib, store, peers } = make();
  const a = peers.add(ibgp('10.0.0.2'));
  const s = store.intern(attrs());
  for (let i = 0; i < 3; i++) rib.announce4(a.index, NET + i * 256, 24, 0, s);
  rib.decide();
  rib.peerDown(a.index, true);
  assert.deepEqual(rib.decide(), [], 'stale paths stay in use');
  assert.equal(rib.routesOf(rib.prefixes.find4(NET, 24))[0].stale, true);
  rib.announce4(a.index, NET, 24, 0, s); // the restarted peer re-sends one
  assert.equal(rib.routesOf(rib.prefixes.find4(NET, 24))[0].stale, false);
  assert.equal(rib.endOfRib(a.index), 2);
  const ch = rib.decide();
  assert.equal(ch.filter((c) => c.best === undefined).length, 2);
  assert.equal(rib.locRibSize, 1);
});

test('GR restart timer expiry drops stale paths', () => {
  const { rib, store, peers } = make();
  const a = peers.add(ibgp('10.0.0.2'));
  rib.announce4(a.index, NET, 24, 0, store.intern(attrs()));
  rib.decide();
  rib.peerDown(a.index, true);
  assert.equal(rib.staleExpired(a.index), 1);
  assert.equal(rib.decide()[0].best, undefined);
});

test('route refresh in (RFC 7313): markStale + re-announce + endOfRib', () => {
  const { rib, store, peers } = make();
  const a = peers.add(ibgp('10.0.0.2'));
  const s1 = store.intern(attrs({ med: 1 }));
  const s2 = store.intern(attrs({ med: 5 }));
  rib.announce4(a.index, NET, 24, 0, s1);
  rib.announce4(a.index, NET + 256, 24, 0, s1);
  rib.decide();
  rib.markStale(a.index);
  rib.announce4(a.index, NET, 24, 0, s2);
  rib.endOfRib(a.index);
  const ch = rib.decide();
  assert.equal(ch.length, 2);
  assert.equal(ch.find((c) => c.best)?.best?.attrs, s2);
});

test('max-prefix: RFC 4486 Cease subcode 1 with AFI/SAFI/limit, path not stored', () => {
  const { rib, store, peers } = make();
  const a = peers.add(ebgp('10.0.0.9', 64512, { maxPrefixes: 2 }));
  const s = store.intern(attrs());
  assert.equal(rib.announce4(a.index, NET, 24, 0, s), undefined);
  assert.equal(rib.announce4(a.index, NET + 256, 24, 0, s), undefined);
  assert.equal(rib.announce4(a.index, NET, 24, 0, s), undefined, 'replacing does not count');
  const err = rib.announce4(a.index, NET + 512, 24, 0, s);
  assert.ok(err);
  assert.equal(err.code, ErrorCode.Cease);
  assert.equal(err.subcode, CeaseSubcode.MaxPrefixesReached);
  assert.deepEqual(Array.from(err.data), [0, 1, 1, 0, 0, 0, 2]);
  assert.equal(rib.received(a.index), 2);
  assert.equal(rib.prefixes.size, 2);
});

test('ADD-PATH receive: one peer, two path ids, both kept; rankedOf orders them', () => {
  const { rib, store, peers } = make();
  const a = peers.add(ibgp('10.0.0.2'));
  rib.announce4(a.index, NET, 24, 1, store.intern(attrs({ localPref: 100 })));
  rib.announce4(a.index, NET, 24, 2, store.intern(attrs({ localPref: 300 })));
  const ch = rib.decide();
  assert.equal(ch[0].best?.pathId, 2);
  const id = rib.prefixes.find4(NET, 24);
  assert.deepEqual(
    rib.rankedOf(id, 5).map((r) => r.pathId),
    [2, 1],
  );
  rib.withdraw4(a.index, NET, 24, 2);
  assert.equal(rib.decide()[0].best?.pathId, 1);
});

test('import filter: a dropped announcement implicitly withdraws the old path', () => {
  const { store, peers } = make();
  const rib = new Rib({
    family: IPV4_UNICAST,
    peers,
    attrs: store,
    importFilter: (_p, _ix, _id, a) => (a.med === 666 ? undefined : a),
  });
  const a = peers.add(ibgp('10.0.0.2'));
  rib.announce4(a.index, NET, 24, 0, store.intern(attrs()));
  rib.decide();
  rib.announce4(a.index, NET, 24, 0, store.intern(attrs({ med: 666 })));
  assert.equal(rib.decide()[0].best, undefined);
  rib.announce4(a.index, NET + 256, 24, 0, store.intern(attrs({ med: 666 })));
  rib.decide();
  // Refused paths are remembered (contract 3 `received`) until the peer withdraws them.
  assert.equal(rib.rejectedCount(a.index), 2);
  assert.equal(rib.prefixes.size, 2);
  rib.withdraw4(a.index, NET, 24, 0);
  rib.withdraw4(a.index, NET + 256, 24, 0);
  rib.decide();
  assert.equal(rib.rejectedCount(a.index), 0);
  assert.equal(rib.prefixes.size, 0);
});

test('decide() in bounded batches; igp resolver feeds 9.1.2.2 (e)', () => {
  const { store, peers } = make();
  const rib = new Rib({ family: IPV4_UNICAST, peers, attrs: store, igpCost: (nh) => (nh === '192.0.2.9' ? 1 : 10) });
  const a = peers.add(ibgp('10.0.0.2'));
  const b = peers.add(ibgp('10.0.0.3'));
  for (let i = 0; i < 10; i++) {
    rib.announce4(a.index, NET + i * 256, 24, 0, store.intern(attrs()));
    rib.announce4(b.index, NET + i * 256, 24, 0, store.intern(attrs({ nextHop: nh('192.0.2.9') })));
  }
  assert.equal(rib.decide(4).length, 4);
  assert.equal(rib.pendingDecisions, 6);
  const rest = rib.decide(100);
  assert.equal(rest.length, 6);
  assert.ok(rest.every((c) => c.best?.peer === b && c.reason === 'igp-cost'));
});

test('IPv6 family', () => {
  const { store, peers } = setup();
  const rib = new Rib({ family: IPV6_UNICAST, peers, attrs: store });
  const a = peers.add(ibgp('10.0.0.2'));
  const p = parsePrefix('2001:db8:1::/48', IPV6_UNICAST)!;
  rib.announce(a.index, p.words, p.len, 0, store.intern(attrs({ nextHop: nh('2001:db8::1') })));
  const ch = rib.decide();
  assert.equal(rib.prefixes.format(ch[0].prefix), '2001:db8:1::/48');
  rib.withdraw(a.index, p.words, p.len, 0);
  assert.equal(rib.decide()[0].best, undefined);
});

test('eBGP path preferred over iBGP copy of the same route (AS path equal)', () => {
  const { rib, store, peers } = make();
  const i = peers.add(ibgp('10.0.0.2'));
  const e = peers.add(ebgp('10.0.0.9', 64512));
  rib.announce4(i.index, NET, 24, 0, store.intern(attrs({ asPath: seq(64512) })));
  rib.announce4(e.index, NET, 24, 0, store.intern(attrs({ asPath: seq(64512) })));
  const ch = rib.decide();
  assert.equal(ch[0].best?.peer, e);
  assert.equal(ch[0].reason, 'ebgp-over-ibgp');
});

test('a filtered set is not kept; a forgotten set passed again is re-interned', () => {
  const { store, peers } = setup();
  const rib = new Rib({
    family: IPV4_UNICAST,
    peers,
    attrs: store,
    importFilter: (_p, ix, id, a) => (ix.len(id) === 25 ? undefined : a),
  });
  const a = peers.add(ibgp('10.0.0.2'));
  const s = store.intern(attrs({ med: 3 }));
  rib.announce4(a.index, NET, 25, 0, s); // a /25: filtered
  assert.equal(store.size, 0, 'not kept');
  rib.announce4(a.index, NET + 256, 24, 0, s); // same object, since forgotten
  assert.equal(store.size, 1);
  const held = rib.decide()[0].best!.attrs;
  assert.equal(held.med, 3);
  assert.equal(store.refCount(held), 1);
});

test('RFC 4271 9.1.2.1: an unresolvable next hop (cost Infinity) is not feasible; redecideAll', () => {
  const { store, peers } = setup();
  const costs = new Map<string, number>([
    ['192.0.2.1', 5],
    ['192.0.2.2', Infinity],
  ]);
  const rib = new Rib({ family: IPV4_UNICAST, peers, attrs: store, igpCost: (nh) => costs.get(nh) });
  const a = peers.add(ibgp('10.0.0.2'));
  const b = peers.add(ibgp('10.0.0.3'));
  rib.announce4(a.index, NET, 24, 0, store.intern(attrs({ nextHop: nh('192.0.2.1') })));
  rib.announce4(b.index, NET, 24, 0, store.intern(attrs({ nextHop: nh('192.0.2.2'), localPref: 500 })));
  assert.equal(rib.decide()[0].best?.peer, a, 'the better path is unreachable');
  costs.set('192.0.2.1', Infinity);
  rib.redecideAll();
  assert.equal(rib.decide()[0].best, undefined, 'nothing reachable: out of the Loc-RIB');
  costs.set('192.0.2.2', 1);
  rib.redecideAll();
  assert.equal(rib.decide()[0].best?.peer, b);
  assert.equal(rib.routesOf(rib.prefixes.find4(NET, 24)).length, 2, 'paths stay in the Adj-RIB-In');
});

test('host bits are ignored (RFC 4271 4.3); a bad length is a BgpError, never a crash', () => {
  const { rib, store, peers } = make();
  const a = peers.add(ibgp('10.0.0.2'));
  rib.announce4(a.index, ip('10.1.0.77'), 24, 0, store.intern(attrs()));
  assert.equal(rib.prefixes.format(rib.decide()[0].prefix), '10.1.0.0/24');
  rib.withdraw4(a.index, ip('10.1.0.99'), 24, 0);
  assert.equal(rib.decide()[0].best, undefined);
  const err = rib.announce4(a.index, NET, 33, 0, store.intern(attrs()));
  assert.equal(err?.code, ErrorCode.UpdateMessage);
  assert.equal(rib.announce(a.index, [1], 24, 0, store.intern(attrs()))?.code, undefined);
  assert.equal(rib.announce(a.index, [NET], -1, 0, store.intern(attrs()))?.code, ErrorCode.UpdateMessage);
  rib.withdraw4(a.index, NET, 99, 0);
  const v6 = new Rib({ family: IPV6_UNICAST, peers, attrs: store });
  assert.equal(
    v6.announce(a.index, [1, 2], 64, 0, store.intern(attrs()))?.code,
    ErrorCode.UpdateMessage,
    'too few words',
  );
});

test('ECMP through the Rib: multipath in the change event, updated when a member path goes', () => {
  const { store, peers } = setup();
  const rib = new Rib({ family: IPV4_UNICAST, peers, attrs: store, multipath: true, igpCost: () => 10 });
  const a = peers.add(ibgp('10.0.0.2'));
  const b = peers.add(ibgp('10.0.0.3'));
  const c = peers.add(ibgp('10.0.0.4'));
  rib.announce4(a.index, NET, 24, 0, store.intern(attrs({ asPath: seq(1), nextHop: nh('192.0.2.2') })));
  rib.announce4(b.index, NET, 24, 0, store.intern(attrs({ asPath: seq(2), nextHop: nh('192.0.2.3') })));
  rib.announce4(c.index, NET, 24, 0, store.intern(attrs({ asPath: seq(3, 4), nextHop: nh('192.0.2.4') })));
  const ch = rib.decide()[0]!;
  assert.deepEqual(ch.multipath!.map((r) => r.peer.address).sort(), ['10.0.0.2', '10.0.0.3']);
  rib.withdraw4(b.index, NET, 24, 0);
  assert.deepEqual(
    rib.decide()[0]!.multipath!.map((r) => r.peer.address),
    ['10.0.0.2'],
  );
});

test('a best path replaced twice before decide() is a change even when its set id is reused', () => {
  const { rib, store, peers } = make();
  const a = peers.add(ebgp('10.0.0.9', 64512));
  const ann = (med: number) => rib.announce4(a.index, NET, 24, 0, store.intern(attrs({ med, asPath: seq(64512) })));
  ann(1);
  const first = rib.decide()[0].best!.attrs;
  ann(2);
  ann(0); // the med 1 set is gone: the store hands its id to this one
  const ch = rib.decide();
  assert.equal(ch.length, 1);
  assert.equal(ch[0].best?.attrs.med, 0);
  assert.equal(ch[0].best?.attrs.id, first.id, 'the id was reused (else this test proves nothing)');
  assert.equal(ch[0].bestChanged, true);
});

test('a refused path sent again and kept keeps its prefix id (the refusal held its only reference)', () => {
  const { rib, store, peers } = make({ importFilter: (_peer, _ix, _prefix, a) => (a.med === 1 ? undefined : a) });
  const a = peers.add(ibgp('10.0.0.2'));
  rib.announce4(a.index, NET, 24, 0, store.intern(attrs({ med: 1 })));
  assert.equal(rib.rejectedCount(a.index), 1);
  rib.announce4(a.index, NET, 24, 0, store.intern(attrs({ med: 2 })));
  const ch = rib.decide();
  assert.equal(ch.length, 1);
  assert.equal(rib.prefixes.format(ch[0].prefix), '10.1.0.0/24');
  assert.equal(ch[0].best?.attrs.med, 2);
  assert.equal(rib.bestOf(rib.prefixes.find4(NET, 24))?.attrs.med, 2);
  assert.equal(rib.rejectedCount(a.index), 0);
});

// The Adj-RIB-In has no per-peer table: a peer's path is found on the prefix's path chain by
// (peer, path ID), and a peer's paths by a scan of the path slots (rib.ts).
test('paths of several peers and path IDs on one chain: each (peer, path ID) is its own path', () => {
  const { rib, store, peers } = make();
  const a = peers.add(ibgp('10.0.0.2'));
  const b = peers.add(ibgp('10.0.0.3'));
  const c = peers.add(ibgp('10.0.0.4'));
  const s = [1, 2, 3, 4].map((med) => store.intern(attrs({ med })));
  for (let i = 0; i < 50; i++) {
    rib.announce4(a.index, NET + i * 256, 24, 0, s[0]!);
    rib.announce4(b.index, NET + i * 256, 24, 0, s[1]!);
    // c speaks ADD-PATH (RFC 7911): path IDs 0, 1 and 2 of the same prefix are three paths.
    for (const id of [0, 1, 2]) rib.announce4(c.index, NET + i * 256, 24, id, s[2]!);
  }
  rib.decide();
  assert.deepEqual(
    [a, b, c].map((p) => rib.received(p.index)),
    [50, 50, 150],
  );
  const id0 = rib.prefixes.find4(NET, 24);
  assert.equal(rib.routesOf(id0).length, 5);
  rib.withdraw4(c.index, NET, 24, 1);
  rib.withdraw4(c.index, NET, 24, 7); // never sent: ignored
  rib.announce4(b.index, NET, 24, 0, s[3]!); // implicit withdraw of b's own path only
  rib.decide();
  const key = (r: { peer: { index: number }; pathId: number; attrs: { id: number } }) =>
    `${r.peer.index}/${r.pathId}/${r.attrs.id}`;
  assert.deepEqual(
    rib.routesOf(id0).map(key).sort(),
    [
      `${a.index}/0/${s[0]!.id}`,
      `${b.index}/0/${s[3]!.id}`,
      `${c.index}/0/${s[2]!.id}`,
      `${c.index}/2/${s[2]!.id}`,
    ].sort(),
  );
  assert.equal(rib.received(c.index), 149);
  // b goes down: its slots are freed, then reused by a's new paths; a later scan for b must
  // find none of them, and c's down must leave a's paths alone.
  rib.peerDown(b.index);
  rib.decide();
  for (let i = 50; i < 100; i++) rib.announce4(a.index, NET + i * 256, 24, 0, s[0]!);
  rib.decide();
  rib.peerDown(b.index);
  rib.peerDown(c.index);
  rib.decide();
  assert.deepEqual(
    [a, b, c].map((p) => rib.received(p.index)),
    [100, 0, 0],
  );
  assert.equal(rib.paths.size, 100);
  for (let i = 0; i < 100; i++) {
    assert.deepEqual(rib.routesOf(rib.prefixes.find4(NET + i * 256, 24)).map(key), [`${a.index}/0/${s[0]!.id}`]);
  }
});

test('a best path replaced, then re-announced unchanged before decide(), is still a change', () => {
  const { rib, store, peers } = make();
  const a = peers.add(ibgp('10.0.0.2'));
  const s1 = store.intern(attrs({ med: 1 }));
  const s2 = store.intern(attrs({ med: 2 }));
  rib.announce4(a.index, NET, 24, 0, s1);
  rib.decide();
  rib.announce4(a.index, NET, 24, 0, s2);
  rib.announce4(a.index, NET, 24, 0, s2); // same attributes again: must not hide the first change
  const ch = rib.decide();
  assert.equal(ch.length, 1);
  assert.equal(ch[0]!.bestChanged, true);
  assert.equal(ch[0]!.best?.attrs, s2);
  rib.announce4(a.index, NET, 24, 0, s2);
  assert.deepEqual(rib.decide(), [], 'and the flag is gone once decided');
});
