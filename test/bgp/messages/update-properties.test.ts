// fast-check over UPDATEs: generated messages encode, decode without errors and re-encode
// byte-identical; mutated, truncated and random UPDATEs give a value or a BgpError, never
// another exception (and never a hang: every property is time-bounded).
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
import { AFI_IPV4, AFI_IPV6, IPV4_UNICAST, IPV6_UNICAST, MessageType, type CodecContext } from '../../../src/bgp/messages/types';
import type { Prefix } from '../../../src/bgp/messages/prefix';
import { propertyParams } from './property-runs';

const u8 = fc.integer({ min: 0, max: 255 });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const rec = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, requiredKeys?: (keyof T)[]): fc.Arbitrary<T> =>
  fc.record(model, { noNullPrototype: true, ...(requiredKeys ? { requiredKeys } : {}) } as { noNullPrototype: true }) as fc.Arbitrary<T>;

const ctxArb: fc.Arbitrary<CodecContext> = rec({
  fourOctetAs: fc.boolean(), extendedMessage: fc.boolean(),
  addPath: fc.subarray([IPV4_UNICAST, IPV6_UNICAST]).map((a) => new Set(a) as ReadonlySet<number>),
});

const ip4 = u32.map((v) => `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`);
const v4Prefix: fc.Arbitrary<Prefix> = rec({ addr: u32, len: fc.integer({ min: 0, max: 32 }), pathId: u32 })
  .map(({ addr, len, pathId }) => ({ afi: AFI_IPV4, addr, len, pathId }));
const v6Prefix: fc.Arbitrary<Prefix> = rec({ addr: fc.uint8Array({ minLength: 16, maxLength: 16 }), len: fc.integer({ min: 0, max: 128 }), pathId: u32 })
  .map(({ addr, len, pathId }) => ({ afi: AFI_IPV6, addr, len, pathId }));
const hex16 = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b).toString('hex'));
const KNOWN = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32]);

function attrsArb(ctx: CodecContext): fc.Arbitrary<PathAttributes> {
  const asn = ctx.fourOctetAs ? u32 : fc.integer({ min: 0, max: 0xffff });
  const seg = (types: number[], a: fc.Arbitrary<number>) => rec({ type: fc.constantFrom(...types), asns: fc.array(a, { minLength: 1, maxLength: 8 }) });
  const ap6 = ctx.addPath.has(IPV6_UNICAST);
  const strip = (ps: Prefix[], ap: boolean): Prefix[] => ps.map((p) => (ap ? p : { ...p, pathId: undefined }) as Prefix)
    .map((p) => { if (p.pathId === undefined) { const { pathId: _x, ...rest } = p; return rest as Prefix; } return p; });
  return rec<PathAttributes>({
    origin: fc.integer({ min: 0, max: 2 }),
    asPath: fc.array(seg([1, 2, 3, 4], asn), { maxLength: 4 }),
    nextHop: ip4, med: u32, localPref: u32, atomicAggregate: fc.constant(true),
    aggregator: rec({ asn, address: ip4 }),
    communities: fc.array(u32, { minLength: 1, maxLength: 8 }),
    originatorId: ip4, clusterList: fc.array(ip4, { minLength: 1, maxLength: 4 }),
    mpReach: rec({ nh: fc.constantFrom(16, 32), nhb: fc.uint8Array({ minLength: 32, maxLength: 32 }), ps: fc.array(v6Prefix, { maxLength: 20 }) })
      .map(({ nh, nhb, ps }) => ({ afi: 2, safi: 1, nextHop: nhb.slice(0, nh), nlri: makeNlriBlock(2, 1, ap6, strip(ps, ap6)) })),
    mpUnreach: fc.array(v6Prefix, { maxLength: 20 }).map((ps) => ({ afi: 2, safi: 1, withdrawn: makeNlriBlock(2, 1, ap6, strip(ps, ap6)) })),
    extCommunities: fc.array(hex16, { minLength: 1, maxLength: 4 }),
    as4Path: fc.array(seg([1, 2], u32), { maxLength: 3 }),
    as4Aggregator: rec({ asn: u32, address: ip4 }),
    largeCommunities: fc.array(fc.tuple(u32, u32, u32), { minLength: 1, maxLength: 4 }),
    unknown: fc.uniqueArray(rec({ type: u8.filter((t) => !KNOWN.has(t)), flags: fc.constantFrom(0xc0, 0xe0),
      value: fc.uint8Array({ maxLength: 300 }) }), { maxLength: 3, selector: (x) => x.type })
      .filter((xs) => xs.length > 0).map((xs) => [...xs].sort((a, b) => a.type - b.type)),
  }, []);
}

const updateArb: fc.Arbitrary<{ ctx: CodecContext; u: UpdateMessage }> = ctxArb.chain((ctx) => {
  const ap = ctx.addPath.has(IPV4_UNICAST);
  const block = fc.array(v4Prefix, { maxLength: 30 }).map((ps) => makeNlriBlock(1, 1, ap, ps.map((p) => (ap ? p : { ...p, pathId: undefined }))
    .map((p) => { if (p.pathId === undefined) { const { pathId: _x, ...rest } = p; return rest as Prefix; } return p; })));
  return rec({ withdrawn: block, nlri: block, attributes: attrsArb(ctx) }).map(({ withdrawn, nlri, attributes }) => {
    const attrBytes = encodeAttributes(attributes, ctx);
    const u: UpdateMessage = { type: MessageType.Update, length: 23 + withdrawn.bytes.length + attrBytes.length + nlri.bytes.length,
      withdrawn: withdrawn.count ? withdrawn : emptyNlri(1, 1, ap), attrBytes, attributes, nlri: nlri.count ? nlri : emptyNlri(1, 1, ap), errors: [] };
    return { ctx, u };
  });
});

const max = (ctx: CodecContext): number => (ctx.extendedMessage ? 65535 : 4096);

test('UPDATE property: generated messages round trip byte-identical with no errors', () => {
  fc.assert(fc.property(updateArb, ({ ctx, u }) => {
    fc.pre(u.length <= max(ctx));
    const wire = encodeUpdate(u, ctx);
    const d = decodeUpdate(wire, ctx);
    assert.deepEqual(d.errors, []);
    assert.deepEqual(Buffer.from(encodeUpdate(d, ctx)), Buffer.from(wire));
    assert.deepEqual(d.attributes, u.attributes);
    JSON.stringify(updateToJson(d));
  }), propertyParams());
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
      (a.unknown ? { ...a, unknown: [...a.unknown].sort((x, y) => x.type - y.type) } : a);
    assert.deepEqual(again.attributes, sorted(d.attributes));
  }
}

function withLength(body: Uint8Array): Uint8Array {
  const f = new Uint8Array(19 + body.length);
  f.fill(0xff, 0, 16);
  f[16] = f.length >>> 8; f[17] = f.length; f[18] = 2;
  f.set(body, 19);
  return f;
}

test('UPDATE fuzz: mutated generated messages give a value or a BgpError', () => {
  const mutation = fc.array(rec({ at: fc.nat(), v: u8 }), { minLength: 1, maxLength: 6 });
  fc.assert(fc.property(updateArb, mutation, ({ ctx, u }, muts) => {
    fc.pre(u.length <= max(ctx));
    const wire = encodeUpdate(u, ctx);
    for (const m of muts) wire[19 + (m.at % (wire.length - 19))] = m.v;
    survive(wire, ctx);
  }), propertyParams());
});

test('UPDATE fuzz: truncated and extended messages give a value or a BgpError', () => {
  fc.assert(fc.property(updateArb, fc.nat(), fc.uint8Array({ maxLength: 16 }), ({ ctx, u }, cut, extra) => {
    fc.pre(u.length <= max(ctx));
    const body = encodeUpdate(u, ctx).subarray(19);
    const n = cut % (body.length + 1);
    survive(withLength(body.subarray(0, n)), ctx);
    const longer = new Uint8Array(body.length + extra.length);
    longer.set(body); longer.set(extra, body.length);
    survive(withLength(longer), ctx);
  }), propertyParams());
});

test('UPDATE fuzz: random bodies with plausible length fields give a value or a BgpError', () => {
  const body = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 40 }))
    .map(([wl, w, a, n]) => {
      const b = new Uint8Array(4 + w.length + a.length + n.length);
      b[0] = 0; b[1] = Math.min(wl, w.length); // mostly consistent, sometimes not
      b.set(w, 2);
      b[2 + w.length] = a.length >>> 8; b[3 + w.length] = a.length;
      b.set(a, 4 + w.length); b.set(n, 4 + w.length + a.length);
      return b;
    });
  fc.assert(fc.property(ctxArb, body, (ctx, b) => survive(withLength(b), ctx)), propertyParams());
});
