// The 19-octet message header (RFC 4271 4.1) and its checks (RFC 4271 6.1). Shared by the
// stream framer and by decodeMessage, so a frame from any source gets the same checks.
import { BgpError, HeaderSubcode } from './errors';
import { HEADER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH, MessageType } from './types';

/** Marker octets: all ones (RFC 4271 4.1; authentication is no longer carried here). */
export const MARKER_LENGTH = 16;

/**
 * Smallest legal length per message type, header included (RFC 4271 4.2-4.5, 6.1).
 * ROUTE-REFRESH has none here on purpose: a wrong length is a ROUTE-REFRESH Message Error,
 * not a header error (RFC 7313 5), and the route-refresh decoder reports it.
 */
const MIN_LENGTH: Readonly<Record<number, number>> = {
  [MessageType.Open]: 29, // RFC 4271 4.2: 10 octets after the header
  [MessageType.Update]: 23, // RFC 4271 4.3: two 2-octet length fields
  [MessageType.Notification]: 21, // RFC 4271 4.5: code + subcode
  [MessageType.Keepalive]: HEADER_LENGTH, // RFC 4271 4.4: exactly the header
  [MessageType.RouteRefresh]: HEADER_LENGTH,
};

/** Known message types (RFC 4271 4.1, RFC 2918 3). */
export function isKnownMessageType(t: number): boolean {
  return MIN_LENGTH[t] !== undefined;
}

export interface Header {
  readonly type: MessageType;
  readonly length: number;
}

function lengthError(len: number, why: string): BgpError {
  // RFC 4271 6.1: the Data field holds the erroneous Length field.
  return BgpError.header(
    HeaderSubcode.BadMessageLength,
    `bad message length ${len}: ${why}`,
    Uint8Array.of(len >>> 8, len & 0xff),
  );
}

/**
 * Checks the header at buf[off..off+19) and returns its Length field. The caller guarantees
 * 19 readable octets. Order follows RFC 4271 6.1: marker, length, type, then the per-type
 * length rule. (No object per call: the framer runs this once per message.)
 */
export function checkHeaderLength(buf: Uint8Array, off: number, maxLength: number): number {
  for (let i = 0; i < MARKER_LENGTH; i++) {
    if (buf[off + i] !== 0xff) {
      throw BgpError.header(HeaderSubcode.ConnectionNotSynchronized, 'marker is not all ones');
    }
  }
  const length = (buf[off + 16]! << 8) | buf[off + 17]!;
  const type = buf[off + 18]!;
  if (length < HEADER_LENGTH || length > maxLength) {
    throw lengthError(length, `outside ${HEADER_LENGTH}..${maxLength}`);
  }
  const min = MIN_LENGTH[type];
  if (min === undefined) {
    // RFC 4271 6.1: the Data field holds the erroneous Type field.
    throw BgpError.header(HeaderSubcode.BadMessageType, `unknown message type ${type}`, Uint8Array.of(type));
  }
  if (length < min || (type === MessageType.Keepalive && length !== HEADER_LENGTH)) {
    throw lengthError(length, `too short for message type ${type}`);
  }
  if (type === MessageType.Open && length > MAX_MESSAGE_LENGTH) {
    // RFC 8654 4: extended messages never apply to OPEN (nor KEEPALIVE, fixed at 19).
    throw lengthError(length, 'OPEN longer than 4096 octets');
  }
  return length;
}

/** checkHeaderLength, returning the type too. */
export function checkHeader(buf: Uint8Array, off: number, maxLength: number): Header {
  const length = checkHeaderLength(buf, off, maxLength);
  return { type: buf[off + 18]! as MessageType, length };
}

/** Writes a header at buf[off..off+19); returns the offset just after it. */
export function writeHeader(buf: Uint8Array, off: number, type: MessageType, length: number): number {
  buf.fill(0xff, off, off + MARKER_LENGTH);
  buf[off + 16] = (length >>> 8) & 0xff;
  buf[off + 17] = length & 0xff;
  buf[off + 18] = type;
  return off + HEADER_LENGTH;
}

/** A fresh 19-octet header. */
export function encodeHeader(type: MessageType, length: number): Uint8Array {
  const b = new Uint8Array(HEADER_LENGTH);
  writeHeader(b, 0, type, length);
  return b;
}

/** A whole message: header + body, in one new buffer. */
export function withHeader(type: MessageType, body: Uint8Array): Uint8Array {
  if (HEADER_LENGTH + body.length > MAX_EXTENDED_MESSAGE_LENGTH) {
    // The Length field is 2 octets (RFC 4271 4.1): such a message cannot be sent at all.
    throw lengthError(HEADER_LENGTH + body.length, 'too long to encode');
  }
  const b = new Uint8Array(HEADER_LENGTH + body.length);
  writeHeader(b, 0, type, b.length);
  b.set(body, HEADER_LENGTH);
  return b;
}
