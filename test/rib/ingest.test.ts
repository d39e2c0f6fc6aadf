import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeUpdate,
  endOfRib as eorMessage,
  packAnnouncements,
  packWithdrawals,
  parsePrefix as codecPrefix,
  type PathAttributes,
  type Prefix,
  validateUpdate,
} from '../../src/bgp/messages';
import { IPV4_UNICAST, IPV6_UNICAST, type CodecContext } from '../../src/bgp/messages/types';
import { community, nextHopText } from '../../src/rib/attrs';
import { ingestUpdate } from '../../src/rib/ingest';
import { Rib } from '../../src/rib/rib';
import { SimplePacker } from '../../src/routing/wire-encode';
import { readUpdate } from '../routing/wire';
import { ebgp, ibgp, setup } from './helpers';
import { ip4 } from '../helpers/addr';

const CTX4: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set() };
const CTX2: CodecContext = { fourOctetAs: false, extendedMessage: false, addPath: new Set() };

function world() {
  const { store, peers } = setup();
  const rib4 = new Rib({ family: IPV4_UNICAST, peers, attrs: store });
  const rib6 = new Rib({ family: IPV6_UNICAST, peers, attrs: store });
  const ribs = new Map([
    [IPV4_UNICAST, rib4],
    [IPV6_UNICAST, rib6],
  ]);
  return { store, peers, rib4, rib6, ribs };
}
const pfx = (...xs: string[]): Prefix[] => xs.map((x) => codecPrefix(x)!);
const BASE: PathAttributes = {
  origin: 0,
  asPath: [{ type: 2, asns: [65001] }],
  nextHop: ip4('192.0.2.1'),
  localPref: 150,
};

test('an IPv4 UPDATE from the codec builder lands in the RIB with its attributes', () => {
  const w = world();
  const p = w.peers.add(ibgp('10.0.0.2'));
  const attrs: PathAttributes = {
    ...BASE,
    med: 7,
    communities: [community(65000, 1)],
    originatorId: ip4('10.9.9.9'),
    clusterList: [ip4('10.0.0.100')],
    largeCommunities: [[4200000001, 1, 2]],
    unknown: [
      { type: 99, flags: 0xc0, value: Uint8Array.of(1, 2) },
      { type: 98, flags: 0x80, value: Uint8Array.of(3) },
    ],
  };
  const [frame] = packAnnouncements(attrs, IPV4_UNICAST, pfx('10.1.0.0/16', '10.2.0.0/24'), CTX4);
  const u = decodeUpdate(frame!, CTX4);
  const r = ingestUpdate(w.ribs, w.store, p.index, u, { fourOctetAs: true });
  assert.deepEqual([r.announced, r.withdrawn, r.error], [2, 0, undefined]);
  const ch = w.rib4.decide();
  assert.deepEqual(ch.map((c) => w.rib4.prefixes.format(c.prefix)).sort(), ['10.1.0.0/16', '10.2.0.0/24']);
  const a = ch[0]!.best!.attrs;
  assert.equal(ch[0]!.best!.attrs, ch[1]!.best!.attrs, 'one interned set per UPDATE');
  assert.deepEqual(
    [a.origin, nextHopText(a.nextHop), a.med, a.localPref, a.originatorId, a.clusterList],
    [0, '192.0.2.1', 7, 150, ip4('10.9.9.9'), [ip4('10.0.0.100')]],
  );
  assert.deepEqual(a.asPath, [{ type: 2, asns: [65001] }]);
  assert.deepEqual(a.communities, [community(65000, 1)]);
  assert.deepEqual(
    a.other?.map((o) => [o.type, o.flags]),
    [
      [32, 0xc0],
      [99, 0xe0],
    ],
    'large communities kept; unknown transitive with Partial; non-transitive dropped',
  );
  // Re-encoded by the Adj-RIB-Out packer, the codec decodes the same values back.
  const out = new SimplePacker(IPV4_UNICAST).announce(w.rib4.prefixes, a, [ch[0]!.prefix, 0], 0, CTX4).buf;
  const back = decodeUpdate(out, CTX4).attributes;
  assert.deepEqual(
    [back.originatorId, back.clusterList, back.largeCommunities, back.med],
    [ip4('10.9.9.9'), [ip4('10.0.0.100')], [[4200000001, 1, 2]], 7],
  );
  assert.equal(readUpdate(out).attrs.get(99)!.toString('hex'), '0102');
});

test('withdrawals, treat-as-withdraw, End-of-RIB', () => {
  const w = world();
  const p = w.peers.add(ibgp('10.0.0.2'));
  const ann = (xs: string[]) =>
    ingestUpdate(
      w.ribs,
      w.store,
      p.index,
      decodeUpdate(packAnnouncements(BASE, IPV4_UNICAST, pfx(...xs), CTX4)[0]!, CTX4),
      { fourOctetAs: true },
    );
  ann(['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16']);
  w.rib4.decide();
  const wd = ingestUpdate(
    w.ribs,
    w.store,
    p.index,
    decodeUpdate(packWithdrawals(IPV4_UNICAST, pfx('10.1.0.0/16'), CTX4)[0]!, CTX4),
    { fourOctetAs: true },
  );
  assert.equal(wd.withdrawn, 1);
  assert.equal(w.rib4.decide()[0]!.best, undefined);
  // RFC 7606: a treat-as-withdraw announcement withdraws its prefixes.
  const u = decodeUpdate(packAnnouncements(BASE, IPV4_UNICAST, pfx('10.2.0.0/16'), CTX4)[0]!, CTX4);
  const tw = ingestUpdate(w.ribs, w.store, p.index, u, { fourOctetAs: true, action: 'treat-as-withdraw' });
  assert.deepEqual([tw.announced, tw.withdrawn], [0, 1]);
  assert.equal(w.rib4.decide()[0]!.best, undefined);
  // GR: stale, then End-of-RIB drops what was not re-sent.
  w.rib4.peerDown(p.index, true);
  const eor = ingestUpdate(w.ribs, w.store, p.index, decodeUpdate(eorMessage(IPV4_UNICAST), CTX4), {
    fourOctetAs: true,
  });
  assert.equal(eor.endOfRib, IPV4_UNICAST);
  assert.equal(w.rib4.decide()[0]!.best, undefined);
  assert.equal(w.rib4.locRibSize, 0);
});

test('IPv6 MP_REACH with a link-local next hop; MP_UNREACH', () => {
  const w = world();
  const p = w.peers.add(ibgp('10.0.0.2'));
  const nh = Uint8Array.from(Buffer.from('20010db8000000000000000000000001fe800000000000000000000000000001', 'hex'));
  const attrs: PathAttributes = {
    ...BASE,
    nextHop: undefined,
    mpReach: {
      afi: 2,
      safi: 1,
      nextHop: nh,
      nlri: { afi: 2, safi: 1, addPath: false, bytes: new Uint8Array(0), count: 0 },
    },
  };
  const u = decodeUpdate(packAnnouncements(attrs, IPV6_UNICAST, pfx('2001:db8:1::/48'), CTX4)[0]!, CTX4);
  assert.equal(ingestUpdate(w.ribs, w.store, p.index, u, { fourOctetAs: true }).announced, 1);
  const ch = w.rib6.decide();
  assert.equal(w.rib6.prefixes.format(ch[0]!.prefix), '2001:db8:1::/48');
  assert.deepEqual(
    [nextHopText(ch[0]!.best!.attrs.nextHop), nextHopText(ch[0]!.best!.attrs.nextHopLinkLocal!)],
    ['2001:db8::1', 'fe80::1'],
  );
  const wd = decodeUpdate(packWithdrawals(IPV6_UNICAST, pfx('2001:db8:1::/48'), CTX4)[0]!, CTX4);
  assert.equal(ingestUpdate(w.ribs, w.store, p.index, wd, { fourOctetAs: true }).withdrawn, 1);
  assert.equal(w.rib6.decide()[0]!.best, undefined);
});

test('a 2-octet session: AS4_PATH merged (RFC 6793 4.2.3); eBGP LOCAL_PREF discarded by validation', () => {
  const w = world();
  const p = w.peers.add(ebgp('10.0.0.9', 64512));
  const attrs: PathAttributes = {
    origin: 0,
    nextHop: ip4('10.0.0.9'),
    localPref: 999,
    asPath: [{ type: 2, asns: [64512, 23456] }],
    as4Path: [{ type: 2, asns: [4200000001] }],
  };
  const u = decodeUpdate(packAnnouncements(attrs, IPV4_UNICAST, pfx('10.5.0.0/16'), CTX2)[0]!, CTX2);
  const v = validateUpdate(u, { ebgp: true, peerAs: 64512, fourOctetAs: false });
  ingestUpdate(w.ribs, w.store, p.index, u, { fourOctetAs: false, attributes: v.attributes, action: v.action });
  const a = w.rib4.decide()[0]!.best!.attrs;
  assert.deepEqual(a.asPath, [{ type: 2, asns: [64512, 4200000001] }]);
  assert.equal(a.localPref, undefined);
});

test('max-prefix during ingest: the Cease comes back, the rest of the UPDATE is not applied', () => {
  const w = world();
  const p = w.peers.add(ibgp('10.0.0.2', { maxPrefixes: 2 }));
  const u = decodeUpdate(
    packAnnouncements(BASE, IPV4_UNICAST, pfx('10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16', '10.4.0.0/16'), CTX4)[0]!,
    CTX4,
  );
  const r = ingestUpdate(w.ribs, w.store, p.index, u, { fourOctetAs: true });
  assert.equal(r.announced, 2);
  assert.equal(r.error?.subcode, 1);
  assert.equal(w.rib4.received(p.index), 2);
});
