// One attribute form from the wire to the wire (issue 10): well-formed Path Attributes bytes,
// decoded by the codec, validated as a session does, ingested and interned by the RIB, then
// packed by the Adj-RIB-Out packer, come out as the same octets. The input is canonical (type
// codes ascending, Extended Length only past 255 octets, as RFC 4271 4.3 allows and our
// encoder writes), iBGP (LOCAL_PREF present, RFC 4271 5.1.5), and unknown attributes are
// optional transitive with Partial already set: RFC 4271 5 has us set Partial on one we pass
// on, and drop optional non-transitive ones, so those would rightly not round-trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeUpdate,
  encodeAttributes,
  encodeUpdateParts,
  validateUpdate,
  type AsSegment,
  type PathAttributes,
} from '../../src/bgp/messages';
import { IPV4_UNICAST, IPV6_UNICAST, MAX_MESSAGE_LENGTH, type CodecContext } from '../../src/bgp/messages/types';
import { ingestUpdate } from '../../src/rib/ingest';
import { Rib } from '../../src/rib/rib';
import { SimplePacker } from '../../src/routing/wire-encode';
import { checkProperty, PROPERTY_RUNS } from '../helpers/property';
import { ibgp, setup } from '../rib/helpers';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const CTX4: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set() };
const CTX2: CodecContext = { fourOctetAs: false, extendedMessage: false, addPath: new Set() };
/** Type codes the codec names (RFC 4271, 1997, 4360, 4456, 4760, 6793, 8092): not "unknown". */
const NAMED = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32]);

function segments(four: boolean): fc.Arbitrary<AsSegment[]> {
  const asn = four ? u32 : fc.integer({ min: 0, max: 0xffff });
  // RFC 7606 7.2: no empty segments; RFC 5065 3 confederation segments allowed inside the AS.
  return fc.array(
    fc.record({ type: fc.integer({ min: 1, max: 4 }), asns: fc.array(asn, { minLength: 1, maxLength: 12 }) }),
    { maxLength: 4 },
  );
}

function attrsArb(four: boolean, v6: boolean): fc.Arbitrary<PathAttributes> {
  const unknown = fc
    .uniqueArray(
      fc.integer({ min: 11, max: 255 }).filter((t) => !NAMED.has(t)),
      { maxLength: 3 },
    )
    .chain((types) =>
      fc.tuple(
        ...types.map((type) => fc.uint8Array({ maxLength: 300 }).map((value) => ({ type, flags: 0xe0, value }))),
      ),
    )
    .map((xs) => [...xs].sort((a, b) => a.type - b.type));
  return fc
    .record({
      origin: fc.integer({ min: 0, max: 2 }),
      asPath: segments(four),
      nextHop: v6 ? fc.constant(undefined) : u32.filter((v) => v >>> 24 !== 0 && v >>> 24 !== 127 && v >>> 24 < 224),
      med: fc.option(u32, { nil: undefined }),
      localPref: u32,
      atomicAggregate: fc.option(fc.constant(true), { nil: undefined }),
      aggregator: fc.option(fc.record({ asn: four ? u32 : fc.integer({ min: 0, max: 0xffff }), address: u32 }), {
        nil: undefined,
      }),
      communities: fc.option(fc.array(u32, { minLength: 1, maxLength: 8 }), { nil: undefined }),
      originatorId: fc.option(u32, { nil: undefined }),
      clusterList: fc.option(fc.array(u32, { minLength: 1, maxLength: 4 }), { nil: undefined }),
      extCommunities: fc.option(
        fc.integer({ min: 1, max: 4 }).chain((n) => fc.uint8Array({ minLength: n * 8, maxLength: n * 8 })),
        { nil: undefined },
      ),
      largeCommunities: fc.option(fc.array(fc.tuple(u32, u32, u32), { minLength: 1, maxLength: 3 }), {
        nil: undefined,
      }),
      unknown: fc.option(
        unknown.filter((xs) => xs.length > 0),
        { nil: undefined },
      ),
    })
    .map((a) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(a)) if (v !== undefined) out[k] = v;
      return out as PathAttributes;
    });
}

/** The attribute field of an UPDATE the packer wrote, as type -> whole attribute octets. */
function attributeField(frame: Uint8Array): Uint8Array {
  const wl = (frame[19]! << 8) | frame[20]!;
  const at = 21 + wl;
  const al = (frame[at]! << 8) | frame[at + 1]!;
  return frame.subarray(at + 2, at + 2 + al);
}

function split(field: Uint8Array): Map<number, string> {
  const m = new Map<number, string>();
  for (let i = 0; i < field.length; ) {
    const ext = (field[i]! & 0x10) !== 0;
    const len = ext ? (field[i + 2]! << 8) | field[i + 3]! : field[i + 2]!;
    const end = i + (ext ? 4 : 3) + len;
    m.set(field[i + 1]!, Buffer.from(field.subarray(i, end)).toString('hex'));
    i = end;
  }
  return m;
}

function world() {
  const { store, peers } = setup();
  const peer = peers.add(ibgp('10.0.0.2'));
  const rib4 = new Rib({ family: IPV4_UNICAST, peers, attrs: store });
  const rib6 = new Rib({ family: IPV6_UNICAST, peers, attrs: store });
  return {
    store,
    peer,
    rib4,
    rib6,
    ribs: new Map([
      [IPV4_UNICAST, rib4],
      [IPV6_UNICAST, rib6],
    ]),
  };
}

const ctxArb = fc.constantFrom(CTX4, CTX2);

test('IPv4: well-formed attribute bytes -> decode -> validate -> intern -> pack give the same bytes', (t) => {
  const runs = Math.min(PROPERTY_RUNS, 10_000);
  checkProperty(
    t,
    fc.property(
      ctxArb.chain((ctx) => fc.tuple(fc.constant(ctx), attrsArb(ctx.fourOctetAs, false))),
      ([ctx, a]) => {
        const wire = encodeAttributes(a, ctx);
        fc.pre(wire.length + 30 <= MAX_MESSAGE_LENGTH);
        const frame = encodeUpdateParts(new Uint8Array(0), wire, Uint8Array.of(24, 10, 1, 2), MAX_MESSAGE_LENGTH);
        const u = decodeUpdate(frame, ctx);
        const v = validateUpdate(u, { ebgp: false, peerAs: 65000, fourOctetAs: ctx.fourOctetAs });
        assert.deepEqual(
          v.errors.map((e) => e.message),
          [],
        );
        const w = world();
        const r = ingestUpdate(w.ribs, w.store, w.peer.index, u, {
          fourOctetAs: ctx.fourOctetAs,
          attributes: v.attributes,
        });
        assert.equal(r.announced, 1);
        const best = w.rib4.decide()[0]!.best!;
        // Interned once: the same bytes again (another prefix) give the very same set.
        const again = encodeUpdateParts(new Uint8Array(0), wire, Uint8Array.of(24, 10, 1, 3), MAX_MESSAGE_LENGTH);
        ingestUpdate(w.ribs, w.store, w.peer.index, decodeUpdate(again, ctx), {
          fourOctetAs: ctx.fourOctetAs,
          attributes: v.attributes,
        });
        assert.equal(w.rib4.decide()[0]!.best!.attrs, best.attrs);
        const out = new SimplePacker(IPV4_UNICAST).announce(w.rib4.prefixes, best.attrs, [best.prefix, 0], 0, ctx).buf;
        assert.equal(Buffer.from(attributeField(out)).toString('hex'), Buffer.from(wire).toString('hex'));
      },
    ),
    { runs },
  );
});

test('IPv6: MP_REACH_NLRI next hop (16 or 32 octets) and the other attributes come back as sent', (t) => {
  const runs = Math.min(PROPERTY_RUNS, 5_000);
  const nhArb = fc.constantFrom(16, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
  checkProperty(
    t,
    fc.property(attrsArb(true, true), nhArb, (a, nh) => {
      const nlri = Uint8Array.of(48, 0x20, 0x01, 0x0d, 0xb8, 0, 1);
      const withMp: PathAttributes = {
        ...a,
        mpReach: { afi: 2, safi: 1, nextHop: nh, nlri: { afi: 2, safi: 1, addPath: false, bytes: nlri, count: 1 } },
      };
      const wire = encodeAttributes(withMp, CTX4);
      fc.pre(wire.length + 30 <= MAX_MESSAGE_LENGTH);
      const u = decodeUpdate(encodeUpdateParts(new Uint8Array(0), wire, new Uint8Array(0), MAX_MESSAGE_LENGTH), CTX4);
      const v = validateUpdate(u, { ebgp: false, peerAs: 65000, fourOctetAs: true });
      assert.deepEqual(
        v.errors.map((e) => e.message),
        [],
      );
      const w = world();
      assert.equal(
        ingestUpdate(w.ribs, w.store, w.peer.index, u, { fourOctetAs: true, attributes: v.attributes }).announced,
        1,
      );
      const best = w.rib6.decide()[0]!.best!;
      const out = new SimplePacker(IPV6_UNICAST).announce(w.rib6.prefixes, best.attrs, [best.prefix, 0], 0, CTX4).buf;
      // The packer writes MP_REACH_NLRI last with a 2-octet length; the rest byte for byte.
      assert.deepEqual(
        split(attributeField(out)),
        new Map(
          [...split(wire)].map(([k, x]) => {
            if (k !== 14) return [k, x];
            const value = Buffer.from(x, 'hex').subarray((parseInt(x.slice(0, 2), 16) & 0x10) !== 0 ? 4 : 3);
            const len = Buffer.alloc(2);
            len.writeUInt16BE(value.length);
            return [k, `900e${len.toString('hex')}${value.toString('hex')}`];
          }),
        ),
      );
    }),
    { runs },
  );
});
