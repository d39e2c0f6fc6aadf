// decodeMessage / encodeMessage / messageToJson dispatch, including the UPDATE hand-off to
// ./update, and contract 1's key order ("type", "length" first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytes, hexOf, MARKER } from './fixture-rows';
import {
  decodeMessage,
  encodeMessage,
  maxMessageLength,
  messageToJson,
  messageTypeName,
} from '../../../src/bgp/messages/message';
import { BgpError, HeaderSubcode } from '../../../src/bgp/messages/errors';
import { makeNotification } from '../../../src/bgp/messages/notification';
import { DEFAULT_CONTEXT, MessageType, type CodecContext } from '../../../src/bgp/messages/types';

const EXT: CodecContext = { fourOctetAs: false, extendedMessage: true, addPath: new Set() };

test('message: UPDATE goes through ./update and prints contract-1 keys after type and length', () => {
  const eor = bytes(`${MARKER} 0017 02 0000 0000`);
  assert.equal(JSON.stringify(messageToJson(decodeMessage(eor, DEFAULT_CONTEXT))), '{"type":"UPDATE","length":23}');
  // Withdraw 10.0.0.0/24; announce 10.1.0.0/24 with ORIGIN IGP, AS_PATH 65001, NEXT_HOP 192.0.2.1.
  const u = bytes(`${MARKER} 0031 02  0004 180a0000  0012 40010100 400204 0201fde9 400304 c0000201  180a0100`);
  const m = decodeMessage(u, DEFAULT_CONTEXT);
  assert.equal(m.type, MessageType.Update);
  assert.equal(hexOf(encodeMessage(m, DEFAULT_CONTEXT)), hexOf(u));
  const json = messageToJson(m);
  assert.deepEqual(Object.keys(json).slice(0, 2), ['type', 'length']);
  assert.deepEqual(json, {
    type: 'UPDATE',
    length: 49,
    withdrawn: ['10.0.0.0/24'],
    nlri: ['10.1.0.0/24'],
    attributes: { origin: 'IGP', asPath: [{ type: 'AS_SEQUENCE', asns: [65001] }], nextHop: '192.0.2.1' },
  });
});

test('message: type names as contract 1 spells them', () => {
  assert.deepEqual([1, 2, 3, 4, 5].map(messageTypeName), [
    'OPEN',
    'UPDATE',
    'NOTIFICATION',
    'KEEPALIVE',
    'ROUTE-REFRESH',
  ]);
});

test('message: length limits per context and type (RFC 4271 4.1, RFC 8654 4)', () => {
  assert.equal(maxMessageLength(DEFAULT_CONTEXT), 4096);
  assert.equal(maxMessageLength(EXT), 65535);
  assert.equal(maxMessageLength(EXT, MessageType.Open), 4096);
  assert.equal(maxMessageLength(EXT, MessageType.Keepalive), 4096);
  // A NOTIFICATION over 4096 octets encodes only with extended messages.
  const big = makeNotification(6, 0, new Uint8Array(5000));
  assert.throws(
    () => encodeMessage(big, DEFAULT_CONTEXT),
    (e) => e instanceof BgpError && e.subcode === HeaderSubcode.BadMessageLength,
  );
  const wire = encodeMessage(big, EXT);
  assert.equal(wire.length, 5021);
  assert.deepEqual(decodeMessage(wire, EXT), big);
  assert.throws(() => decodeMessage(wire, DEFAULT_CONTEXT), BgpError);
});
