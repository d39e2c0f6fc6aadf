// One entry point for whole messages: decodeMessage / encodeMessage dispatch on the header's
// type, and messageToJson gives the contract-1 JSON shape (DESIGN.md) without src/dst.
import { BgpError, HeaderSubcode } from './errors';
import { checkHeader } from './header';
import { formatIpv4 } from '../../net';
import { decodeKeepalive, encodeKeepalive, type KeepaliveMessage } from './keepalive';
import { decodeNotification, encodeNotification, type NotificationMessage } from './notification';
import { decodeOpen, encodeOpen, openAsn, type OpenMessage } from './open';
import { decodeRouteRefresh, encodeRouteRefresh, type RouteRefreshMessage } from './route-refresh';
import {
  HEADER_LENGTH,
  MAX_EXTENDED_MESSAGE_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageType,
  type CodecContext,
} from './types';
import { decodeUpdate, encodeUpdate, updateToJson, type DecodeOptions, type UpdateMessage } from './update';

export type BgpMessage = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;

/** Contract-1 names of the message types. */
export const MESSAGE_TYPE_NAMES: Readonly<Record<number, string>> = {
  [MessageType.Open]: 'OPEN',
  [MessageType.Update]: 'UPDATE',
  [MessageType.Notification]: 'NOTIFICATION',
  [MessageType.Keepalive]: 'KEEPALIVE',
  [MessageType.RouteRefresh]: 'ROUTE-REFRESH',
};

export function messageTypeName(t: number): string {
  return MESSAGE_TYPE_NAMES[t] ?? `TYPE-${t}`;
}

/** Largest message this context allows (RFC 8654 4: OPEN and KEEPALIVE stay within 4096). */
export function maxMessageLength(ctx: CodecContext, type?: MessageType): number {
  if (type === MessageType.Open || type === MessageType.Keepalive) return MAX_MESSAGE_LENGTH;
  return ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}

function badLength(len: number, why: string): BgpError {
  return BgpError.header(HeaderSubcode.BadMessageLength, why, Uint8Array.of((len >> 8) & 0xff, len & 0xff));
}

/**
 * Decodes one whole message (header included), as cut by MessageFramer or from a capture.
 * Runs the RFC 4271 6.1 header checks again, so frames from any source are safe. Throws
 * BgpError on anything malformed; never reads outside `frame`. `opts`: see DecodeOptions.
 */
export function decodeMessage(frame: Uint8Array, ctx: CodecContext, opts: DecodeOptions = {}): BgpMessage {
  if (frame.length < HEADER_LENGTH) {
    throw badLength(frame.length, `frame of ${frame.length} octets has no header`);
  }
  const h = checkHeader(frame, 0, maxMessageLength(ctx));
  if (h.length !== frame.length) {
    throw badLength(h.length, `length field ${h.length} but frame of ${frame.length} octets`);
  }
  switch (h.type) {
    case MessageType.Open:
      return decodeOpen(frame);
    case MessageType.Update:
      return decodeUpdate(frame, ctx, opts);
    case MessageType.Notification:
      return decodeNotification(frame);
    case MessageType.Keepalive:
      return decodeKeepalive(frame);
    case MessageType.RouteRefresh:
      return decodeRouteRefresh(frame);
  }
}

/** Encodes one message; throws BgpError when it would exceed the context's length limit. */
export function encodeMessage(msg: BgpMessage, ctx: CodecContext): Uint8Array {
  let out: Uint8Array;
  switch (msg.type) {
    case MessageType.Open:
      out = encodeOpen(msg);
      break;
    case MessageType.Update:
      out = encodeUpdate(msg, ctx);
      break;
    case MessageType.Notification:
      out = encodeNotification(msg);
      break;
    case MessageType.Keepalive:
      out = encodeKeepalive();
      break;
    case MessageType.RouteRefresh:
      out = encodeRouteRefresh(msg);
      break;
  }
  const max = maxMessageLength(ctx, msg.type);
  if (out.length > max) {
    throw badLength(out.length, `${messageTypeName(msg.type)} of ${out.length} octets exceeds ${max}`);
  }
  return out;
}

function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/**
 * Contract 1 of DESIGN.md minus src/dst: "type" (name) and "length", then per type. Fixed
 * fields always appear (an OPEN without capabilities has "capabilities": [], a NOTIFICATION
 * without data has "data": ""); UPDATE keys come from updateToJson.
 */
export function messageToJson(msg: BgpMessage): Record<string, unknown> {
  const head = { type: messageTypeName(msg.type), length: msg.length };
  switch (msg.type) {
    case MessageType.Open:
      return {
        ...head,
        version: msg.version,
        asn: openAsn(msg),
        holdTime: msg.holdTime,
        bgpId: formatIpv4(msg.bgpId),
        capabilities: msg.capabilities.map((c) => c.code),
      };
    case MessageType.Update: {
      // The UPDATE part may or may not repeat type/length; ours lead, in contract order.
      const { type: _t, length: _l, ...rest } = updateToJson(msg);
      return { ...head, ...rest };
    }
    case MessageType.Notification:
      return { ...head, code: msg.code, subcode: msg.subcode, data: toHex(msg.data) };
    case MessageType.Keepalive:
      return head;
    case MessageType.RouteRefresh:
      return { ...head, afi: msg.afi, safi: msg.safi, subtype: msg.subtype };
  }
}
