// fast-check over UPDATEs: generated messages encode, decode without errors and re-encode
// byte-identical; mutated, truncated and random UPDATEs give a value or a BgpError, never
// another exception. Each property runs 100,000 cases under CI (test/helpers/property.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeUpdate, encodeUpdate, updateToJson, type UpdateMessage } from '../../../src/bgp/messages/update';
import { emptyNlri, makeNlriBlock } from '../../../src/bgp/messages/nlri';
import { encodeAttributes } from '../../../src/bgp/messages/attributes/table';
import type { PathAttributes } from '../../../src/bgp/messages/attributes/types';
import { validateUpdate } from '../../../src/bgp/messages/validate-update';
import { mergeAs4 } from '../../../src/bgp/messages/as4';
import { BgpError } from '../../../src/bgp/messages/errors';
import { notificationFromError } from '../../../src/bgp/messages/notification';
import {
  AFI_IPV4,
  AFI_IPV6,
  IPV4_UNICAST,
  IPV6_UNICAST,
  MessageType,
  type CodecContext,
} from '../../../src/bgp/messages/types';
import type { Prefix } from '../../../src/bgp/messages/prefix';
import { checkProperty } from '../../helpers/property';
import { prng } from './fixture-rows';

const u8 = fc.integer({ min: 0, max: 255 });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const rec = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, requiredKeys?: (keyof T)[]): fc.Arbitrary<T> =>
  fc.record(model, { noNullPrototype: true, ...(requiredKeys ? { requiredKeys } : {}) } as {
    noNullPrototype: true;
  }) as fc.Arbitrary<T>;

const ctxArb: fc.Arbitrary<CodecContext> = rec({
  fourOctetAs: fc.boolean(),
  extendedMessage: fc.boolean(),
  addPath: fc.subarray([IPV4_UNICAST, IPV6_UNICAST]).map((a) => new Set(a) as ReadonlySet<number>),
});

const ip4 = u32;
const KNOWN = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32]);

// Bulk values (prefixes, octet strings, ASNs, communities) come from one generated seed and a
// PRNG rather than one fast-check draw per value: under CI each property runs 100,000 cases,
// and per-octet draws made generation most of the cost. fast-check still chooses which
// attributes are present and how many values each holds, and shrinks those counts.
type Rand = () => number;
const uint32 = (r: Rand): number => Math.floor(r() * 4294967296);
/** Edges (0 and the maximum) as often as a third of the time, as fast-check's own biasing would. */
const edgy = (r: Rand, max: number): number => {
  const x = r();
  return x < 0.15 ? 0 : x < 0.3 ? max : Math.floor(r() * (max + 1));
};
/** Lengths as fast-check's arrays draw them: mostly short, sometimes up to the maximum. */
const count = (min: number, max: number): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min, max: Math.min(max, min + 6) }) },
    { weight: 1, arbitrary: fc.integer({ min, max }) },
  );
function bulk<T>(minLength: number, maxLength: number, make: (r: Rand) => T): fc.Arbitrary<T[]> {
  return fc.tuple(count(minLength, maxLength), fc.integer()).map(([n, seed]) => {
    const r = prng(seed);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(make(r));
    return out;
  });
}
const octets = (maxLength: number): fc.Arbitrary<Uint8Array> =>
  fc.tuple(count(0, maxLength), fc.integer()).map(([n, seed]) => {
    const r = prng(seed);
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const w = uint32(r);
      for (let k = 0; k < 4 && i + k < n; k++) b[i + k] = w >>> (8 * k);
    }
    return b;
  });
const u32s = (minLength: number, maxLength: number): fc.Arbitrary<number[]> =>
  bulk(minLength, maxLength, (r) => (r() < 0.1 ? 0xffffffff : uint32(r)));

function v4Prefix(r: Rand, ap: boolean): Prefix {
  return { afi: AFI_IPV4, addr: uint32(r), len: edgy(r, 32), ...(ap ? { pathId: r() < 0.2 ? 0 : uint32(r) } : {}) };
}
function v6Prefix(r: Rand, ap: boolean): Prefix {
  const addr = new Uint8Array(16);
  for (let i = 0; i < 16; i++) addr[i] = Math.floor(r() * 256);
  return { afi: AFI_IPV6, addr, len: edgy(r, 128), ...(ap ? { pathId: r() < 0.2 ? 0 : uint32(r) } : {}) };
}
const hex16 = (r: Rand): string => uint32(r).toString(16).padStart(8, '0') + uint32(r).toString(16).padStart(8, '0');

function attrsArb(ctx: CodecContext): fc.Arbitrary<PathAttributes> {
  const asn = ctx.fourOctetAs ? u32 : fc.integer({ min: 0, max: 0xffff });
  const asnOf = (r: Rand): number => (ctx.fourOctetAs ? uint32(r) : Math.floor(r() * 65536));
  const seg = (types: number[], four: boolean) =>
    rec({ type: fc.constantFrom(...types), asns: bulk(1, 8, four ? uint32 : asnOf) });
  const ap6 = ctx.addPath.has(IPV6_UNICAST);
  return rec<PathAttributes>(
    {
      origin: fc.integer({ min: 0, max: 2 }),
      asPath: fc.array(seg([1, 2, 3, 4], ctx.fourOctetAs), { maxLength: 4 }),
      nextHop: ip4,
      med: u32,
      localPref: u32,
      atomicAggregate: fc.constant(true),
      aggregator: rec({ asn, address: ip4 }),
      communities: u32s(1, 8),
      originatorId: ip4,
      clusterList: fc.array(ip4, { minLength: 1, maxLength: 4 }),
      mpReach: rec({ nh: fc.constantFrom(16, 32), nhb: octets(32), ps: bulk(0, 20, (r) => v6Prefix(r, ap6)) }).map(
        ({ nh, nhb, ps }) => {
          const nextHop = new Uint8Array(nh);
          nextHop.set(nhb.subarray(0, nh));
          return { afi: 2, safi: 1, nextHop, nlri: makeNlriBlock(2, 1, ap6, ps) };
        },
      ),
      mpUnreach: bulk(0, 20, (r) => v6Prefix(r, ap6)).map((ps) => ({
        afi: 2,
        safi: 1,
        withdrawn: makeNlriBlock(2, 1, ap6, ps),
      })),
      extCommunities: bulk(1, 4, hex16).map((hs) => Uint8Array.from(Buffer.from(hs.join(''), 'hex'))),
      as4Path: fc.array(seg([1, 2], true), { maxLength: 3 }),
      as4Aggregator: rec({ asn: u32, address: ip4 }),
      largeCommunities: bulk(1, 4, (r) => [uint32(r), uint32(r), uint32(r)] as const),
      // Values past 255 octets need the Extended Length flag, which the encoder sets and the
      // decoder reports as received (RFC 4271 4.3).
      unknown: fc
        .uniqueArray(
          rec({ type: u8.filter((t) => !KNOWN.has(t)), flags: fc.constantFrom(0xc0, 0xe0), value: octets(300) }).map(
            (x) => (x.value.length > 255 ? { ...x, flags: x.flags | 0x10 } : x),
          ),
          { maxLength: 3, selector: (x) => x.type },
        )
        .filter((xs) => xs.length > 0)
        .map((xs) => [...xs].sort((a, b) => a.type - b.type)),
    },
    [],
  );
}

const updateArb: fc.Arbitrary<{ ctx: CodecContext; u: UpdateMessage }> = ctxArb.chain((ctx) => {
  const ap = ctx.addPath.has(IPV4_UNICAST);
  const block = bulk(0, 30, (r) => v4Prefix(r, ap)).map((ps) => makeNlriBlock(1, 1, ap, ps));
  return rec({ withdrawn: block, nlri: block, attributes: attrsArb(ctx) }).map(({ withdrawn, nlri, attributes }) => {
    const attrBytes = encodeAttributes(attributes, ctx);
    const u: UpdateMessage = {
      type: MessageType.Update,
      length: 23 + withdrawn.bytes.length + attrBytes.length + nlri.bytes.length,
      withdrawn: withdrawn.count ? withdrawn : emptyNlri(1, 1, ap),
      attrBytes,
      attributes,
      nlri: nlri.count ? nlri : emptyNlri(1, 1, ap),
      errors: [],
    };
    return { ctx, u };
  });
});

const max = (ctx: CodecContext): number => (ctx.extendedMessage ? 65535 : 4096);

test('UPDATE property: generated messages round trip byte-identical with no errors', (t) => {
  checkProperty(
    t,
    fc.property(updateArb, ({ ctx, u }) => {
      fc.pre(u.length <= max(ctx));
      const wire = encodeUpdate(u, ctx);
      const d = decodeUpdate(wire, ctx);
      assert.deepEqual(d.errors, []);
      assert.deepEqual(Buffer.from(encodeUpdate(d, ctx)), Buffer.from(wire));
      assert.deepEqual(d.attributes, u.attributes);
      JSON.stringify(updateToJson(d));
    }),
  );
});

/** Decoding must give a value or a BgpError; a value must print, validate, merge and re-encode. */
function survive(frame: Uint8Array, ctx: CodecContext): void {
  let d: UpdateMessage;
  try {
    d = decodeUpdate(frame, ctx);
  } catch (e) {
    if (!(e instanceof BgpError)) throw e;
    assert.equal(e.action, 'session-reset');
    notificationFromError(e);
    return;
  }
  JSON.stringify(updateToJson(d));
  validateUpdate(d, { ebgp: true, peerAs: 65000, fourOctetAs: ctx.fourOctetAs });
  mergeAs4(d.attributes, ctx.fourOctetAs);
  if (d.errors.length === 0) {
    // Clean input re-encodes to something that decodes to the same values (idempotent).
    // (The encoder puts unrecognized attributes in ascending type order, RFC 4271 5.)
    const again = decodeUpdate(encodeUpdate(d, { ...ctx, extendedMessage: true }), ctx);
    const sorted = (a: PathAttributes): PathAttributes =>
      a.unknown ? { ...a, unknown: [...a.unknown].sort((x, y) => x.type - y.type) } : a;
    assert.deepEqual(again.attributes, sorted(d.attributes));
  }
}

function withLength(body: Uint8Array): Uint8Array {
  const f = new Uint8Array(19 + body.length);
  f.fill(0xff, 0, 16);
  f[16] = f.length >>> 8;
  f[17] = f.length;
  f[18] = 2;
  f.set(body, 19);
  return f;
}

test('UPDATE fuzz: mutated generated messages give a value or a BgpError', (t) => {
  const mutation = fc.array(rec({ at: fc.nat(), v: u8 }), { minLength: 1, maxLength: 6 });
  checkProperty(
    t,
    fc.property(updateArb, mutation, ({ ctx, u }, muts) => {
      fc.pre(u.length <= max(ctx));
      const wire = encodeUpdate(u, ctx);
      for (const m of muts) wire[19 + (m.at % (wire.length - 19))] = m.v;
      survive(wire, ctx);
    }),
  );
});

test('UPDATE fuzz: truncated and extended messages give a value or a BgpError', (t) => {
  checkProperty(
    t,
    fc.property(updateArb, fc.nat(), fc.uint8Array({ maxLength: 16 }), ({ ctx, u }, cut, extra) => {
      fc.pre(u.length <= max(ctx));
      const body = encodeUpdate(u, ctx).subarray(19);
      const n = cut % (body.length + 1);
      survive(withLength(body.subarray(0, n)), ctx);
      const longer = new Uint8Array(body.length + extra.length);
      longer.set(body);
      longer.set(extra, body.length);
      survive(withLength(longer), ctx);
    }),
  );
});

test('UPDATE fuzz: random bodies with plausible length fields give a value or a BgpError', (t) => {
  const body = fc
    .tuple(
      fc.integer({ min: 0, max: 40 }),
      fc.uint8Array({ maxLength: 40 }),
      fc.uint8Array({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 40 }),
    )
    .map(([wl, w, a, n]) => {
      const b = new Uint8Array(4 + w.length + a.length + n.length);
      b[0] = 0;
      b[1] = Math.min(wl, w.length); // mostly consistent, sometimes not
      b.set(w, 2);
      b[2 + w.length] = a.length >>> 8;
      b[3 + w.length] = a.length;
      b.set(a, 4 + w.length);
      b.set(n, 4 + w.length + a.length);
      return b;
    });
  checkProperty(
    t,
    fc.property(ctxArb, body, (ctx, b) => survive(withLength(b), ctx)),
  );
});
