// The UPDATE builder: every prefix present exactly once, messages never over the limit and
// full (only the last of a run may be short), IPv4 in the body, IPv6 in MP_REACH/UNREACH,
// ADD-PATH, extended messages, End-of-RIB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkProperty } from '../../helpers/property';
import { endOfRib, packAnnouncements, packWithdrawals } from '../../../src/bgp/messages/builder';
import { decodeUpdate, type UpdateMessage } from '../../../src/bgp/messages/update';
import { blockStrings, encodedPrefixLength } from '../../../src/bgp/messages/nlri';
import { prefixToString, type Prefix } from '../../../src/bgp/messages/prefix';
import { parseIpv6 } from '../../../src/net';
import type { PathAttributes } from '../../../src/bgp/messages/attributes/types';
import { DEFAULT_CONTEXT, IPV4_UNICAST, IPV6_UNICAST, type CodecContext } from '../../../src/bgp/messages/types';
import { ip4 } from '../../helpers/addr';

const ATTRS: PathAttributes = {
  origin: 0,
  asPath: [{ type: 2, asns: [65001] }],
  nextHop: ip4('10.0.0.1'),
  med: 5,
  communities: [1, 2, 3],
};
const ATTRS6: PathAttributes = {
  origin: 0,
  asPath: [],
  mpReach: {
    afi: 2,
    safi: 1,
    nextHop: parseIpv6('2001:db8::1')!,
    nlri: { afi: 2, safi: 1, addPath: false, bytes: new Uint8Array(0), count: 0 },
  },
};

function v4(n: number, len = 24): Prefix[] {
  // Mixed lengths exercise the packing arithmetic.
  // Host bits past the length are not sent (RFC 4271 4.3), so the inputs carry none.
  return Array.from({ length: n }, (_, i) => {
    const l = i % 7 === 0 ? 32 : len;
    const addr = ((0x0a000000 + i * 256) & (l === 32 ? -1 : ~(0xffffffff >>> l))) >>> 0;
    return { afi: 1 as const, addr, len: l, ...(i % 3 === 0 ? { pathId: i } : {}) };
  });
}
function v6(n: number): Prefix[] {
  return Array.from({ length: n }, (_, i) => {
    const a = new Uint8Array(16);
    a[0] = 0x20;
    a[1] = 0x01;
    a[2] = 0x0d;
    a[3] = 0xb8;
    a[4] = i >>> 8;
    a[5] = i & 0xff;
    a[6] = 1;
    return { afi: 2 as const, addr: a, len: i % 5 === 0 ? 128 : 64, pathId: i };
  });
}

function checkPack(
  msgs: Uint8Array[],
  want: Prefix[],
  ctx: CodecContext,
  max: number,
  fam: number,
  get: (u: UpdateMessage) => string[],
): void {
  const ap = ctx.addPath.has(fam);
  const names = want.map((p) =>
    prefixToString(ap ? { ...p, pathId: p.pathId ?? 0 } : ({ ...p, pathId: undefined } as Prefix)),
  );
  const got: string[] = [];
  for (const [i, m] of msgs.entries()) {
    assert.ok(m.length <= max, `message ${i}: ${m.length} > ${max}`);
    const u = decodeUpdate(m, ctx);
    assert.equal(u.errors.length, 0);
    const these = get(u);
    got.push(...these);
    if (i < msgs.length - 1) {
      // Full: the next prefix would not have fitted.
      const next = want[got.length]!;
      assert.ok(m.length + encodedPrefixLength(next.len, ap) > max, `message ${i} not full`);
    }
  }
  assert.deepEqual(got, names); // every prefix exactly once, in order
}

for (const [label, ctx] of [
  ['plain', DEFAULT_CONTEXT],
  ['ADD-PATH', { ...DEFAULT_CONTEXT, addPath: new Set([IPV4_UNICAST, IPV6_UNICAST]) }],
  ['extended messages', { ...DEFAULT_CONTEXT, extendedMessage: true }],
] as [string, CodecContext][]) {
  const max = ctx.extendedMessage ? 65535 : 4096;
  test(`builder (${label}): IPv4 announcements packed in the body`, () => {
    const ps = v4(20000);
    const msgs = packAnnouncements(ATTRS, IPV4_UNICAST, ps, ctx);
    checkPack(msgs, ps, ctx, max, IPV4_UNICAST, (u) => {
      assert.equal(u.attributes.nextHop, 0x0a000001); // 10.0.0.1
      return blockStrings(u.nlri);
    });
    assert.ok(msgs.length >= Math.ceil((ps.length * 4) / max));
  });
  test(`builder (${label}): IPv4 withdrawals packed in Withdrawn Routes`, () => {
    const ps = v4(5000, 16);
    checkPack(packWithdrawals(IPV4_UNICAST, ps, ctx), ps, ctx, max, IPV4_UNICAST, (u) => blockStrings(u.withdrawn));
  });
  test(`builder (${label}): IPv6 announcements in MP_REACH_NLRI, placed first (RFC 7606 5.1)`, () => {
    const ps = v6(3000);
    const msgs = packAnnouncements(ATTRS6, IPV6_UNICAST, ps, ctx);
    checkPack(msgs, ps, ctx, max, IPV6_UNICAST, (u) => {
      assert.equal(u.attrBytes[1], 14);
      return blockStrings(u.attributes.mpReach!.nlri);
    });
  });
  test(`builder (${label}): IPv6 withdrawals in MP_UNREACH_NLRI`, () => {
    const ps = v6(3000);
    checkPack(packWithdrawals(IPV6_UNICAST, ps, ctx), ps, ctx, max, IPV6_UNICAST, (u) =>
      blockStrings(u.attributes.mpUnreach!.withdrawn),
    );
  });
}

test('builder: 5000 /24s at 4096 octets take the fewest messages the arithmetic allows', () => {
  const ps = Array.from({ length: 5000 }, (_, i) => ({ afi: 1 as const, addr: (0x0a000000 + i * 256) >>> 0, len: 24 }));
  const msgs = packAnnouncements(ATTRS, IPV4_UNICAST, ps, DEFAULT_CONTEXT);
  const attrLen = decodeUpdate(msgs[0]!, DEFAULT_CONTEXT).attrBytes.length;
  const perMsg = Math.floor((4096 - 23 - attrLen) / 4);
  assert.equal(msgs.length, Math.ceil(5000 / perMsg));
  assert.equal(decodeUpdate(msgs[0]!, DEFAULT_CONTEXT).nlri.count, perMsg);
});

test('builder: nothing to send gives no messages; attributes too large throw RangeError', () => {
  assert.deepEqual(packAnnouncements(ATTRS, IPV4_UNICAST, [], DEFAULT_CONTEXT), []);
  const huge: PathAttributes = { ...ATTRS, communities: Array.from({ length: 1100 }, (_, i) => i) };
  assert.throws(() => packAnnouncements(huge, IPV4_UNICAST, v4(1), DEFAULT_CONTEXT), RangeError);
  assert.throws(() => packAnnouncements(ATTRS, IPV6_UNICAST, v6(1), DEFAULT_CONTEXT), RangeError); // no next hop
});

test('builder: End-of-RIB markers decode as End-of-RIB (RFC 4724 2)', () => {
  assert.equal(endOfRib(IPV4_UNICAST).length, 23);
  assert.equal(decodeUpdate(endOfRib(IPV4_UNICAST), DEFAULT_CONTEXT).endOfRib, IPV4_UNICAST);
  assert.equal(decodeUpdate(endOfRib(IPV6_UNICAST), DEFAULT_CONTEXT).endOfRib, IPV6_UNICAST);
  assert.equal(Buffer.from(endOfRib(IPV6_UNICAST).subarray(19)).toString('hex'), '0000' + '0006' + '800f03000201');
});

test('builder property: random prefixes and contexts pack within the limit, each prefix once, in order', (t) => {
  const ctxArb = fc.record(
    {
      fourOctetAs: fc.boolean(),
      extendedMessage: fc.boolean(),
      addPath: fc.subarray([IPV4_UNICAST, IPV6_UNICAST]).map((a) => new Set(a) as ReadonlySet<number>),
    },
    { noNullPrototype: true },
  );
  const prefixArb = fc.record(
    {
      addr: fc.integer({ min: 0, max: 0xffffffff }),
      len: fc.integer({ min: 0, max: 32 }),
      pathId: fc.integer({ min: 0, max: 0xffffffff }),
    },
    { noNullPrototype: true },
  );
  // Mostly short lists (large COMMUNITIES already split them over several messages), now and
  // then thousands of prefixes: 100,000 cases of 3,000 prefixes each would take an hour.
  const v4Arb = fc.oneof(
    { weight: 100, arbitrary: fc.array(prefixArb, { maxLength: 60 }) },
    { weight: 1, arbitrary: fc.array(prefixArb, { maxLength: 3000 }) },
  );
  checkProperty(
    t,
    fc.property(ctxArb, v4Arb, fc.integer({ min: 0, max: 900 }), (ctx, raw, ncomm) => {
      const ap = ctx.addPath.has(IPV4_UNICAST);
      const mask = (len: number): number => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);
      const ps: Prefix[] = raw.map((r) => ({
        afi: 1,
        addr: (r.addr & mask(r.len)) >>> 0,
        len: r.len,
        ...(ap ? { pathId: r.pathId } : {}),
      }));
      const attrs: PathAttributes = { ...ATTRS, communities: Array.from({ length: ncomm + 1 }, (_, i) => i) };
      const max = ctx.extendedMessage ? 65535 : 4096;
      for (const msgs of [packAnnouncements(attrs, IPV4_UNICAST, ps, ctx), packWithdrawals(IPV4_UNICAST, ps, ctx)]) {
        const got: string[] = [];
        for (const m of msgs) {
          assert.ok(m.length <= max);
          const u = decodeUpdate(m, ctx);
          assert.equal(u.errors.length, 0);
          got.push(...blockStrings(u.nlri), ...blockStrings(u.withdrawn));
        }
        assert.deepEqual(got, ps.map(prefixToString));
      }
    }),
  );
});
