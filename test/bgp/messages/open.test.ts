import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRows, bytes, MARKER, type FixtureRow } from './fixture-rows';
import { decodeMessage, messageToJson } from '../../../src/bgp/messages/message';
import { makeOpen, openAsn, encodeOpen, decodeOpen, type OpenMessage } from '../../../src/bgp/messages/open';
import { CapabilityCode, decodeCapability, type Capability } from '../../../src/bgp/messages/capabilities';
import { BgpError, ErrorCode, OpenSubcode } from '../../../src/bgp/messages/errors';
import { DEFAULT_CONTEXT, MessageType } from '../../../src/bgp/messages/types';

const MP4: Capability = { kind: 'multiprotocol', code: CapabilityCode.Multiprotocol, afi: 1, safi: 1 };
const RR: Capability = { kind: 'route-refresh', code: CapabilityCode.RouteRefresh };
const AS4_65001: Capability = { kind: 'four-octet-as', code: CapabilityCode.FourOctetAs, asn: 65001 };
const CAPS_HEX = '01 04 0001 00 01  02 00  41 04 0000fde9';

function open(o: Partial<OpenMessage> & Pick<OpenMessage, 'length'>): OpenMessage {
  return {
    type: MessageType.Open,
    version: 4,
    myAs: 65001,
    holdTime: 90,
    bgpId: 0x0a000001,
    capabilities: [],
    optionalParams: [],
    extendedOptParams: false,
    ...o,
  };
}

const rows: FixtureRow[] = [
  {
    name: 'no optional parameters',
    msg: open({ length: 29, myAs: 100, holdTime: 180, bgpId: 0xc0000201 }),
    hex: `${MARKER} 001d 01  04 0064 00b4 c0000201 00`,
  },
  {
    name: 'capabilities in one parameter',
    msg: open({
      length: 45,
      capabilities: [MP4, RR, AS4_65001],
      optionalParams: [{ type: 2, value: bytes(CAPS_HEX) }],
    }),
    hex: `${MARKER} 002d 01  04 fde9 005a 0a000001 10  02 0e ${CAPS_HEX}`,
  },
  {
    name: 'capabilities spread over several parameters',
    msg: open({
      length: 49,
      capabilities: [MP4, RR, AS4_65001],
      optionalParams: [
        { type: 2, value: bytes('01 04 0001 00 01') },
        { type: 2, value: bytes('02 00') },
        { type: 2, value: bytes('41 04 0000fde9') },
      ],
    }),
    hex: `${MARKER} 0031 01  04 fde9 005a 0a000001 14  02 06 01040001 0001  02 02 0200  02 06 4104 0000fde9`,
  },
  {
    name: 'RFC 9072 extended optional parameters length',
    msg: open({
      length: 49,
      capabilities: [MP4, RR, AS4_65001],
      extendedOptParams: true,
      optionalParams: [{ type: 2, value: bytes(CAPS_HEX) }],
    }),
    hex: `${MARKER} 0031 01  04 fde9 005a 0a000001 ff ff 0011  02 000e ${CAPS_HEX}`,
  },
  {
    name: '4-octet AS behind AS_TRANS',
    msg: open({
      length: 37,
      myAs: 23456,
      capabilities: [{ kind: 'four-octet-as', code: CapabilityCode.FourOctetAs, asn: 4200000001 }],
      optionalParams: [{ type: 2, value: bytes('41 04 fa56ea01') }],
    }),
    hex: `${MARKER} 0025 01  04 5ba0 005a 0a000001 08  02 06 4104 fa56ea01`,
  },
  {
    name: 'every other known capability, old Cisco route refresh, an unknown code',
    msg: open({
      length: 87,
      capabilities: [
        {
          kind: 'graceful-restart',
          code: CapabilityCode.GracefulRestart,
          flags: 8,
          restartTime: 120,
          families: [{ afi: 1, safi: 1, flags: 0x80 }],
        },
        {
          kind: 'add-path',
          code: CapabilityCode.AddPath,
          families: [
            { afi: 1, safi: 1, sendReceive: 3 },
            { afi: 2, safi: 1, sendReceive: 1 },
          ],
        },
        {
          kind: 'long-lived-graceful-restart',
          code: CapabilityCode.LongLivedGracefulRestart,
          families: [{ afi: 1, safi: 1, flags: 0x80, staleTime: 3600 }],
        },
        { kind: 'fqdn', code: CapabilityCode.Fqdn, hostname: 'rr1', domain: 'example.net' },
        { kind: 'extended-message', code: CapabilityCode.ExtendedMessage },
        { kind: 'enhanced-route-refresh', code: CapabilityCode.EnhancedRouteRefresh },
        { kind: 'unknown', code: 128, value: new Uint8Array(0) },
        { kind: 'unknown', code: 0xf0, value: bytes('aabbcc') },
      ],
      optionalParams: [
        {
          type: 2,
          value: bytes(`40 06 8078 0001 01 80  45 08 0001 01 03 0002 01 01  47 07 0001 01 80 000e10
          49 10 03 727231 0b 6578616d706c652e6e6574  06 00  46 00  80 00  f0 03 aabbcc`),
        },
      ],
    }),
    hex: `${MARKER} 0057 01  04 fde9 005a 0a000001 3a  02 38
      40 06 8078 0001 01 80  45 08 0001 01 03 0002 01 01  47 07 0001 01 80 000e10
      49 10 03 727231 0b 6578616d706c652e6e6574  06 00  46 00  80 00  f0 03 aabbcc`,
  },
  {
    name: 'an optional parameter other than capabilities is kept raw',
    msg: open({ length: 33, optionalParams: [{ type: 1, value: bytes('abcd') }] }),
    hex: `${MARKER} 0021 01  04 fde9 005a 0a000001 04  01 02 abcd`,
  },
];

checkRows('OPEN', rows);

test('OPEN: messageToJson gives contract-1 keys, capabilities as codes across parameters', () => {
  assert.deepEqual(messageToJson(rows[2]!.msg), {
    type: 'OPEN',
    length: 49,
    version: 4,
    asn: 65001,
    holdTime: 90,
    bgpId: '10.0.0.1',
    capabilities: [1, 2, 65],
  });
  assert.deepEqual(messageToJson(rows[4]!.msg).asn, 4200000001);
  assert.deepEqual(messageToJson(rows[5]!.msg).capabilities, [64, 69, 71, 73, 6, 70, 128, 240]);
  assert.deepEqual(
    JSON.stringify(messageToJson(rows[0]!.msg)),
    '{"type":"OPEN","length":29,"version":4,"asn":100,"holdTime":180,"bgpId":"192.0.2.1","capabilities":[]}',
  );
});

test('OPEN: openAsn uses the 4-octet capability, else My AS', () => {
  assert.equal(openAsn(rows[4]!.msg as OpenMessage), 4200000001);
  assert.equal(openAsn(rows[0]!.msg as OpenMessage), 100);
});

test('OPEN: makeOpen lays capabilities out in one parameter and matches the fixture', () => {
  const m = makeOpen({ asn: 65001, holdTime: 90, bgpId: 0x0a000001, capabilities: [MP4, RR, AS4_65001] });
  assert.deepEqual(m, rows[1]!.msg);
  const big = makeOpen({ asn: 4200000001, holdTime: 90, bgpId: 1, capabilities: [AS4_65001] });
  assert.equal(big.myAs, 23456);
});

test('OPEN: makeOpen switches to the RFC 9072 format only when over 255 octets', () => {
  const many: Capability[] = Array.from({ length: 60 }, (_, i) => ({
    kind: 'multiprotocol',
    code: CapabilityCode.Multiprotocol,
    afi: 1,
    safi: i + 1,
  }));
  const m = makeOpen({ asn: 1, holdTime: 0, bgpId: 1, capabilities: many });
  assert.equal(m.extendedOptParams, true);
  const wire = encodeOpen(m);
  assert.equal(wire.length, 19 + 10 + 3 + 3 + 360);
  assert.equal(wire[28], 255);
  assert.equal(wire[29], 255);
  assert.deepEqual(decodeOpen(wire), m);
  const few = makeOpen({ asn: 1, holdTime: 0, bgpId: 1, capabilities: many.slice(0, 40) });
  assert.equal(few.extendedOptParams, false);
  assert.deepEqual(decodeOpen(encodeOpen(few)), few);
});

function openErr(hex: string): BgpError {
  try {
    decodeMessage(bytes(hex), DEFAULT_CONTEXT);
  } catch (e) {
    assert.ok(e instanceof BgpError, `not a BgpError: ${String(e)}`);
    return e;
  }
  assert.fail('decoded without error');
}

/** A whole OPEN around `body` (after the header), its Length field computed. */
function openHex(body: string): string {
  const n = 19 + body.replace(/\s+/g, '').length / 2;
  return `${MARKER} ${n.toString(16).padStart(4, '0')} 01 ${body}`;
}
const FIXED = '04 fde9 005a 0a000001';

test('OPEN: malformed layouts are OPEN Message Error / Unspecific (RFC 4271 6.2)', () => {
  const cases = [
    `${FIXED} 01  02`, // Opt Parm Len 1, parameter header cut
    `${FIXED} 05  02 00`, // Opt Parm Len past the message
    `${FIXED} 01  02 00`, // Opt Parm Len short of the message
    `${FIXED} 04  02 03 0100`, // parameter overruns
    `${FIXED} 04  02 02 0105`, // capability overruns its parameter
    `${FIXED} 03  02 01 41`, // capability header cut
    `${FIXED} 04  02 02 4100`, // 4-octet AS of length 0
    `${FIXED} 07  02 05 0103 000100`, // multiprotocol of length 3
    `${FIXED} 06  02 04 0202 0000`, // route refresh with a value
    `${FIXED} 06  02 04 0602 0000`, // extended message with a value
    `${FIXED} 06  02 04 4602 0000`, // enhanced route refresh with a value
    `${FIXED} 08  02 06 4504 00010104`, // add-path mode 4
    `${FIXED} 08  02 06 4504 00010100`, // add-path mode 0
    `${FIXED} 07  02 05 4503 000101`, // add-path not 4n
    `${FIXED} 07  02 05 4003 800000`, // GR family cut
    `${FIXED} 05  02 03 4001 80`, // GR shorter than 2
    `${FIXED} 07  02 05 4703 000101`, // LLGR not 7n
    `${FIXED} 07  02 05 4903 056100`, // fqdn hostname overruns
    `${FIXED} 07  02 05 4903 016105`, // fqdn domain overruns
    `${FIXED} 08  02 06 4904 01610000`, // fqdn trailing octet
    `${FIXED} ff ff`, // RFC 9072 length cut
    `${FIXED} ff ff 0004 02 00`, // RFC 9072 length disagrees with the message
    `${FIXED} ff ff 0002 02 00`, // RFC 9072 parameter header cut
    `${FIXED} ff ff 0004 02 0002 00`, // RFC 9072 parameter overruns
    '04 fde9 005a 0a00', // shorter than the fixed fields (length >= 29 fails first in the header)
  ];
  for (const body of cases) {
    const hex = openHex(body);
    let e: BgpError;
    if (body === '04 fde9 005a 0a00') {
      e = openErr(hex);
      assert.equal(e.code, ErrorCode.MessageHeader, hex); // RFC 4271 6.1: below the OPEN minimum
      continue;
    }
    e = openErr(hex);
    assert.equal(e.code, ErrorCode.OpenMessage, hex);
    assert.equal(e.subcode, OpenSubcode.Unspecific, hex);
  }
  // The OPEN decoder on its own (no header check before it) still refuses a short body.
  assert.throws(() => decodeOpen(bytes(openHex('04 fde9'))), BgpError);
});

test('OPEN: fqdn that is not UTF-8 is kept raw instead of refusing the peer', () => {
  const m = decodeMessage(bytes(openHex(`${FIXED} 07  02 05 4903 01ff00`)), DEFAULT_CONTEXT) as OpenMessage;
  assert.deepEqual(m.capabilities, [{ kind: 'unknown', code: 73, value: bytes('01ff00') }]);
});

test('OPEN: a non-zero Non-Ext OP Len other than 255 still selects the RFC 9072 format', () => {
  const m = decodeMessage(bytes(openHex(`${FIXED} 01 ff 0005 02 0002 0200`)), DEFAULT_CONTEXT) as OpenMessage;
  assert.equal(m.extendedOptParams, true);
  assert.deepEqual(m.optionalParams, [{ type: 2, value: bytes('0200') }]);
  assert.deepEqual(m.capabilities, [RR]);
});

test('OPEN: encoding refuses type 255 first in the RFC 4271 layout, reserved by RFC 9072 2', () => {
  const m = { ...(rows[0]!.msg as OpenMessage), optionalParams: [{ type: 255, value: new Uint8Array(0) }] };
  assert.throws(() => encodeOpen(m), BgpError);
  // Unambiguous elsewhere: after another parameter, or inside the extended layout.
  const later = { ...m, optionalParams: [{ type: 2, value: new Uint8Array(0) }, ...m.optionalParams] };
  assert.deepEqual(decodeOpen(encodeOpen({ ...later, length: 33 })), { ...later, length: 33 });
  const ext = { ...m, extendedOptParams: true, length: 35 };
  assert.deepEqual(decodeOpen(encodeOpen(ext)), ext);
});

test('FQDN capability: a leading U+FEFF in the hostname is kept, not stripped as a BOM (property seed 509512096)', () => {
  const c = decodeCapability(CapabilityCode.Fqdn, bytes('03 efbbbf 00'));
  assert.deepEqual(c, { kind: 'fqdn', code: CapabilityCode.Fqdn, hostname: '\ufeff', domain: '' });
  const open = makeOpen({ asn: 65001, holdTime: 90, bgpId: 0x0a000001, capabilities: [c] });
  const back = decodeOpen(encodeOpen(open));
  assert.deepEqual(back.capabilities, [c]);
});
