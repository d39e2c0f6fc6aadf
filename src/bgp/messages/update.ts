// PLACEHOLDER, to be replaced by the UPDATE codec (update.ts owner): only the names the
// message dispatcher needs. It checks the two length fields (RFC 4271 4.3) and keeps the body.
import { BgpError, UpdateSubcode } from './errors';
import { withHeader } from './header';
import { HEADER_LENGTH, MessageType, type CodecContext } from './types';

export interface UpdateMessage {
  readonly type: MessageType.Update;
  readonly length: number;
  readonly body: Uint8Array;
}

export function decodeUpdate(frame: Uint8Array, _ctx: CodecContext): UpdateMessage {
  const end = frame.length;
  const wl = HEADER_LENGTH + 2 <= end ? (frame[HEADER_LENGTH]! << 8) | frame[HEADER_LENGTH + 1]! : -1;
  const a = HEADER_LENGTH + 2 + wl;
  if (wl < 0 || a + 2 > end || a + 2 + ((frame[a]! << 8) | frame[a + 1]!) !== end) {
    throw BgpError.update(UpdateSubcode.MalformedAttributeList, 'UPDATE length fields disagree');
  }
  return { type: MessageType.Update, length: end, body: frame.slice(HEADER_LENGTH) };
}

export function encodeUpdate(u: UpdateMessage, _ctx: CodecContext): Uint8Array {
  return withHeader(MessageType.Update, u.body);
}

export function updateToJson(_u: UpdateMessage): Record<string, unknown> {
  return {};
}
