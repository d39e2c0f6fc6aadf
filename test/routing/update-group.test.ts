import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type CodecContext, IPV4_UNICAST } from '../../src/bgp/messages/types';
import { Rib } from '../../src/rib/rib';
import { SimplePacker } from '../../src/routing/wire-encode';
import { receiveFilter } from '../../src/routing/rules';
import type { GroupOptions } from '../../src/routing/update-group';
import { UpdateGroups } from '../../src/routing/update-groups';
import type { AddPathSend, ExportSignature } from '../../src/routing/export';
import type { PeerRole } from '../../src/routing/rules';
import { attrs, ebgp, ibgp, ip, LOCAL_AS, seq, setup } from '../rib/helpers';
import { readUpdate } from './wire';
import { nh } from '../helpers/addr';

const RR = { asn: LOCAL_AS, routerId: ip('10.0.0.1'), clusterId: ip('10.0.0.1') };
const CTX: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set() };

function world(opts: GroupOptions = {}) {
  const { store, peers } = setup();
  const rib = new Rib({ family: IPV4_UNICAST, peers, attrs: store, importFilter: receiveFilter(RR, store) });
  const groups = new UpdateGroups(rib, store, RR, new SimplePacker(IPV4_UNICAST), opts);
  const flush = () => {
    for (let ch = rib.decide(); ch.length > 0; ch = rib.decide()) groups.apply(ch);
  };
  const sig = (role: PeerRole, addPath: AddPathSend = 'none', asn = LOCAL_AS): ExportSignature => ({
    family: IPV4_UNICAST,
    target: { role, asn, localAddress: '10.0.0.1' },
    addPath,
    ctx: addPath === 'none' ? CTX : { ...CTX, addPath: new Set([IPV4_UNICAST]) },
  });
  /** Pulls until nothing is left; returns the buffers and a readable summary. */
  const drain = (peer: number, addPath = false) => {
    const bufs: Buffer[] = [];
    for (let b = groups.pull(peer, 4); b.length > 0; b = groups.pull(peer, 4)) bufs.push(...b);
    const ups = bufs.map((b) => readUpdate(b, addPath));
    return {
      bufs,
      ups,
      nlri: ups.flatMap((u) => u.nlri).sort(),
      withdrawn: ups.flatMap((u) => u.withdrawn).sort(),
      eor: ups.filter((u) => u.nlri.length + u.withdrawn.length + u.attrs.size === 0).length,
    };
  };
  return { store, peers, rib, groups, flush, sig, drain };
}

test('two peers of one group get the very same Buffer objects', () => {
  const w = world();
  const src = w.peers.add(ebgp('10.0.0.9', 64512));
  const c1 = w.peers.add(ibgp('10.0.0.2', { rrClient: true }));
  const c2 = w.peers.add(ibgp('10.0.0.3', { rrClient: true }));
  const g = w.groups.join(c1, w.sig('ibgp-client'));
  assert.equal(w.groups.join(c2, w.sig('ibgp-client')), g);
  assert.equal(w.groups.size, 1);
  w.drain(c1.index);
  w.drain(c2.index); // initial (empty) table + End-of-RIB
  for (let i = 0; i < 300; i++)
    w.rib.announce4(src.index, 0x0b000000 + i * 256, 24, 0, w.store.intern(attrs({ asPath: seq(64512), med: i % 2 })));
  w.flush();
  const a = w.drain(c1.index);
  const b = w.drain(c2.index);
  assert.equal(a.nlri.length, 300);
  assert.equal(a.bufs.length, 2, 'packed: one UPDATE per attribute set');
  assert.equal(a.bufs.length, b.bufs.length);
  a.bufs.forEach((buf, i) => {
    assert.equal(buf, b.bufs[i], 'same object');
  });
  assert.equal(a.ups[0].attrs.get(5)!.readUInt32BE(0), 100, 'LOCAL_PREF added for iBGP');
});

test('a new peer joining gets the full table, then End-of-RIB', () => {
  const w = world();
  const src = w.peers.add(ebgp('10.0.0.9', 64512));
  for (let i = 0; i < 50; i++)
    w.rib.announce4(src.index, 0x0b000000 + i * 256, 24, 0, w.store.intern(attrs({ asPath: seq(64512) })));
  w.flush();
  const c1 = w.peers.add(ibgp('10.0.0.2', { rrClient: true }));
  w.groups.join(c1, w.sig('ibgp-client'));
  const got = w.drain(c1.index);
  assert.equal(got.nlri.length, 50);
  assert.equal(got.eor, 1);
  assert.equal(got.ups.at(-1)!.attrs.size, 0, 'End-of-RIB last');
  w.rib.withdraw4(src.index, 0x0b000000, 24, 0);
  w.flush();
  assert.deepEqual(w.drain(c1.index).withdrawn, ['11.0.0.0/24']);
});

test('never back to the source: the source gets a withdraw, others the route', () => {
  const w = world();
  const a = w.peers.add(ibgp('10.0.0.2', { rrClient: true }));
  const b = w.peers.add(ibgp('10.0.0.3', { rrClient: true }));
  w.groups.join(a, w.sig('ibgp-client'));
  w.groups.join(b, w.sig('ibgp-client'));
  w.drain(a.index);
  w.drain(b.index);
  w.rib.announce4(b.index, ip('10.9.0.0'), 16, 0, w.store.intern(attrs({ localPref: 100 })));
  w.flush();
  assert.deepEqual(w.drain(a.index).nlri, ['10.9.0.0/16']);
  const toB0 = w.drain(b.index);
  assert.deepEqual(toB0.nlri, [], 'not reflected to its source');
  assert.deepEqual(toB0.withdrawn, [], 'and no needless withdraw: it never had a route from us');
  w.rib.announce4(a.index, ip('10.9.0.0'), 16, 0, w.store.intern(attrs({ localPref: 200 })));
  w.flush();
  const toA = w.drain(a.index);
  assert.deepEqual(toA.nlri, []);
  assert.deepEqual(toA.withdrawn, ['10.9.0.0/16'], 'A loses the route it had from B');
  const toB = w.drain(b.index);
  assert.deepEqual(toB.nlri, ['10.9.0.0/16']);
  assert.equal(toB.ups[0].attrs.get(9)!.toString('hex'), '0a000002', 'ORIGINATOR_ID = A');
  assert.equal(toB.ups[0].attrs.get(10)!.toString('hex'), '0a000001', 'CLUSTER_LIST = ours');
});

test('a joining peer does not get its own routes back', () => {
  const w = world();
  const a = w.peers.add(ibgp('10.0.0.2', { rrClient: true }));
  const b = w.peers.add(ibgp('10.0.0.3', { rrClient: true }));
  w.rib.announce4(a.index, ip('10.1.0.0'), 16, 0, w.store.intern(attrs()));
  w.rib.announce4(b.index, ip('10.2.0.0'), 16, 0, w.store.intern(attrs()));
  w.flush();
  w.groups.join(a, w.sig('ibgp-client'));
  w.groups.join(b, w.sig('ibgp-client'));
  const toA = w.drain(a.index);
  assert.deepEqual([toA.nlri, toA.withdrawn], [['10.2.0.0/16'], []]);
  assert.deepEqual(w.drain(b.index).nlri, ['10.1.0.0/16']);
});

test('RFC 4456 6 a) through a group: a non-client route does not reach non-clients', () => {
  const w = world();
  const n1 = w.peers.add(ibgp('10.0.0.5'));
  const n2 = w.peers.add(ibgp('10.0.0.6'));
  const c = w.peers.add(ibgp('10.0.0.2', { rrClient: true }));
  w.groups.join(n2, w.sig('ibgp-nonclient'));
  w.groups.join(c, w.sig('ibgp-client'));
  w.drain(n2.index);
  w.drain(c.index);
  w.rib.announce4(n1.index, ip('10.5.0.0'), 16, 0, w.store.intern(attrs()));
  w.flush();
  assert.deepEqual(w.drain(n2.index).nlri, []);
  assert.deepEqual(w.drain(c.index).nlri, ['10.5.0.0/16']);
});

test('eBGP group: AS prepended, next hop self, no LOCAL_PREF / RR attributes', () => {
  const w = world();
  const c = w.peers.add(ibgp('10.0.0.2', { rrClient: true }));
  const tor = w.peers.add(ebgp('10.0.0.9', 64512));
  w.groups.join(tor, w.sig('ebgp', 'none', 64512));
  w.drain(tor.index);
  w.rib.announce4(c.index, ip('10.1.0.0'), 16, 0, w.store.intern(attrs({ localPref: 100, nextHop: nh('10.0.0.2') })));
  w.flush();
  const u = w.drain(tor.index).ups[0];
  assert.equal(u.attrs.get(2)!.toString('hex'), '0201' + '0000fde8');
  assert.equal(u.attrs.get(3)!.toString('hex'), '0a000001');
  assert.equal(u.attrs.has(5) || u.attrs.has(9) || u.attrs.has(10), false);
});

test('pull does bounded work: at most max messages per call', () => {
  const w = world();
  const src = w.peers.add(ebgp('10.0.0.9', 64512));
  const c = w.peers.add(ibgp('10.0.0.2', { rrClient: true }));
  w.groups.join(c, w.sig('ibgp-client'));
  w.drain(c.index);
  for (let i = 0; i < 20; i++)
    w.rib.announce4(src.index, 0x0b000000 + i * 256, 24, 0, w.store.intern(attrs({ asPath: seq(64512), med: i })));
  w.flush();
  const g = w.groups.groupOf(c.index)!;
  assert.equal(w.groups.hasWork(c.index), true);
  assert.equal(w.groups.pull(c.index, 3).length, 3);
  assert.equal(g.logLength, 0, 'consumed entries trimmed');
  assert.equal(g.out.pending, 17, 'the rest not built yet');
  assert.equal(w.drain(c.index).bufs.length, 17);
  assert.equal(w.groups.hasWork(c.index), false);
});

test('a slow peer neither blocks the others nor grows the log; it catches up later', () => {
  const w = world({ maxLog: 4 });
  const src = w.peers.add(ebgp('10.0.0.9', 64512));
  const fast = w.peers.add(ibgp('10.0.0.2', { rrClient: true }));
  const slow = w.peers.add(ibgp('10.0.0.3', { rrClient: true }));
  w.groups.join(fast, w.sig('ibgp-client'));
  w.groups.join(slow, w.sig('ibgp-client'));
  w.drain(fast.index);
  w.drain(slow.index);
  const g = w.groups.groupOf(fast.index)!;
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 10; i++)
      w.rib.announce4(
        src.index,
        0x0b000000 + i * 256,
        24,
        0,
        w.store.intern(attrs({ asPath: seq(64512), med: round * 100 + i })),
      );
    w.flush();
    assert.equal(w.drain(fast.index).nlri.length, 10);
    assert.ok(g.logLength <= 4, `log bounded (${g.logLength})`);
  }
  assert.equal(g.isCatchingUp(slow.index), true);
  w.rib.withdraw4(src.index, 0x0b000000, 24, 0);
  w.flush();
  w.drain(fast.index);
  const late = w.drain(slow.index);
  assert.equal(late.nlri.length, 9, 'current state only, once each');
  assert.deepEqual(late.withdrawn, ['11.0.0.0/24']);
  assert.equal(late.eor, 0, 'End-of-RIB only after the initial table');
  const meds = late.ups.filter((u) => u.nlri.length > 0).map((u) => u.attrs.get(4)!.readUInt32BE(0));
  assert.ok(
    meds.every((m) => m >= 400),
    'latest attributes',
  );
  assert.equal(g.isCatchingUp(slow.index), false);
});

test('ADD-PATH send all: every path with its own path ID; best-N keeps N', () => {
  const w = world();
  const a = w.peers.add(ebgp('10.0.0.8', 64512));
  const b = w.peers.add(ebgp('10.0.0.9', 64513));
  const c = w.peers.add(ebgp('10.0.0.7', 64514));
  const all = w.peers.add(ibgp('10.0.0.2', { rrClient: true }));
  const best2 = w.peers.add(ibgp('10.0.0.3', { rrClient: true }));
  const one = w.peers.add(ibgp('10.0.0.4', { rrClient: true }));
  w.groups.join(all, w.sig('ibgp-client', 'all'));
  w.groups.join(best2, w.sig('ibgp-client', 2));
  w.groups.join(one, w.sig('ibgp-client'));
  assert.equal(w.groups.size, 3);
  for (const p of [all, best2, one]) w.drain(p.index, p !== one);
  w.rib.announce4(a.index, ip('10.1.0.0'), 16, 0, w.store.intern(attrs({ asPath: seq(64512) })));
  w.rib.announce4(b.index, ip('10.1.0.0'), 16, 0, w.store.intern(attrs({ asPath: seq(64513, 1) })));
  w.rib.announce4(c.index, ip('10.1.0.0'), 16, 0, w.store.intern(attrs({ asPath: seq(64514, 1, 2) })));
  w.flush();
  const gotAll = w.drain(all.index, true).nlri;
  assert.equal(gotAll.length, 3);
  assert.equal(new Set(gotAll.map((n) => n.split('#')[1])).size, 3, 'distinct path IDs');
  const got2 = w.drain(best2.index, true);
  assert.equal(got2.nlri.length, 2);
  assert.deepEqual(w.drain(one.index).nlri, ['10.1.0.0/16']);
  w.rib.withdraw4(a.index, ip('10.1.0.0'), 16, 0);
  w.flush();
  assert.equal(w.drain(all.index, true).withdrawn.length, 1);
  const after2 = w.drain(best2.index, true);
  assert.equal(after2.withdrawn.length, 1, 'the old best path withdrawn');
  assert.equal(after2.nlri.length, 1, 'the third path moves into the best 2');
});

test('leaving the last member drops the group', () => {
  const w = world();
  const c = w.peers.add(ibgp('10.0.0.2', { rrClient: true }));
  w.groups.join(c, w.sig('ibgp-client'));
  w.groups.leave(c.index);
  assert.equal(w.groups.size, 0);
  assert.deepEqual(w.groups.pull(c.index), []);
});

test('route refresh out: the asking member gets the whole table again, others nothing', () => {
  const w = world();
  const src = w.peers.add(ebgp('10.0.0.9', 64512));
  const c1 = w.peers.add(ibgp('10.0.0.2', { rrClient: true }));
  const c2 = w.peers.add(ibgp('10.0.0.3', { rrClient: true }));
  w.groups.join(c1, w.sig('ibgp-client'));
  w.groups.join(c2, w.sig('ibgp-client'));
  for (let i = 0; i < 5; i++)
    w.rib.announce4(src.index, 0x0b000000 + i * 256, 24, 0, w.store.intern(attrs({ asPath: seq(64512) })));
  w.flush();
  w.drain(c1.index);
  w.drain(c2.index);
  w.groups.refresh(c1.index);
  assert.equal(w.drain(c1.index).nlri.length, 5);
  assert.equal(w.drain(c2.index).bufs.length, 0);
});

test('export policy in the signature: separate group, rewrites and filters', async () => {
  const { Policy, PrefixList } = await import('../../src/rib/policy');
  const w = world();
  const src = w.peers.add(ebgp('10.0.0.9', 64512));
  const plain = w.peers.add(ibgp('10.0.0.2', { rrClient: true }));
  const tagged = w.peers.add(ibgp('10.0.0.3', { rrClient: true }));
  const pol = new Policy(
    w.store,
    [
      {
        match: { prefixList: new PrefixList(IPV4_UNICAST, [{ action: 'permit', prefix: '11.0.0.0/24' }]) },
        action: 'reject',
      },
      { action: 'accept', addCommunities: [0xfde80001] },
    ],
    'accept',
    'tag-and-drop-one',
  );
  w.groups.join(plain, w.sig('ibgp-client'));
  w.groups.join(tagged, { ...w.sig('ibgp-client'), exportPolicy: pol });
  assert.equal(w.groups.size, 2);
  w.drain(plain.index);
  w.drain(tagged.index);
  for (let i = 0; i < 3; i++)
    w.rib.announce4(src.index, 0x0b000000 + i * 256, 24, 0, w.store.intern(attrs({ asPath: seq(64512) })));
  w.flush();
  assert.equal(w.drain(plain.index).nlri.length, 3);
  const t = w.drain(tagged.index);
  assert.deepEqual(t.nlri, ['11.0.1.0/24', '11.0.2.0/24']);
  assert.equal(t.ups[0].attrs.get(8)!.toString('hex'), 'fde80001');
});

test('members joining together share one table walk (same Buffers), own routes skipped', () => {
  const w = world();
  const src = w.peers.add(ebgp('10.0.0.9', 64512));
  const c1 = w.peers.add(ibgp('10.0.0.2', { rrClient: true }));
  const c2 = w.peers.add(ibgp('10.0.0.3', { rrClient: true }));
  const c3 = w.peers.add(ibgp('10.0.0.4', { rrClient: true }));
  for (let i = 0; i < 600; i++)
    w.rib.announce4(src.index, 0x0b000000 + i * 256, 24, 0, w.store.intern(attrs({ asPath: seq(64512), med: i % 3 })));
  w.rib.announce4(c1.index, ip('10.1.0.0'), 16, 0, w.store.intern(attrs()));
  w.flush();
  w.groups.join(c1, w.sig('ibgp-client'));
  w.groups.join(c2, w.sig('ibgp-client'));
  const a = w.drain(c1.index);
  const b = w.drain(c2.index);
  assert.equal(a.nlri.length, 600);
  assert.equal(b.nlri.length, 601);
  assert.deepEqual([a.eor, b.eor], [1, 1]);
  const shared = a.bufs.filter((x) => b.bufs.includes(x));
  assert.equal(shared.length, a.bufs.length - 1, 'every table UPDATE is the same object (End-of-RIB aside)');
  // A change after the walk: the next joiner walks again and sees it.
  w.rib.withdraw4(src.index, 0x0b000000, 24, 0);
  w.flush();
  w.groups.join(c3, w.sig('ibgp-client'));
  assert.equal(w.drain(c3.index).nlri.length, 600);
  assert.deepEqual(w.drain(c1.index).withdrawn, ['11.0.0.0/24']);
});

test('a member leaving in the middle of a shared walk does not disturb the others', () => {
  const w = world({ batch: 50 });
  const src = w.peers.add(ebgp('10.0.0.9', 64512));
  const c1 = w.peers.add(ibgp('10.0.0.2', { rrClient: true }));
  const c2 = w.peers.add(ibgp('10.0.0.3', { rrClient: true }));
  for (let i = 0; i < 500; i++)
    w.rib.announce4(src.index, 0x0b000000 + i * 256, 24, 0, w.store.intern(attrs({ asPath: seq(64512) })));
  w.flush();
  w.groups.join(c1, w.sig('ibgp-client'));
  w.groups.join(c2, w.sig('ibgp-client'));
  w.groups.pull(c1.index, 2);
  w.groups.leave(c1.index);
  assert.equal(w.drain(c2.index).nlri.length, 500);
  w.groups.leave(c2.index);
  w.rib.peerDown(src.index);
  w.flush();
  w.rib.decide();
  assert.equal(w.rib.prefixes.size, 0, 'no prefix reference left behind');
});

test("4096-octet limit: a set that only fits the client's UPDATE is withdrawn once ORIGINATOR_ID and CLUSTER_LIST are added; also for a member that joins later", () => {
  const tooLarge: string[] = [];
  const w = world({ onTooLarge: (t) => tooLarge.push(`${t.prefix} ${t.size}>${t.limit} from ${t.from}`) });
  const src = w.peers.add(ibgp('10.0.0.9', { rrClient: true }));
  const c1 = w.peers.add(ibgp('10.0.0.2', { rrClient: true }));
  w.groups.join(c1, w.sig('ibgp-client'));
  w.drain(c1.index);
  w.rib.announce4(src.index, 0x0b000000, 24, 0, w.store.intern(attrs({ communities: [1] })));
  w.flush();
  assert.deepEqual(w.drain(c1.index).nlri, ['11.0.0.0/24']);
  // The client's own UPDATE: 19 + 4 + attributes + 4 octets of NLRI <= 4096 (4 per community).
  const n = Math.floor((4096 - 19 - 4 - 4 - 25 - 4) / 4);
  const big = w.store.intern(attrs({ communities: Array.from({ length: n }, (_, i) => i + 1) }));
  w.rib.announce4(src.index, 0x0b000000, 24, 0, big);
  w.flush();
  const d = w.drain(c1.index);
  assert.deepEqual(d.withdrawn, ['11.0.0.0/24'], 'the old route is withdrawn, not left in place');
  assert.deepEqual(d.nlri, []);
  assert.equal(tooLarge.length, 1);
  assert.match(tooLarge[0]!, /^11\.0\.0\.0\/24 \d+>4096 from 10\.0\.0\.9$/);
  // A member joining now gets neither the route nor a loop: nothing for it but End-of-RIB.
  const c2 = w.peers.add(ibgp('10.0.0.3', { rrClient: true }));
  w.groups.join(c2, w.sig('ibgp-client'));
  const j = w.drain(c2.index);
  assert.deepEqual([j.nlri, j.eor], [[], 1]);
});

test('4096-octet limit: the size verdict, measured once per set, still holds (and is reported) for every route carrying the set, interleaved with sets that fit', () => {
  const tooLarge: string[] = [];
  const w = world({ onTooLarge: (t) => tooLarge.push(t.prefix) });
  const src = w.peers.add(ibgp('10.0.0.9', { rrClient: true }));
  const c1 = w.peers.add(ibgp('10.0.0.2', { rrClient: true }));
  w.groups.join(c1, w.sig('ibgp-client'));
  w.drain(c1.index);
  const n = Math.floor((4096 - 19 - 4 - 4 - 25 - 4) / 4);
  const big = w.store.intern(attrs({ communities: Array.from({ length: n }, (_, i) => i + 1) }));
  const small = [1, 2].map((c) => w.store.intern(attrs({ communities: [c] })));
  // big, small, big, small', big, big: the last set measured changes on every route but the last.
  const sets = [big, small[0]!, big, small[1]!, big, big];
  sets.forEach((a, i) => {
    w.rib.announce4(src.index, 0x0b000000 + i * 256, 24, 0, a);
  });
  w.flush();
  const d = w.drain(c1.index);
  assert.deepEqual(d.nlri.sort(), ['11.0.1.0/24', '11.0.3.0/24']);
  assert.deepEqual(tooLarge.sort(), ['11.0.0.0/24', '11.0.2.0/24', '11.0.4.0/24', '11.0.5.0/24']);
  // Swapped: the routes that fit before no longer do, and the other way round.
  tooLarge.length = 0;
  sets.forEach((a, i) => {
    w.rib.announce4(src.index, 0x0b000000 + i * 256, 24, 0, a === big ? small[0]! : big);
  });
  w.flush();
  const e = w.drain(c1.index);
  assert.deepEqual(e.nlri.sort(), ['11.0.0.0/24', '11.0.2.0/24', '11.0.4.0/24', '11.0.5.0/24']);
  assert.deepEqual(e.withdrawn.sort(), ['11.0.1.0/24', '11.0.3.0/24']);
  assert.deepEqual(tooLarge.sort(), ['11.0.1.0/24', '11.0.3.0/24']);
});

test('4096-octet limit: the per-set size cache never answers for another set sharing its slot (many sets, ids reused)', () => {
  const tooLarge: string[] = [];
  const w = world({ onTooLarge: (t) => tooLarge.push(t.prefix) });
  const src = w.peers.add(ibgp('10.0.0.9', { rrClient: true }));
  const c1 = w.peers.add(ibgp('10.0.0.2', { rrClient: true }));
  w.groups.join(c1, w.sig('ibgp-client'));
  w.drain(c1.index);
  const n = Math.floor((4096 - 19 - 4 - 4 - 25 - 4) / 4);
  const big = w.store.intern(attrs({ communities: Array.from({ length: n }, (_, i) => i + 1) }));
  // Two rounds of 150 routes, each with a set of its own (far more sets than cache slots),
  // one big set among them; the second round replaces every route, freeing ids for reuse.
  for (const [round, bigAt] of [
    [0, 75],
    [1, 100],
  ] as const) {
    for (let i = 0; i < 150; i++) {
      const a = i === bigAt ? big : w.store.intern(attrs({ communities: [round * 1000 + i + 1] }));
      w.rib.announce4(src.index, 0x0b000000 + i * 256, 24, 0, a);
    }
    w.flush();
    const d = w.drain(c1.index);
    assert.deepEqual(tooLarge.splice(0), [`11.0.${bigAt}.0/24`]);
    assert.equal(d.nlri.length, 149);
    assert.ok(!d.nlri.includes(`11.0.${bigAt}.0/24`));
    assert.deepEqual(d.withdrawn, round === 0 ? [] : ['11.0.100.0/24']);
  }
});

test('an extended-message peer joins the plain group of its signature (RFC 8654: 4096-octet UPDATEs serve it too)', () => {
  const w = world();
  const src = w.peers.add(ibgp('10.0.0.9', { rrClient: true }));
  const plain = w.peers.add(ibgp('10.0.0.2', { rrClient: true }));
  const ext = w.sig('ibgp-client');
  const extSig = { ...ext, ctx: { ...ext.ctx, extendedMessage: true } };
  const g = w.groups.join(plain, w.sig('ibgp-client'));
  assert.equal(w.groups.join(src, extSig), g, 'one Adj-RIB-Out for both');
  assert.equal(w.groups.size, 1);
  w.drain(plain.index);
  w.drain(src.index);
  w.rib.announce4(src.index, ip('10.1.0.0'), 16, 0, w.store.intern(attrs({ localPref: 100, nextHop: nh('10.0.0.9') })));
  w.flush();
  assert.deepEqual(w.drain(plain.index).nlri, ['10.1.0.0/16']);
  assert.deepEqual(w.drain(src.index).nlri, [], 'never back to its source');
  // The other way round there is nothing to share: a plain peer cannot take extended messages.
  const w2 = world();
  const e2 = w2.peers.add(ibgp('10.0.0.3', { rrClient: true }));
  const p2 = w2.peers.add(ibgp('10.0.0.4', { rrClient: true }));
  const ge = w2.groups.join(e2, extSig);
  assert.notEqual(w2.groups.join(p2, w2.sig('ibgp-client')), ge);
  assert.equal(w2.groups.size, 2);
  // Leaving works by the group's own key.
  w.groups.leave(src.index);
  w.groups.leave(plain.index);
  assert.equal(w.groups.size, 0);
});
