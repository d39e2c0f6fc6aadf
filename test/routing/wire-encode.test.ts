import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONTEXT, IPV4_UNICAST, IPV6_UNICAST } from '../../src/bgp/messages/types';
import { PrefixIndex, parsePrefix } from '../../src/rib/prefix-index';
import { SimplePacker } from '../../src/routing/wire-encode';
import { readUpdate } from './wire';
import { attrs, ip, seq, setup } from '../rib/helpers';
import { nh } from '../helpers/addr';

const CTX4 = { fourOctetAs: true, extendedMessage: false, addPath: new Set<number>() };

test('announce: exact bytes of a small IPv4 UPDATE', () => {
  const { store } = setup();
  const ix = new PrefixIndex(IPV4_UNICAST);
  const p = ix.intern4(ip('10.1.0.0'), 16);
  const a = store.intern(attrs({ asPath: seq(65001), nextHop: nh('192.0.2.1'), localPref: 100 }));
  const { buf, next } = new SimplePacker(IPV4_UNICAST).announce(ix, a, [p, 0], 0, CTX4);
  assert.equal(next, 2);
  assert.equal(
    buf.toString('hex'),
    'ff'.repeat(16) +
      '0035' +
      '02' +
      '0000' +
      '001b' +
      '400101' +
      '00' +
      '400206' +
      '0201' +
      '0000fde9' +
      '400304' +
      'c0000201' +
      '400504' +
      '00000064' +
      '100a01',
  );
});

test('packing: as many prefixes as fit in 4096 octets, the rest in the next', () => {
  const { store } = setup();
  const ix = new PrefixIndex(IPV4_UNICAST);
  const pairs: number[] = [];
  for (let i = 0; i < 2000; i++) pairs.push(ix.intern4(0x0b000000 + i * 256, 24), 0);
  const pk = new SimplePacker(IPV4_UNICAST);
  const a = store.intern(attrs());
  const first = pk.announce(ix, a, pairs, 0, CTX4);
  assert.ok(first.buf.length <= 4096 && first.buf.length > 4090);
  const u = readUpdate(first.buf);
  assert.equal(u.nlri.length, first.next / 2);
  assert.equal(u.nlri[0], '11.0.0.0/24');
  const w = pk.withdraw(ix, pairs, first.next, CTX4);
  assert.equal(readUpdate(w.buf).withdrawn[0], readUpdate(pk.announce(ix, a, pairs, first.next, CTX4).buf).nlri[0]);
});

test('2-octet peer: AS_TRANS in AS_PATH and AS4_PATH (RFC 6793 4.2.2)', () => {
  const { store } = setup();
  const ix = new PrefixIndex(IPV4_UNICAST);
  const a = store.intern(attrs({ asPath: seq(4200000001, 65001) }));
  const u = readUpdate(new SimplePacker(IPV4_UNICAST).announce(ix, a, [ix.intern4(0, 0), 0], 0, DEFAULT_CONTEXT).buf);
  assert.equal(u.attrs.get(2)!.toString('hex'), '0202' + '5ba0' + 'fde9');
  assert.equal(u.attrs.get(17)!.toString('hex'), '0202' + 'fa56ea01' + '0000fde9');
  assert.deepEqual(u.nlri, ['0.0.0.0/0']);
});

test('reflection attributes and ADD-PATH ids', () => {
  const { store } = setup();
  const ix = new PrefixIndex(IPV4_UNICAST);
  const a = store.intern(
    attrs({ originatorId: ip('10.0.0.2'), clusterList: [ip('10.0.0.100')], communities: [0xfde80064] }),
  );
  const ctx = { ...CTX4, addPath: new Set([IPV4_UNICAST]) };
  const u = readUpdate(
    new SimplePacker(IPV4_UNICAST).announce(ix, a, [ix.intern4(ip('10.1.2.0'), 24), 7], 0, ctx).buf,
    true,
  );
  assert.equal(u.attrs.get(9)!.toString('hex'), '0a000002');
  assert.equal(u.attrs.get(10)!.toString('hex'), '0a000064');
  assert.equal(u.attrs.get(8)!.toString('hex'), 'fde80064');
  assert.deepEqual(u.nlri, ['10.1.2.0/24#7']);
});

test('IPv6: MP_REACH with next hop, MP_UNREACH, End-of-RIB markers', () => {
  const { store } = setup();
  const ix = new PrefixIndex(IPV6_UNICAST);
  const p = parsePrefix('2001:db8:1::/48', IPV6_UNICAST)!;
  const id = ix.intern(p.words, p.len);
  const pk = new SimplePacker(IPV6_UNICAST);
  const u = readUpdate(pk.announce(ix, store.intern(attrs({ nextHop: nh('2001:db8::1') })), [id, 0], 0, CTX4).buf);
  assert.deepEqual(u.nlri, ['2001:db8:1:0:0:0:0:0/48']);
  assert.equal(u.attrs.get(14)!.subarray(0, 4).toString('hex'), '00020110');
  assert.equal(u.attrs.has(3), false, 'no NEXT_HOP attribute for IPv6');
  assert.deepEqual(readUpdate(pk.withdraw(ix, [id, 0], 0, CTX4).buf).withdrawn, ['2001:db8:1:0:0:0:0:0/48']);
  assert.equal(pk.endOfRib(IPV4_UNICAST).toString('hex'), 'ff'.repeat(16) + '0017020000' + '0000');
  assert.equal(
    pk.endOfRib(IPV6_UNICAST).toString('hex'),
    'ff'.repeat(16) + '001d02' + '0000' + '0006' + '800f03' + '000201',
  );
});

test('AS_PATH: segments over 255 ASes split, empty segments dropped', () => {
  const { store } = setup();
  const ix = new PrefixIndex(IPV4_UNICAST);
  const long = Array.from({ length: 300 }, (_, i) => i + 1);
  const a = store.intern(
    attrs({
      asPath: [
        { type: 2, asns: [] },
        { type: 2, asns: long },
      ],
    }),
  );
  const path = readUpdate(new SimplePacker(IPV4_UNICAST).announce(ix, a, [ix.intern4(0, 0), 0], 0, CTX4).buf).attrs.get(
    2,
  )!;
  assert.equal(path.length, 2 + 255 * 4 + 2 + 45 * 4);
  assert.deepEqual([path[0], path[1], path[2 + 255 * 4], path[3 + 255 * 4]], [2, 255, 2, 45]);
});

test('the codec decodes what the packer writes: IPv6 + ADD-PATH, withdrawals, End-of-RIB', async () => {
  const { decodeUpdate, blockStrings, mpNextHops } = await import('../../src/bgp/messages');
  const { store } = setup();
  const ix = new PrefixIndex(IPV6_UNICAST);
  const ids = ['2001:db8:1::/48', '2001:db8:2::/64'].map((t) => {
    const p = parsePrefix(t, IPV6_UNICAST)!;
    return ix.intern(p.words, p.len);
  });
  const ctx = { ...CTX4, addPath: new Set([IPV6_UNICAST]) };
  const pk = new SimplePacker(IPV6_UNICAST);
  const a = store.intern(
    attrs({ nextHop: nh('2001:db8::1'), nextHopLinkLocal: nh('fe80::1'), localPref: 100, communities: [1] }),
  );
  const u = decodeUpdate(pk.announce(ix, a, [ids[0]!, 7, ids[1]!, 8], 0, ctx).buf, ctx);
  assert.deepEqual(u.errors, []);
  assert.deepEqual(blockStrings(u.attributes.mpReach!.nlri), ['2001:db8:1::/48#7', '2001:db8:2::/64#8']);
  assert.deepEqual(mpNextHops(u.attributes.mpReach!), ['2001:db8::1', 'fe80::1']);
  assert.equal(u.attributes.localPref, 100);
  const w = decodeUpdate(pk.withdraw(ix, [ids[1]!, 8], 0, ctx).buf, ctx);
  assert.deepEqual(blockStrings(w.attributes.mpUnreach!.withdrawn), ['2001:db8:2::/64#8']);
  assert.equal(decodeUpdate(pk.endOfRib(IPV6_UNICAST), ctx).endOfRib, IPV6_UNICAST);
  assert.equal(decodeUpdate(pk.endOfRib(IPV4_UNICAST), ctx).endOfRib, IPV4_UNICAST);
});
