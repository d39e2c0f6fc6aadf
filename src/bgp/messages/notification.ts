// NOTIFICATION message (RFC 4271 4.5): error code, subcode, data. Also the names of every
// code/subcode for logs and status, and the RFC 9003 shutdown communication that Cease /
// Administrative Shutdown and Administrative Reset may carry.
import { BgpError, CeaseSubcode, ErrorCode, HeaderSubcode } from './errors';
import { withHeader } from './header';
import { HEADER_LENGTH, MessageType } from './types';

export interface NotificationMessage {
  readonly type: MessageType.Notification;
  readonly length: number;
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

/** Error code names (RFC 4271 4.5, RFC 6608 4, RFC 7313 5). */
export const ERROR_CODE_NAMES: Readonly<Record<number, string>> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
  8: 'Send Hold Timer Expired', // RFC 9687
};

/** Subcode names per code. */
export const ERROR_SUBCODE_NAMES: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  1: {
    // RFC 4271 6.1
    0: 'Unspecific',
    1: 'Connection Not Synchronized',
    2: 'Bad Message Length',
    3: 'Bad Message Type',
  },
  2: {
    // RFC 4271 6.2; 5 deprecated; 7 RFC 5492; 11 RFC 9234
    0: 'Unspecific',
    1: 'Unsupported Version Number',
    2: 'Bad Peer AS',
    3: 'Bad BGP Identifier',
    4: 'Unsupported Optional Parameter',
    5: 'Authentication Failure (deprecated)',
    6: 'Unacceptable Hold Time',
    7: 'Unsupported Capability',
    11: 'Role Mismatch',
  },
  3: {
    // RFC 4271 6.3; 7 deprecated
    0: 'Unspecific',
    1: 'Malformed Attribute List',
    2: 'Unrecognized Well-known Attribute',
    3: 'Missing Well-known Attribute',
    4: 'Attribute Flags Error',
    5: 'Attribute Length Error',
    6: 'Invalid ORIGIN Attribute',
    7: 'AS Routing Loop (deprecated)',
    8: 'Invalid NEXT_HOP Attribute',
    9: 'Optional Attribute Error',
    10: 'Invalid Network Field',
    11: 'Malformed AS_PATH',
  },
  5: {
    // RFC 6608 4
    0: 'Unspecified Error',
    1: 'Receive Unexpected Message in OpenSent State',
    2: 'Receive Unexpected Message in OpenConfirm State',
    3: 'Receive Unexpected Message in Established State',
  },
  6: {
    // RFC 4486 4, RFC 8538 5 (Hard Reset), RFC 9384 (BFD Down)
    0: 'Unspecific',
    1: 'Maximum Number of Prefixes Reached',
    2: 'Administrative Shutdown',
    3: 'Peer De-configured',
    4: 'Administrative Reset',
    5: 'Connection Rejected',
    6: 'Other Configuration Change',
    7: 'Connection Collision Resolution',
    8: 'Out of Resources',
    9: 'Hard Reset',
    10: 'BFD Down',
  },
  7: { 0: 'Reserved', 1: 'Invalid Message Length' }, // RFC 7313 5
};

export function errorCodeName(code: number): string {
  return ERROR_CODE_NAMES[code] ?? `Unknown Error Code ${code}`;
}

export function errorSubcodeName(code: number, subcode: number): string {
  const names = ERROR_SUBCODE_NAMES[code];
  if (names === undefined) return subcode === 0 ? 'Unspecific' : `Subcode ${subcode}`;
  return names[subcode] ?? `Unknown Subcode ${subcode}`;
}

/** "Cease / Administrative Shutdown", for logs and status. */
export function notificationName(code: number, subcode: number): string {
  return `${errorCodeName(code)} / ${errorSubcodeName(code, subcode)}`;
}

/** Decodes a NOTIFICATION; `frame` is the whole message (header checked, length >= 21). */
export function decodeNotification(frame: Uint8Array): NotificationMessage {
  if (frame.length < HEADER_LENGTH + 2) {
    throw BgpError.header(
      HeaderSubcode.BadMessageLength,
      'NOTIFICATION shorter than 21 octets',
      Uint8Array.of(frame.length >> 8, frame.length & 0xff),
    );
  }
  return {
    type: MessageType.Notification,
    length: frame.length,
    code: frame[HEADER_LENGTH]!,
    subcode: frame[HEADER_LENGTH + 1]!,
    data: frame.slice(HEADER_LENGTH + 2),
  };
}

export function encodeNotification(n: Pick<NotificationMessage, 'code' | 'subcode' | 'data'>): Uint8Array {
  const body = new Uint8Array(2 + n.data.length);
  body[0] = n.code;
  body[1] = n.subcode;
  body.set(n.data, 2);
  return withHeader(MessageType.Notification, body);
}

export function makeNotification(
  code: number,
  subcode: number,
  data: Uint8Array = new Uint8Array(0),
): NotificationMessage {
  return { type: MessageType.Notification, length: HEADER_LENGTH + 2 + data.length, code, subcode, data };
}

/** The NOTIFICATION that reports a codec error to the peer (RFC 4271 6). */
export function notificationFromError(err: BgpError): NotificationMessage {
  // A NOTIFICATION must fit a 4096-octet message (RFC 4271 4.1): truncate long data.
  const max = 4096 - HEADER_LENGTH - 2;
  return makeNotification(err.code, err.subcode, err.data.length > max ? err.data.slice(0, max) : err.data);
}

// ---- RFC 9003 shutdown communication ----

/** RFC 9003 2: the communication is at most 255 octets of UTF-8. */
export const MAX_SHUTDOWN_COMMUNICATION = 255;

function carriesCommunication(code: number, subcode: number): boolean {
  return (
    code === ErrorCode.Cease &&
    (subcode === CeaseSubcode.AdministrativeShutdown || subcode === CeaseSubcode.AdministrativeReset)
  );
}

// ignoreBOM: a leading U+FEFF is part of what the peer sent (TextDecoder would strip it).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8enc = new TextEncoder();

/**
 * The shutdown communication of a Cease 2/4 NOTIFICATION: the text, '' when the length octet
 * is 0, undefined when there is none or it is malformed (length past the data, bad UTF-8).
 * RFC 9003 4: a malformed one is not an error; the receiver just has no message to show.
 */
export function shutdownCommunication(n: Pick<NotificationMessage, 'code' | 'subcode' | 'data'>): string | undefined {
  if (!carriesCommunication(n.code, n.subcode) || n.data.length === 0) return undefined;
  const len = n.data[0]!;
  if (1 + len > n.data.length) return undefined;
  try {
    return utf8.decode(n.data.subarray(1, 1 + len));
  } catch {
    return undefined;
  }
}

/** UTF-8 of `text`, cut at a character boundary so it fits 255 octets. */
function truncatedUtf8(text: string): Uint8Array {
  const b = utf8enc.encode(text);
  if (b.length <= MAX_SHUTDOWN_COMMUNICATION) return b;
  let end = MAX_SHUTDOWN_COMMUNICATION;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--; // never split a multi-octet character
  return b.slice(0, end);
}

/** A Cease / Administrative Shutdown (2) or Reset (4) carrying `text` (RFC 9003 2). */
export function makeShutdownNotification(
  subcode: CeaseSubcode.AdministrativeShutdown | CeaseSubcode.AdministrativeReset,
  text: string,
): NotificationMessage {
  const t = truncatedUtf8(text);
  const data = new Uint8Array(1 + t.length);
  data[0] = t.length;
  data.set(t, 1);
  return makeNotification(ErrorCode.Cease, subcode, data);
}
