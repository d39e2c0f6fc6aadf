// Fuzzing (fast-check): random bytes, mutated and truncated messages, fed to decodeMessage
// and to the framer, give a value or a BgpError, never any other exception, never a hang.
// Whatever decodes (other than UPDATE, which is another module's) re-encodes to the same octets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeMessage, encodeMessage, type BgpMessage } from '../../../src/bgp/messages/message';
import { MessageFramer } from '../../../src/bgp/messages/framer';
import { BgpError } from '../../../src/bgp/messages/errors';
import { validateOpen, type OpenMessage } from '../../../src/bgp/messages/open';
import { codecContextFor, negotiateSession } from '../../../src/bgp/messages/negotiate';
import {
  shutdownCommunication,
  notificationFromError,
  type NotificationMessage,
} from '../../../src/bgp/messages/notification';
import { DEFAULT_CONTEXT, MessageType, type CodecContext } from '../../../src/bgp/messages/types';
import { messageArb, madeOpenArb } from './arbitraries';
import { checkProperty } from '../../helpers/property';
import { messageToJson } from '../../../src/bgp/messages/message';

const CTX_EXT: CodecContext = { fourOctetAs: true, extendedMessage: true, addPath: new Set([0x101, 0x201]) };
const ctxArb = fc.constantFrom(DEFAULT_CONTEXT, CTX_EXT);

/** decodeMessage must return a value or throw BgpError; a value must also print and re-encode. */
function tryDecode(frame: Uint8Array, ctx: CodecContext): BgpMessage | BgpError {
  let m: BgpMessage;
  try {
    m = decodeMessage(frame, ctx);
  } catch (e) {
    if (e instanceof BgpError) {
      notificationFromError(e); // every error must turn into a NOTIFICATION
      return e;
    }
    throw e;
  }
  JSON.stringify(messageToJson(m));
  if (m.type === MessageType.Update) return m;
  if (m.type === MessageType.Open) {
    const v = validateOpen(m, { peerAs: 65000, localAs: 65000, localBgpId: 1 });
    assert.ok(v === undefined || v instanceof BgpError);
    codecContextFor(m, m);
    try {
      negotiateSession(m, m);
    } catch (e) {
      assert.ok(e instanceof BgpError);
    }
    // RFC 9072 allows any non-zero Non-Ext OP Len; we always re-send 255 there.
    if (m.extendedOptParams && frame[28] !== 255) return m;
  }
  if (m.type === MessageType.Notification) shutdownCommunication(m as NotificationMessage);
  assert.deepEqual(encodeMessage(m, ctx), frame, 'a decoded message re-encodes to the same octets');
  return m;
}

/** A frame with a valid marker and Length field around random type and body. */
const framedArb = fc
  .record({
    type: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 255 })),
    body: fc.uint8Array({ maxLength: 300 }),
  })
  .map(({ type, body }) => {
    const b = new Uint8Array(19 + body.length);
    b.fill(0xff, 0, 16);
    b[16] = b.length >> 8;
    b[17] = b.length & 0xff;
    b[18] = type;
    b.set(body, 19);
    return b;
  });

test('fuzz: random bytes give a value or a BgpError', (t) => {
  checkProperty(
    t,
    fc.property(fc.uint8Array({ maxLength: 400 }), ctxArb, (b, ctx) => {
      tryDecode(b, ctx);
    }),
  );
});

test('fuzz: well-framed random bodies of every type give a value or a BgpError', (t) => {
  checkProperty(
    t,
    fc.property(framedArb, ctxArb, (b, ctx) => {
      tryDecode(b, ctx);
    }),
  );
});

/** Valid messages with random octets overwritten (header kept, or not). */
const mutatedArb = fc
  .record({
    msg: messageArb,
    edits: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), {
      minLength: 1,
      maxLength: 6,
    }),
    keepHeader: fc.boolean(),
  })
  .map(({ msg, edits, keepHeader }) => {
    const b = encodeMessage(msg, DEFAULT_CONTEXT).slice();
    const from = keepHeader ? 19 : 0;
    if (b.length > from) for (const e of edits) b[from + (e.at % (b.length - from))] = e.value;
    return b;
  });

test('fuzz: mutated messages give a value or a BgpError', (t) => {
  checkProperty(
    t,
    fc.property(mutatedArb, ctxArb, (b, ctx) => {
      tryDecode(b, ctx);
    }),
  );
});

/** Valid messages cut short, with the Length field fixed up to the cut or left as it was. */
const truncatedArb = fc.record({ msg: messageArb, cut: fc.nat(), fix: fc.boolean() }).map(({ msg, cut, fix }) => {
  const full = encodeMessage(msg, DEFAULT_CONTEXT);
  const b = full.slice(0, cut % (full.length + 1));
  if (fix && b.length >= 18) {
    b[16] = b.length >> 8;
    b[17] = b.length & 0xff;
  }
  return b;
});

test('fuzz: truncated messages give a value or a BgpError', (t) => {
  checkProperty(
    t,
    fc.property(truncatedArb, ctxArb, (b, ctx) => {
      tryDecode(b, ctx);
    }),
  );
});

test('fuzz: OPEN capability bytes mutated inside a well-formed parameter', (t) => {
  checkProperty(
    t,
    fc.property(
      madeOpenArb,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      (o: OpenMessage, edits) => {
        const b = encodeMessage(o, DEFAULT_CONTEXT).slice();
        const start = o.extendedOptParams ? 35 : 31; // first capability octet
        if (b.length <= start) return;
        for (const [at, v] of edits) b[start + (at % (b.length - start))] = v;
        tryDecode(b, DEFAULT_CONTEXT);
      },
    ),
  );
});

test('fuzz: the framer on random streams returns frames or throws BgpError, and stops', (t) => {
  checkProperty(
    t,
    fc.property(
      fc.array(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutatedArb, framedArb), { maxLength: 10 }),
      fc.boolean(),
      (chunks, ext) => {
        const f = new MessageFramer(ext ? 65535 : 4096);
        let frames = 0;
        try {
          for (const c of chunks) {
            f.push(c);
            for (let m = f.next(); m; m = f.next()) {
              assert.ok(m.length >= 19);
              tryDecode(m, DEFAULT_CONTEXT);
              frames++;
              assert.ok(frames < 10000, 'framer must not loop');
            }
          }
        } catch (e) {
          if (!(e instanceof BgpError)) throw e;
        }
      },
    ),
  );
});

// Inputs fuzzing once found (decoded, but refused to re-encode: type 255 after the first
// parameter, or inside the RFC 9072 layout). Replayed on every run.
const FOUND = [
  'ffffffffffffffffffffffffffffffff002501000000000000000000080200ff0400000000',
  'ffffffffffffffffffffffffffffffff002b01000000000000000000ffff000bff00084006000000000000',
];

test('fuzz: replay of inputs found earlier', () => {
  for (const hex of FOUND) {
    const r = tryDecode(new Uint8Array(Buffer.from(hex, 'hex')), DEFAULT_CONTEXT);
    assert.ok(!(r instanceof BgpError), hex);
  }
});
