// UPDATE messages, RFC 4271 4.3: Withdrawn Routes Length, Withdrawn Routes, Total Path
// Attribute Length, Path Attributes, NLRI. Decoding is syntax only (STYLE.md "Two stages");
// validate-update.ts applies the session rules. Errors follow RFC 7606: what forces a session
// reset is thrown as a BgpError; milder problems come back in `errors` with the strongest
// `action`, and the receiver applies it (treat-as-withdraw: every NLRI of the message,
// MP_REACH's included, is handled as withdrawn).
import { BgpError, UpdateSubcode, type ErrorAction } from './errors';
import { writeHeader } from './header';
import {
  AFI_IPV4,
  HEADER_LENGTH,
  IPV4_UNICAST,
  MAX_EXTENDED_MESSAGE_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageType,
  SAFI_UNICAST,
  family,
  type CodecContext,
  type Family,
} from './types';
import { blockStrings, countNlri, type NlriBlock } from './nlri';
import { decodeAttributes, encodeAttributes, strongestAction } from './attributes/table';
import { attributesToJson } from './attributes/json';
import type { PathAttributes } from './attributes/types';

export interface UpdateMessage {
  readonly type: MessageType.Update;
  /** Whole message length, header included. */
  readonly length: number;
  /** Withdrawn Routes (IPv4 unicast; RFC 4760 families come in attributes.mpUnreach). */
  readonly withdrawn: NlriBlock;
  /** The Path Attributes field as received (a view into the frame): the RIB interns by it. */
  readonly attrBytes: Uint8Array;
  readonly attributes: PathAttributes;
  /** NLRI (IPv4 unicast; others in attributes.mpReach). */
  readonly nlri: NlriBlock;
  /** Problems short of a session reset, each with its RFC 7606 action. */
  readonly errors: readonly BgpError[];
  /** The strongest action among `errors` (RFC 7606 3), absent when there are none. */
  readonly action?: ErrorAction;
  /** Set when the message is an End-of-RIB marker (RFC 4724 2). */
  readonly endOfRib?: Family;
}

function invalidNetwork(what: string, data: Uint8Array): BgpError {
  // RFC 4271 6.3 Invalid Network Field; RFC 7606 5.3: NLRI that cannot be parsed leaves no
  // way to treat-as-withdraw, so the session is reset.
  return BgpError.update(UpdateSubcode.InvalidNetworkField, `${what}: invalid prefix length or overrun`, data);
}

/** RFC 4724 2: an empty UPDATE (IPv4 unicast) or one holding only an empty MP_UNREACH. */
function endOfRibFamily(
  withdrawn: NlriBlock,
  nlri: NlriBlock,
  attrBytes: Uint8Array,
  a: PathAttributes,
): Family | undefined {
  if (withdrawn.count !== 0 || nlri.count !== 0) return undefined;
  if (attrBytes.length === 0) return IPV4_UNICAST;
  const u = a.mpUnreach;
  if (u === undefined || u.withdrawn.bytes.length !== 0) return undefined;
  // Only the MP_UNREACH attribute: 3 header octets (4 if Extended Length) + AFI/SAFI.
  if (attrBytes.length !== 6 && attrBytes.length !== 7) return undefined;
  return family(u.afi, u.safi);
}

/** How a decode is meant, for the callers that are not a session. */
export interface DecodeOptions {
  /**
   * Show the wire (`vroute decode`, contract 1): every attribute type the codec does not name
   * is kept in `attributes.unknown`, whatever its flags, instead of being ignored (optional
   * non-transitive) or resetting the session (well-known). Sessions never set it.
   */
  readonly wireView?: boolean;
}

/**
 * Decodes an UPDATE frame (header included). Throws BgpError only for session-reset
 * problems (RFC 7606 3, 5.3, 7.11); never reads out of bounds.
 */
export function decodeUpdate(frame: Uint8Array, ctx: CodecContext, opts: DecodeOptions = {}): UpdateMessage {
  const end = frame.length;
  let i = HEADER_LENGTH;
  if (i + 4 > end) {
    throw BgpError.update(UpdateSubcode.MalformedAttributeList, 'UPDATE shorter than its two length fields');
  }
  const wl = (frame[i]! << 8) | frame[i + 1]!;
  i += 2;
  // RFC 4271 6.3: Withdrawn Routes Length or Total Attribute Length too large.
  if (i + wl + 2 > end)
    throw BgpError.update(UpdateSubcode.MalformedAttributeList, 'withdrawn routes run past the message');
  const addPath4 = ctx.addPath.has(IPV4_UNICAST);
  const wCount = countNlri(frame, i, i + wl, 32, addPath4);
  if (wCount < 0) throw invalidNetwork('withdrawn routes', frame.subarray(i, i + wl));
  const withdrawn: NlriBlock = {
    afi: AFI_IPV4,
    safi: SAFI_UNICAST,
    addPath: addPath4,
    bytes: frame.subarray(i, i + wl),
    count: wCount,
  };
  i += wl;
  const al = (frame[i]! << 8) | frame[i + 1]!;
  i += 2;
  if (i + al > end) throw BgpError.update(UpdateSubcode.MalformedAttributeList, 'path attributes run past the message');
  const attrBytes = frame.subarray(i, i + al);
  const { attrs, errors } = decodeAttributes(frame, i, i + al, ctx, opts.wireView === true);
  i += al;
  const action = strongestAction(errors);
  if (action === 'session-reset') throw errors.find((e) => e.action === 'session-reset')!;
  const nCount = countNlri(frame, i, end, 32, addPath4);
  if (nCount < 0) throw invalidNetwork('NLRI', frame.subarray(i, end));
  const nlri: NlriBlock = {
    afi: AFI_IPV4,
    safi: SAFI_UNICAST,
    addPath: addPath4,
    bytes: frame.subarray(i, end),
    count: nCount,
  };
  const eor = action === undefined ? endOfRibFamily(withdrawn, nlri, attrBytes, attrs) : undefined;
  const u: { -readonly [K in keyof UpdateMessage]: UpdateMessage[K] } = {
    type: MessageType.Update,
    length: end,
    withdrawn,
    attrBytes,
    attributes: attrs,
    nlri,
    errors,
  };
  if (action !== undefined) u.action = action;
  if (eor !== undefined) u.endOfRib = eor;
  return u;
}

/**
 * Writes an UPDATE from its parts: withdrawn field, Path Attributes field, NLRI field.
 * The caller keeps it within the negotiated size (RangeError otherwise: local input).
 */
export function encodeUpdateParts(
  withdrawn: Uint8Array,
  attrBytes: Uint8Array,
  nlri: Uint8Array,
  max: number,
): Uint8Array {
  const len = HEADER_LENGTH + 4 + withdrawn.length + attrBytes.length + nlri.length;
  if (len > max) throw new RangeError(`UPDATE of ${len} octets exceeds ${max}`);
  const b = new Uint8Array(len);
  let i = writeHeader(b, 0, MessageType.Update, len);
  b[i++] = withdrawn.length >>> 8;
  b[i++] = withdrawn.length;
  b.set(withdrawn, i);
  i += withdrawn.length;
  b[i++] = attrBytes.length >>> 8;
  b[i++] = attrBytes.length;
  b.set(attrBytes, i);
  i += attrBytes.length;
  b.set(nlri, i);
  return b;
}

export function maxUpdateLength(ctx: CodecContext): number {
  return ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH; // RFC 8654 3
}

/** Encodes from the decoded values (`attributes`, not `attrBytes`): MP_* first, then ascending. */
export function encodeUpdate(u: UpdateMessage, ctx: CodecContext): Uint8Array {
  return encodeUpdateParts(u.withdrawn.bytes, encodeAttributes(u.attributes, ctx), u.nlri.bytes, maxUpdateLength(ctx));
}

/** True when the receiver must handle every NLRI of `u` as withdrawn (RFC 7606 2). */
export function mustWithdraw(u: UpdateMessage): boolean {
  return u.action === 'treat-as-withdraw' || u.action === 'afi-safi-disable';
}

/** Contract 1 of DESIGN.md: keys only when present. */
export function updateToJson(u: UpdateMessage): Record<string, unknown> {
  const j: Record<string, unknown> = { type: 'UPDATE', length: u.length };
  if (u.withdrawn.count > 0) j.withdrawn = blockStrings(u.withdrawn);
  if (u.nlri.count > 0) j.nlri = blockStrings(u.nlri);
  if (u.attrBytes.length > 0) j.attributes = attributesToJson(u.attributes);
  return j;
}

export * from './attributes';
export * from './nlri';
export * from './prefix';
