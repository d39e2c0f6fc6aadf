// PolicyBook: the config's policies compiled per family. Mixed-family prefix lists split by
// family; `next` terms chain rewrites; set replaces, then add, then delete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/bgp/messages';
import { AttrStore, PrefixIndex, parsePrefix, community } from '../../src/rib';
import { PolicyBook } from '../../src/routing';
import { validateConfig } from '../../src/config';
import { nh as nhOf } from '../helpers/addr';

const cfg = validateConfig({
  routerId: '10.0.0.1',
  asn: 65000,
  prefixLists: {
    blocks: [
      { action: 'permit', prefix: '10.233.0.0/16', ge: 26 },
      { action: 'permit', prefix: '2001:db8::/32', ge: 48, le: 64 },
    ],
  },
  policies: {
    p: [
      { match: { prefixList: 'blocks' }, action: 'next', set: { communities: { set: ['65000:1', '65000:2'] } } },
      {
        match: { community: ['65000:2'] },
        action: 'accept',
        set: { med: 7, communities: { add: ['65000:3'], delete: ['65000:1'] } },
      },
      { action: 'reject' },
    ],
  },
});

function idOf(ix: PrefixIndex, text: string, f: number): number {
  const p = parsePrefix(text, f)!;
  return ix.intern(p.words, p.len);
}

for (const [f, inside, outside] of [
  [IPV4_UNICAST, '10.233.1.0/26', '10.233.0.0/24'],
  [IPV6_UNICAST, '2001:db8:1::/48', '2001:db8::/40'],
] as const) {
  test(`PolicyBook ${f === IPV4_UNICAST ? 'IPv4' : 'IPv6'}: the family's own list entries, next chains rewrites, default reject term`, () => {
    const store = new AttrStore();
    const book = new PolicyBook(store, cfg);
    const pol = book.get(f, 'p')!;
    assert.equal(pol, book.get(f, 'p'), 'compiled once per family');
    const ix = new PrefixIndex(f);
    const nh = f === IPV4_UNICAST ? '192.0.2.1' : '2001:db8::1';
    const a = store.intern({ origin: 0, asPath: [], nextHop: nhOf(nh), communities: [community(65000, 9)] });
    const out = pol.apply(ix, idOf(ix, inside, f), a)!;
    assert.ok(out, 'accepted');
    assert.deepEqual(out.communities, [community(65000, 2), community(65000, 3)]);
    assert.equal(out.med, 7);
    assert.equal(pol.apply(ix, idOf(ix, outside, f), a), undefined, 'outside the list: rejected by the last term');
  });
}
