// KEEPALIVE (RFC 4271 4.4): the header alone, exactly 19 octets.
import { BgpError, HeaderSubcode } from './errors';
import { encodeHeader } from './header';
import { HEADER_LENGTH, MessageType } from './types';

export interface KeepaliveMessage {
  readonly type: MessageType.Keepalive;
  readonly length: number;
}

export const KEEPALIVE: KeepaliveMessage = Object.freeze({ type: MessageType.Keepalive, length: HEADER_LENGTH });

/** The 19 octets every KEEPALIVE is; one shared buffer (never mutate it). */
export const KEEPALIVE_BYTES: Uint8Array = encodeHeader(MessageType.Keepalive, HEADER_LENGTH);

export function decodeKeepalive(frame: Uint8Array): KeepaliveMessage {
  if (frame.length !== HEADER_LENGTH) {
    // RFC 4271 6.1: a KEEPALIVE whose length is not 19 is a Bad Message Length.
    throw BgpError.header(
      HeaderSubcode.BadMessageLength,
      `KEEPALIVE of ${frame.length} octets`,
      Uint8Array.of(frame.length >> 8, frame.length & 0xff),
    );
  }
  return KEEPALIVE;
}

export function encodeKeepalive(): Uint8Array {
  return KEEPALIVE_BYTES.slice();
}
