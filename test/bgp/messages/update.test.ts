// UPDATE fixture rows (name, object, hex, context), checked four ways by checkRows: decode,
// encode to the exact hex, mirror, stream. Then contract 1 JSON for each, End-of-RIB, and
// the ADD-PATH / 4-octet variants of the same routes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytes, checkRows, hexOf, MARKER, type FixtureRow } from './fixture-rows';
import { decodeUpdate, encodeUpdate, updateToJson, type UpdateMessage } from '../../../src/bgp/messages/update';
import { emptyNlri, makeNlriBlock } from '../../../src/bgp/messages/nlri';
import { decodeAttributes, encodeAttributes } from '../../../src/bgp/messages/attributes/table';
import type { PathAttributes } from '../../../src/bgp/messages/attributes/types';
import { messageToJson } from '../../../src/bgp/messages/message';
import { parseIpv6 } from '../../../src/net';
import {
  DEFAULT_CONTEXT,
  IPV4_UNICAST,
  IPV6_UNICAST,
  MessageType,
  type CodecContext,
} from '../../../src/bgp/messages/types';
import { ip4 } from '../../helpers/addr';

const FOUR: CodecContext = { ...DEFAULT_CONTEXT, fourOctetAs: true };
const AP4: CodecContext = { ...DEFAULT_CONTEXT, addPath: new Set([IPV4_UNICAST]) };
const AP6: CodecContext = { ...DEFAULT_CONTEXT, addPath: new Set([IPV6_UNICAST]) };

/** The expected object for a row; attrBytes come from the encoder (the hex check guards it). */
export function upd(
  o: { withdrawn?: string[]; nlri?: string[]; attributes?: PathAttributes; endOfRib?: number },
  ctx: CodecContext = DEFAULT_CONTEXT,
): UpdateMessage {
  const ap = ctx.addPath.has(IPV4_UNICAST);
  const withdrawn = o.withdrawn ? makeNlriBlock(1, 1, ap, o.withdrawn) : emptyNlri(1, 1, ap);
  const nlri = o.nlri ? makeNlriBlock(1, 1, ap, o.nlri) : emptyNlri(1, 1, ap);
  const attributes = o.attributes ?? {};
  const attrBytes = encodeAttributes(attributes, ctx);
  const u: UpdateMessage = {
    type: MessageType.Update,
    length: 23 + withdrawn.bytes.length + attrBytes.length + nlri.bytes.length,
    withdrawn,
    attrBytes,
    attributes,
    nlri,
    errors: [],
  };
  return o.endOfRib === undefined ? u : { ...u, endOfRib: o.endOfRib };
}

const v6 = (s: string): Uint8Array => parseIpv6(s)!;
const nh6 = (...a: string[]): Uint8Array => Uint8Array.from(a.flatMap((x) => [...v6(x)]));

const ROWS: (FixtureRow & { json: string })[] = [
  {
    name: 'IPv4 announce, 2-octet AS_PATH, MED, LOCAL_PREF, communities',
    msg: upd({
      nlri: ['10.0.0.0/24', '10.1.0.0/16', '0.0.0.0/0'],
      attributes: {
        origin: 0,
        asPath: [{ type: 2, asns: [65001, 65002] }],
        nextHop: ip4('192.0.2.1'),
        med: 100,
        localPref: 200,
        communities: [65000 * 65536 + 100, 65000 * 65536 + 200],
      },
    }),
    hex: `${MARKER} 004c 02 0000 002d 40010100 4002060202fde9fdea 400304c0000201 8004040000006 4
      400504000000c8 c00808fde80064fde800c8 180a0000 100a01 00`,
    json:
      '{"type":"UPDATE","length":76,"nlri":["10.0.0.0/24","10.1.0.0/16","0.0.0.0/0"],"attributes":{"origin":"IGP",' +
      '"asPath":[{"type":"AS_SEQUENCE","asns":[65001,65002]}],"nextHop":"192.0.2.1","med":100,"localPref":200,' +
      '"communities":["65000:100","65000:200"]}}',
  },
  {
    name: '4-octet AS_PATH with AS_SET, ATOMIC_AGGREGATE, AGGREGATOR',
    ctx: FOUR,
    msg: upd(
      {
        nlri: ['192.168.0.0/22'],
        attributes: {
          origin: 2,
          asPath: [
            { type: 2, asns: [4200000001, 65002] },
            { type: 1, asns: [1, 2] },
          ],
          nextHop: ip4('198.51.100.7'),
          atomicAggregate: true,
          aggregator: { asn: 4200000001, address: ip4('192.0.2.5') },
        },
      },
      FOUR,
    ),
    hex: `${MARKER} 004b 02 0000 0030 40010102 40021402 02fa56ea010000fdea 01020000000100000002 400304c6336407
      400600 c00708fa56ea01c0000205 16c0a800`,
    json:
      '{"type":"UPDATE","length":75,"nlri":["192.168.0.0/22"],"attributes":{"origin":"INCOMPLETE","asPath":' +
      '[{"type":"AS_SEQUENCE","asns":[4200000001,65002]},{"type":"AS_SET","asns":[1,2]}],"nextHop":"198.51.100.7",' +
      '"atomicAggregate":true,"aggregator":{"asn":4200000001,"address":"192.0.2.5"}}}',
  },
  {
    name: 'IPv4 withdrawals only',
    msg: upd({ withdrawn: ['10.0.0.0/8', '172.16.0.0/12'] }),
    hex: `${MARKER} 001c 02 0005 080a 0cac10 0000`,
    json: '{"type":"UPDATE","length":28,"withdrawn":["10.0.0.0/8","172.16.0.0/12"]}',
  },
  {
    name: 'End-of-RIB IPv4 unicast (RFC 4724 2)',
    msg: upd({ endOfRib: IPV4_UNICAST }),
    hex: `${MARKER} 0017 02 0000 0000`,
    json: '{"type":"UPDATE","length":23}',
  },
  {
    name: 'IPv6 MP_REACH_NLRI, global + link-local next hop, empty AS_PATH',
    msg: upd({
      attributes: {
        origin: 0,
        asPath: [],
        localPref: 100,
        mpReach: {
          afi: 2,
          safi: 1,
          nextHop: nh6('2001:db8::1', 'fe80::1'),
          nlri: makeNlriBlock(2, 1, false, ['2001:db8:1::/48']),
        },
      },
    }),
    hex: `${MARKER} 0054 02 0000 003d 800e2c 0002 01 20 20010db8000000000000000000000001 fe800000000000000000000000000001
      00 3020010db80001 40010100 400200 40050400000064`,
    json:
      '{"type":"UPDATE","length":84,"attributes":{"origin":"IGP","asPath":[],"localPref":100,"mpReach":{"afi":2,' +
      '"safi":1,"nextHops":["2001:db8::1","fe80::1"],"nlri":["2001:db8:1::/48"]}}}',
  },
  {
    name: 'IPv6 MP_UNREACH_NLRI with ADD-PATH path id',
    ctx: AP6,
    msg: upd(
      { attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: makeNlriBlock(2, 1, true, ['2001:db8:2::/48#7']) } } },
      AP6,
    ),
    hex: `${MARKER} 0028 02 0000 0011 800f0e 0002 01 00000007 3020010db80002`,
    json: '{"type":"UPDATE","length":40,"attributes":{"mpUnreach":{"afi":2,"safi":1,"withdrawn":["2001:db8:2::/48#7"]}}}',
  },
  {
    name: 'End-of-RIB IPv6 unicast (RFC 4724 2: empty MP_UNREACH_NLRI)',
    msg: upd({
      attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: makeNlriBlock(2, 1, false, []) } },
      endOfRib: IPV6_UNICAST,
    }),
    hex: `${MARKER} 001d 02 0000 0006 800f03000201`,
    json: '{"type":"UPDATE","length":29,"attributes":{"mpUnreach":{"afi":2,"safi":1,"withdrawn":[]}}}',
  },
  {
    name: 'ADD-PATH IPv4: path ids in withdrawn and NLRI (RFC 7911 3)',
    ctx: AP4,
    msg: upd(
      {
        withdrawn: ['10.0.0.0/24#1'],
        nlri: ['10.1.0.0/24#7'],
        attributes: { origin: 0, asPath: [], nextHop: ip4('10.0.0.1') },
      },
      AP4,
    ),
    hex: `${MARKER} 0035 02 0008 00000001180a0000 000e 40010100 400200 4003040a000001 00000007180a0100`,
    json:
      '{"type":"UPDATE","length":53,"withdrawn":["10.0.0.0/24#1"],"nlri":["10.1.0.0/24#7"],"attributes":' +
      '{"origin":"IGP","asPath":[],"nextHop":"10.0.0.1"}}',
  },
  {
    name: 'reflected route: ORIGINATOR_ID, CLUSTER_LIST, extended + large communities, unknown transitive',
    msg: upd({
      nlri: ['10.0.0.5/32'],
      attributes: {
        origin: 0,
        asPath: [{ type: 2, asns: [65000] }],
        nextHop: ip4('10.0.0.1'),
        localPref: 100,
        originatorId: ip4('10.0.0.2'),
        clusterList: [ip4('10.0.0.3'), ip4('10.0.0.4')],
        extCommunities: Uint8Array.from(Buffer.from('0002fde800000064', 'hex')),
        largeCommunities: [[4200000001, 1, 2]],
        unknown: [{ type: 99, flags: 0xe0, value: Uint8Array.of(0xab, 0xcd) }],
      },
    }),
    hex: `${MARKER} 0066 02 0000 004a 40010100 4002040201fde8 4003040a000001 40050400000064 8009040a000002
      800a080a0000030a000004 c010080002fde800000064 c0200cfa56ea010000000100000002 e06302abcd 200a000005`,
    json:
      '{"type":"UPDATE","length":102,"nlri":["10.0.0.5/32"],"attributes":{"origin":"IGP","asPath":[{"type":' +
      '"AS_SEQUENCE","asns":[65000]}],"nextHop":"10.0.0.1","localPref":100,"originatorId":"10.0.0.2","clusterList":' +
      '["10.0.0.3","10.0.0.4"],"extCommunities":["0002fde800000064"],"largeCommunities":["4200000001:1:2"],' +
      '"unknown":[{"type":99,"flags":224,"hex":"abcd"}]}}',
  },
  {
    name: '2-octet peer: AS_TRANS with AS4_PATH and AS4_AGGREGATOR (RFC 6793 4.2.2)',
    msg: upd({
      nlri: ['10.2.0.0/24'],
      attributes: {
        origin: 0,
        asPath: [{ type: 2, asns: [23456, 65002] }],
        nextHop: ip4('10.0.0.1'),
        aggregator: { asn: 23456, address: ip4('192.0.2.5') },
        as4Path: [{ type: 2, asns: [4200000001, 65002] }],
        as4Aggregator: { asn: 4200000001, address: ip4('192.0.2.5') },
      },
    }),
    hex: `${MARKER} 0050 02 0000 0035 40010100 40020602025ba0fdea 4003040a000001 c007065ba0c0000205
      c0110a0202fa56ea010000fdea c01208fa56ea01c0000205 180a0200`,
    json:
      '{"type":"UPDATE","length":80,"nlri":["10.2.0.0/24"],"attributes":{"origin":"IGP","asPath":[{"type":' +
      '"AS_SEQUENCE","asns":[23456,65002]}],"as4Path":[{"type":"AS_SEQUENCE","asns":[4200000001,65002]}],' +
      '"as4Aggregator":{"asn":4200000001,"address":"192.0.2.5"},"nextHop":"10.0.0.1","aggregator":{"asn":23456,' +
      '"address":"192.0.2.5"}}}',
  },
];

checkRows('UPDATE', ROWS);

for (const row of ROWS) {
  test(`UPDATE: ${row.name}: contract 1 JSON`, () => {
    const u = decodeUpdate(bytes(row.hex), row.ctx ?? DEFAULT_CONTEXT);
    assert.equal(JSON.stringify(updateToJson(u)), row.json);
    // messageToJson keeps the same UPDATE keys after type and length.
    const { type: _t, length: _l, ...rest } = JSON.parse(row.json) as Record<string, unknown>;
    const m = messageToJson(u);
    for (const [k, v] of Object.entries(rest)) assert.deepEqual(m[k], v, k);
  });
}

test('UPDATE: decoded views point into the frame (no copy of attributes or NLRI)', () => {
  const frame = bytes(ROWS[0]!.hex);
  const u = decodeUpdate(frame, DEFAULT_CONTEXT);
  assert.equal(u.attrBytes.buffer, frame.buffer);
  assert.equal(u.nlri.bytes.buffer, frame.buffer);
  assert.equal(u.nlri.count, 3);
});

test('UPDATE: the same routes with and without ADD-PATH differ only by path ids', () => {
  const attributes: PathAttributes = { origin: 0, asPath: [], nextHop: ip4('10.0.0.1') };
  const plain = encodeUpdate(upd({ nlri: ['10.1.0.0/24'], attributes }), DEFAULT_CONTEXT);
  const withIds = encodeUpdate(upd({ nlri: ['10.1.0.0/24#0'], attributes }, AP4), AP4);
  assert.equal(withIds.length, plain.length + 4);
  assert.deepEqual(updateToJson(decodeUpdate(withIds, AP4)).nlri, ['10.1.0.0/24#0']);
  assert.deepEqual(updateToJson(decodeUpdate(plain, DEFAULT_CONTEXT)).nlri, ['10.1.0.0/24']);
});

test('UPDATE: the same AS_PATH in 2- and 4-octet form decodes to the same ASNs', () => {
  const attributes: PathAttributes = {
    origin: 0,
    asPath: [{ type: 2, asns: [65001, 1, 65535] }],
    nextHop: ip4('10.0.0.1'),
  };
  const two = encodeUpdate(upd({ nlri: ['10.0.0.0/8'], attributes }), DEFAULT_CONTEXT);
  const four = encodeUpdate(upd({ nlri: ['10.0.0.0/8'], attributes }, FOUR), FOUR);
  assert.equal(four.length, two.length + 6); // 3 ASes, 2 more octets each
  assert.deepEqual(decodeUpdate(two, DEFAULT_CONTEXT).attributes.asPath, decodeUpdate(four, FOUR).attributes.asPath);
  // Read with the wrong width the path is malformed, never silently different ASNs here.
  assert.equal(decodeUpdate(four, DEFAULT_CONTEXT).action, 'treat-as-withdraw');
});

test('UPDATE: extended-length attribute and over-255-AS segments round trip', () => {
  const asns = Array.from({ length: 300 }, (_, i) => 64512 + (i % 1000));
  const u = upd(
    { nlri: ['10.0.0.0/8'], attributes: { origin: 0, asPath: [{ type: 2, asns }], nextHop: ip4('10.0.0.1') } },
    FOUR,
  );
  const wire = encodeUpdate(u, FOUR);
  const back = decodeUpdate(wire, FOUR);
  assert.equal(back.errors.length, 0);
  // RFC 4271 4.3 (b): split into segments of at most 255.
  assert.deepEqual(
    back.attributes.asPath!.map((s) => s.asns.length),
    [255, 45],
  );
  assert.deepEqual(
    back.attributes.asPath!.flatMap((s) => s.asns),
    asns,
  );
  assert.equal(wire[HEADER_OFF + 4]! & 0x10, 0); // ORIGIN: short form
  assert.equal(hexOf(back.attrBytes.subarray(4, 6)), '5002'); // AS_PATH: Extended Length set
});
const HEADER_OFF = 19;

test('an unrecognized attribute sent with Extended Length is passed on with it (encode(decode(x)) reproduces x)', () => {
  // Found by the mutation fuzz: type 19, flags 0xd0 (optional transitive, Extended Length),
  // empty value. RFC 4271 4.3 allows a 2-octet length for any size; re-encoding it with a
  // 1-octet length changed the flags the next decode shows (0xc0).
  const attrs = Uint8Array.of(0xd0, 19, 0, 0, 0xc0, 20, 1, 0xab);
  const { attrs: a, errors } = decodeAttributes(attrs, 0, attrs.length, DEFAULT_CONTEXT);
  assert.deepEqual(errors, []);
  assert.deepEqual(
    a.unknown?.map((u) => [u.type, u.flags, u.value.length]),
    [
      [19, 0xd0, 0],
      [20, 0xc0, 1],
    ],
  );
  assert.equal(hexOf(encodeAttributes(a, DEFAULT_CONTEXT)), hexOf(attrs));
});
