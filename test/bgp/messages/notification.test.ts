import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRows, bytes, MARKER, type FixtureRow } from './fixture-rows';
import {
  makeNotification,
  makeShutdownNotification,
  notificationFromError,
  notificationName,
  shutdownCommunication,
  errorSubcodeName,
  ERROR_SUBCODE_NAMES,
  encodeNotification,
} from '../../../src/bgp/messages/notification';
import { messageToJson } from '../../../src/bgp/messages/message';
import { BgpError, CeaseSubcode, ErrorCode, OpenSubcode } from '../../../src/bgp/messages/errors';
import { MessageType } from '../../../src/bgp/messages/types';

const rows: FixtureRow[] = [
  {
    name: 'Hold Timer Expired, no data',
    msg: { type: MessageType.Notification, length: 21, code: 4, subcode: 0, data: new Uint8Array(0) },
    hex: `${MARKER} 0015 03 04 00`,
  },
  {
    name: 'Unsupported Version Number with data 0004',
    msg: { type: MessageType.Notification, length: 23, code: 2, subcode: 1, data: bytes('0004') },
    hex: `${MARKER} 0017 03 02 01 0004`,
  },
  {
    name: 'Cease / Administrative Shutdown with an RFC 9003 communication',
    msg: { type: MessageType.Notification, length: 33, code: 6, subcode: 2, data: bytes('0b 6d61696e74656e616e6365') },
    hex: `${MARKER} 0021 03 06 02 0b 6d61696e74656e616e6365`,
  },
  {
    name: 'unknown code kept as is',
    msg: { type: MessageType.Notification, length: 24, code: 200, subcode: 99, data: bytes('010203') },
    hex: `${MARKER} 0018 03 c8 63 010203`,
  },
];

checkRows('NOTIFICATION', rows);

test('NOTIFICATION: messageToJson gives code, subcode, data as hex', () => {
  assert.deepEqual(messageToJson(rows[1]!.msg), {
    type: 'NOTIFICATION',
    length: 23,
    code: 2,
    subcode: 1,
    data: '0004',
  });
  assert.deepEqual(messageToJson(rows[0]!.msg), { type: 'NOTIFICATION', length: 21, code: 4, subcode: 0, data: '' });
});

test('NOTIFICATION: names for every code and subcode of RFC 4271, 4486, 6608, 7313, 8538, 9003', () => {
  assert.equal(notificationName(6, 2), 'Cease / Administrative Shutdown');
  assert.equal(notificationName(6, 9), 'Cease / Hard Reset'); // RFC 8538
  assert.equal(notificationName(5, 3), 'Finite State Machine Error / Receive Unexpected Message in Established State');
  assert.equal(notificationName(7, 1), 'ROUTE-REFRESH Message Error / Invalid Message Length');
  assert.equal(notificationName(1, 3), 'Message Header Error / Bad Message Type');
  assert.equal(notificationName(3, 11), 'UPDATE Message Error / Malformed AS_PATH');
  assert.equal(notificationName(4, 0), 'Hold Timer Expired / Unspecific');
  assert.equal(notificationName(99, 1), 'Unknown Error Code 99 / Subcode 1');
  assert.equal(errorSubcodeName(2, 42), 'Unknown Subcode 42');
  // RFC 4271 6.1-6.3, RFC 6608, RFC 4486 + 8538: every subcode has a name.
  const expected: Record<number, number[]> = {
    1: [1, 2, 3],
    2: [1, 2, 3, 4, 6, 7],
    3: [1, 2, 3, 4, 5, 6, 8, 9, 10, 11],
    5: [0, 1, 2, 3],
    6: [1, 2, 3, 4, 5, 6, 7, 8, 9],
    7: [1],
  };
  for (const [code, subs] of Object.entries(expected)) {
    for (const s of subs) assert.ok(ERROR_SUBCODE_NAMES[Number(code)]![s], `${code}/${s}`);
  }
});

test('NOTIFICATION: RFC 9003 shutdown communication parse and build', () => {
  assert.equal(shutdownCommunication(rows[2]!.msg as never), 'maintenance');
  const n = makeShutdownNotification(CeaseSubcode.AdministrativeReset, 'upgrade to 2.1 ✓');
  assert.equal(n.code, ErrorCode.Cease);
  assert.equal(n.subcode, 4);
  assert.equal(n.data[0], Buffer.byteLength('upgrade to 2.1 ✓'));
  assert.equal(shutdownCommunication(n), 'upgrade to 2.1 ✓');
  assert.equal(n.length, encodeNotification(n).length);
  // A leading U+FEFF is text the operator sent, not a BOM to strip.
  assert.equal(
    shutdownCommunication(makeShutdownNotification(CeaseSubcode.AdministrativeShutdown, '\ufeffdrain')),
    '\ufeffdrain',
  );
  // Empty communication: a zero length octet, and '' back.
  assert.equal(shutdownCommunication(makeShutdownNotification(CeaseSubcode.AdministrativeShutdown, '')), '');
  // Only Cease 2 and 4 carry one.
  assert.equal(shutdownCommunication(makeNotification(6, 3, bytes('0161'))), undefined);
  // Length past the data, or bad UTF-8: no communication, not an error (RFC 9003 4).
  assert.equal(shutdownCommunication(makeNotification(6, 2, bytes('0561'))), undefined);
  assert.equal(shutdownCommunication(makeNotification(6, 2, bytes('01ff'))), undefined);
  assert.equal(shutdownCommunication(makeNotification(6, 2, new Uint8Array(0))), undefined);
});

test('NOTIFICATION: a long communication is cut to 255 octets at a character boundary', () => {
  const text = 'é'.repeat(200); // 400 octets of UTF-8, 2 octets per character
  const n = makeShutdownNotification(CeaseSubcode.AdministrativeShutdown, text);
  assert.equal(n.data[0], 254);
  assert.equal(shutdownCommunication(n), 'é'.repeat(127));
  const ascii = makeShutdownNotification(CeaseSubcode.AdministrativeShutdown, 'x'.repeat(300));
  assert.equal(ascii.data[0], 255);
});

test('NOTIFICATION: notificationFromError carries code, subcode and data', () => {
  const e = BgpError.open(OpenSubcode.UnsupportedVersionNumber, 'v3', Uint8Array.of(0, 4));
  const n = notificationFromError(e);
  assert.deepEqual(n, { type: MessageType.Notification, length: 23, code: 2, subcode: 1, data: Uint8Array.of(0, 4) });
  const huge = notificationFromError(new BgpError(3, 1, 'x', new Uint8Array(10000)));
  assert.equal(encodeNotification(huge).length, 4096);
});
