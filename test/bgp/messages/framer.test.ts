// MessageFramer: partial and coalesced reads, zero-copy views, and every RFC 4271 6.1
// header failure with the Data the NOTIFICATION must carry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageFramer } from '../../../src/bgp/messages/framer';
import { checkHeader, encodeHeader, writeHeader, withHeader } from '../../../src/bgp/messages/header';
import { BgpError, ErrorCode, HeaderSubcode } from '../../../src/bgp/messages/errors';
import { decodeMessage } from '../../../src/bgp/messages/message';
import { DEFAULT_CONTEXT, MessageType } from '../../../src/bgp/messages/types';
import { bytes, hexOf, MARKER, prng, randomChunks } from './fixture-rows';

const KA = bytes(`${MARKER} 0013 04`);
const RR = bytes(`${MARKER} 0017 05 0001 00 01`);
const NOTIF = bytes(`${MARKER} 0015 03 04 00`);

function all(f: MessageFramer): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let m = f.next(); m; m = f.next()) out.push(m);
  return out;
}

function cat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

test('framer: coalesced messages in one chunk come out as views of that chunk', () => {
  const chunk = cat(KA, RR, NOTIF);
  const f = new MessageFramer();
  f.push(chunk);
  const got = all(f);
  assert.deepEqual(got.map(hexOf), [KA, RR, NOTIF].map(hexOf));
  for (const m of got) assert.equal(m.buffer, chunk.buffer, 'zero-copy view expected');
  assert.equal(got[1]!.byteOffset, 19);
  assert.equal(f.pending, 0);
  assert.equal(f.next(), undefined);
});

test('framer: a message split byte by byte is reassembled once complete', () => {
  const f = new MessageFramer();
  for (let i = 0; i < RR.length - 1; i++) {
    f.push(RR.subarray(i, i + 1));
    assert.equal(f.next(), undefined);
  }
  f.push(RR.subarray(RR.length - 1));
  const m = f.next();
  assert.ok(m);
  assert.equal(hexOf(m), hexOf(RR));
  assert.notEqual(m.buffer, RR.buffer); // copied: it spanned chunks
  assert.equal(f.next(), undefined);
});

test('framer: the tail of one chunk and the head of the next form one message', () => {
  const stream = cat(KA, RR, NOTIF, KA);
  const f = new MessageFramer();
  f.push(stream.subarray(0, 25)); // KA + 6 octets of RR
  assert.deepEqual(all(f).map(hexOf), [hexOf(KA)]);
  assert.equal(f.pending, 6);
  f.push(stream.subarray(25, 50)); // rest of RR + 8 of NOTIF
  assert.deepEqual(all(f).map(hexOf), [hexOf(RR)]);
  f.push(stream.subarray(50));
  assert.deepEqual(all(f).map(hexOf), [hexOf(NOTIF), hexOf(KA)]);
});

test('framer: random chunkings of a long stream give the same messages in order', () => {
  const msgs = [
    KA,
    RR,
    NOTIF,
    withHeader(
      MessageType.Update,
      new Uint8Array(4000).fill(0).map((_, i) => (i < 4 ? 0 : i & 0xff)),
    ),
  ];
  // A valid-looking UPDATE: lengths 0/0 then junk is fine for framing (framing reads only headers).
  const seq: Uint8Array[] = [];
  for (let i = 0; i < 200; i++) seq.push(msgs[i % msgs.length]!);
  const stream = cat(...seq);
  const rand = prng(42);
  for (let round = 0; round < 10; round++) {
    const f = new MessageFramer();
    const got: Uint8Array[] = [];
    for (const c of randomChunks(stream, rand, 1 + round * 700)) {
      f.push(c);
      got.push(...all(f));
    }
    assert.equal(got.length, seq.length);
    got.forEach((m, i) => {
      assert.equal(hexOf(m), hexOf(seq[i]!));
    });
  }
});

test('framer: empty chunks are ignored', () => {
  const f = new MessageFramer();
  f.push(new Uint8Array(0));
  assert.equal(f.next(), undefined);
  f.push(KA);
  assert.equal(hexOf(f.next()!), hexOf(KA));
});

function frameErr(hex: string, max?: number): BgpError {
  const f = new MessageFramer(max);
  f.push(bytes(hex));
  try {
    f.next();
  } catch (e) {
    assert.ok(e instanceof BgpError, String(e));
    // The stream is out of sync after a header error: every later call says so again.
    assert.throws(
      () => f.next(),
      (e2) => e2 === e,
    );
    return e;
  }
  assert.fail('no error');
}

test('framer: marker not all ones -> Connection Not Synchronized (RFC 4271 6.1)', () => {
  for (let i = 0; i < 16; i++) {
    const b = bytes(`${MARKER} 0013 04`);
    b[i] = 0xfe;
    const e = frameErr(hexOf(b));
    assert.equal(e.code, ErrorCode.MessageHeader);
    assert.equal(e.subcode, HeaderSubcode.ConnectionNotSynchronized);
  }
});

test('framer: length < 19 or > max -> Bad Message Length with the length as data (RFC 4271 6.1)', () => {
  for (const [len, max] of [
    [0, 4096],
    [18, 4096],
    [4097, 4096],
    [0xffff, 4096],
    [5000, 4999],
  ] as const) {
    const e = frameErr(`${MARKER} ${len.toString(16).padStart(4, '0')} 02`, max);
    assert.equal(e.code, ErrorCode.MessageHeader);
    assert.equal(e.subcode, HeaderSubcode.BadMessageLength);
    assert.deepEqual(e.data, Uint8Array.of(len >> 8, len & 0xff));
  }
});

test('framer: setMaxLength raises the limit to 65535 after RFC 8654 negotiation', () => {
  const big = withHeader(MessageType.Update, new Uint8Array(10000));
  const f = new MessageFramer();
  f.setMaxLength(65535);
  f.push(big);
  assert.equal(f.next()!.length, 10019);
  assert.equal(frameErr(hexOf(big)).subcode, HeaderSubcode.BadMessageLength); // default 4096
  // RFC 8654 4: never for OPEN.
  const e = frameErr(`${MARKER} 1001 01`, 65535);
  assert.equal(e.subcode, HeaderSubcode.BadMessageLength);
  assert.deepEqual(e.data, Uint8Array.of(0x10, 0x01));
});

test('framer: per-type minimum lengths -> Bad Message Length (RFC 4271 6.1)', () => {
  const cases: [number, number][] = [
    [MessageType.Open, 28],
    [MessageType.Update, 22],
    [MessageType.Notification, 20],
    [MessageType.Keepalive, 20],
    [MessageType.Keepalive, 4096],
  ];
  for (const [type, len] of cases) {
    const e = frameErr(`${MARKER} ${len.toString(16).padStart(4, '0')} 0${type}`);
    assert.equal(e.subcode, HeaderSubcode.BadMessageLength, `type ${type} length ${len}`);
    assert.deepEqual(e.data, Uint8Array.of(len >> 8, len & 0xff));
  }
  // The minimums themselves pass the header check.
  for (const [type, len] of [
    [1, 29],
    [2, 23],
    [3, 21],
    [4, 19],
    [5, 19],
  ]) {
    assert.deepEqual(checkHeader(encodeHeader(type as MessageType, len), 0, 4096), { type, length: len });
  }
});

test('framer: unknown type -> Bad Message Type with the type octet as data (RFC 4271 6.1)', () => {
  for (const t of [0, 6, 128, 255]) {
    const e = frameErr(`${MARKER} 0013 ${t.toString(16).padStart(2, '0')}`);
    assert.equal(e.subcode, HeaderSubcode.BadMessageType);
    assert.deepEqual(e.data, Uint8Array.of(t));
  }
});

test('framer: a header error is raised as soon as the header is in, without waiting for the body', () => {
  const f = new MessageFramer();
  f.push(bytes(`${MARKER} 0fff`)); // 18 octets: not yet
  assert.equal(f.next(), undefined);
  f.push(Uint8Array.of(9));
  assert.throws(() => f.next(), BgpError);
});

test('header helpers: encodeHeader / writeHeader', () => {
  assert.equal(hexOf(encodeHeader(MessageType.Keepalive, 19)), hexOf(KA));
  const b = new Uint8Array(25);
  assert.equal(writeHeader(b, 3, MessageType.Update, 23), 22);
  assert.equal(hexOf(b.subarray(3, 22)), `${MARKER}001702`);
  assert.throws(() => withHeader(MessageType.Update, new Uint8Array(65535)), BgpError);
});

test('decodeMessage: frame shorter than a header, or not matching its Length field -> Bad Message Length', () => {
  for (const hex of [MARKER, `${MARKER} 0013 04 00`, `${MARKER} 0017 05 0001 00`]) {
    assert.throws(
      () => decodeMessage(bytes(hex), DEFAULT_CONTEXT),
      (e) => e instanceof BgpError && e.subcode === HeaderSubcode.BadMessageLength,
    );
  }
});
