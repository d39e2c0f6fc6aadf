import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRows, bytes, MARKER, type FixtureRow } from './fixture-rows';
import { decodeMessage, messageToJson } from '../../../src/bgp/messages/message';
import { encodeKeepalive, KEEPALIVE, decodeKeepalive } from '../../../src/bgp/messages/keepalive';
import { makeRouteRefresh, RouteRefreshSubtype } from '../../../src/bgp/messages/route-refresh';
import { BgpError, ErrorCode, HeaderSubcode, RouteRefreshSubcode } from '../../../src/bgp/messages/errors';
import { DEFAULT_CONTEXT, MessageType } from '../../../src/bgp/messages/types';

const rows: FixtureRow[] = [
  { name: 'KEEPALIVE', msg: { type: MessageType.Keepalive, length: 19 }, hex: `${MARKER} 0013 04` },
  {
    name: 'ROUTE-REFRESH IPv4 unicast (RFC 2918)',
    msg: { type: MessageType.RouteRefresh, length: 23, afi: 1, safi: 1, subtype: 0 },
    hex: `${MARKER} 0017 05 0001 00 01`,
  },
  {
    name: 'enhanced ROUTE-REFRESH BoRR IPv6 unicast (RFC 7313)',
    msg: { type: MessageType.RouteRefresh, length: 23, afi: 2, safi: 1, subtype: 1 },
    hex: `${MARKER} 0017 05 0002 01 01`,
  },
  {
    name: 'enhanced ROUTE-REFRESH EoRR, reserved subtype kept',
    msg: { type: MessageType.RouteRefresh, length: 23, afi: 1, safi: 128, subtype: 2 },
    hex: `${MARKER} 0017 05 0001 02 80`,
  },
];
checkRows('KEEPALIVE/ROUTE-REFRESH', rows);

test('KEEPALIVE: exactly 19 octets', () => {
  assert.equal(encodeKeepalive().length, 19);
  assert.deepEqual(messageToJson(KEEPALIVE), { type: 'KEEPALIVE', length: 19 });
  assert.throws(
    () => decodeKeepalive(bytes(`${MARKER} 0014 04 00`)),
    (e) => e instanceof BgpError && e.subcode === HeaderSubcode.BadMessageLength,
  );
});

test('ROUTE-REFRESH: messageToJson and makeRouteRefresh', () => {
  assert.deepEqual(messageToJson(makeRouteRefresh(2, 1, RouteRefreshSubtype.EndOfRouteRefresh)), {
    type: 'ROUTE-REFRESH',
    length: 23,
    afi: 2,
    safi: 1,
    subtype: 2,
  });
  assert.deepEqual(makeRouteRefresh(1, 1), rows[1]!.msg);
});

test('ROUTE-REFRESH: length other than 23 -> ROUTE-REFRESH Message Error / Invalid Message Length, data = whole message (RFC 7313 5)', () => {
  for (const hex of [`${MARKER} 0013 05`, `${MARKER} 0016 05 0001 00`, `${MARKER} 0018 05 0001 01 01 00`]) {
    const wire = bytes(hex);
    assert.throws(
      () => decodeMessage(wire, DEFAULT_CONTEXT),
      (e) => {
        assert.ok(e instanceof BgpError);
        assert.equal(e.code, ErrorCode.RouteRefreshMessage);
        assert.equal(e.subcode, RouteRefreshSubcode.InvalidMessageLength);
        assert.deepEqual(e.data, wire);
        return true;
      },
    );
  }
});
