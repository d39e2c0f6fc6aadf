// OPEN message (RFC 4271 4.2) with capabilities (RFC 5492) and the RFC 9072 extended
// optional parameters length. Decoding keeps the optional parameters exactly as received
// (`optionalParams`), so encoding a decoded OPEN gives back the same octets; `capabilities`
// is the parsed view of every type-2 parameter, in wire order.
import { BgpError, OpenSubcode } from './errors';
import { decodeCapabilities, encodeCapabilities, type Capability, type FourOctetAsCapability } from './capabilities';
import { writeHeader } from './header';
import { HEADER_LENGTH, MessageType } from './types';

export const BGP_VERSION = 4;
export const AS_TRANS = 23456; // RFC 6793 9
/** Optional parameter types. */
export const OPT_PARAM_CAPABILITIES = 2; // RFC 5492 4
export const OPT_PARAM_EXTENDED_LENGTH = 255; // RFC 9072 2
const OPEN_FIXED = 10; // version, My AS, Hold Time, BGP Identifier, Opt Parm Len

export interface OptionalParameter {
  readonly type: number;
  readonly value: Uint8Array;
}

export interface OpenMessage {
  readonly type: MessageType.Open;
  /** Whole message length, header included. */
  readonly length: number;
  readonly version: number;
  /** The 2-octet My Autonomous System field (AS_TRANS for 4-octet ASNs; see openAsn). */
  readonly myAs: number;
  readonly holdTime: number;
  /** BGP Identifier as an unsigned 32-bit number. */
  readonly bgpId: number;
  /** Every capability of every type-2 parameter, in wire order. */
  readonly capabilities: readonly Capability[];
  /** The optional parameters as received (or as makeOpen laid them out). Encoding writes these. */
  readonly optionalParams: readonly OptionalParameter[];
  /** True when the parameters use the RFC 9072 extended encoding. */
  readonly extendedOptParams: boolean;
}

function malformed(what: string): BgpError {
  // RFC 4271 6.2: no specific subcode for a broken parameter layout; 0 is Unspecific.
  return BgpError.open(OpenSubcode.Unspecific, `malformed OPEN: ${what}`);
}

function u16(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}

/**
 * Decodes an OPEN; `frame` is the whole message (header checked by the caller). Throws
 * BgpError OPEN Message Error / Unspecific when the parameters do not fit the message or a
 * known capability is malformed. Semantic checks are validateOpen's job.
 */
export function decodeOpen(frame: Uint8Array): OpenMessage {
  const end = frame.length;
  let i = HEADER_LENGTH;
  if (end - i < OPEN_FIXED) throw malformed('shorter than 10 octets');
  const version = frame[i]!;
  const myAs = u16(frame, i + 1);
  const holdTime = u16(frame, i + 3);
  const bgpId = ((frame[i + 5]! << 24) >>> 0) + ((frame[i + 6]! << 16) | u16(frame, i + 7));
  const nonExtLen = frame[i + 9]!;
  i += OPEN_FIXED;
  // RFC 9072 2: a non-zero length followed by a first "type" of 255 announces the extended
  // format: a 2-octet total length, then parameters with 2-octet lengths.
  const extended = nonExtLen !== 0 && i < end && frame[i] === OPT_PARAM_EXTENDED_LENGTH;
  let paramsLen = nonExtLen;
  if (extended) {
    if (end - i < 3) throw malformed('extended parameters length truncated');
    paramsLen = u16(frame, i + 1);
    i += 3;
  }
  if (i + paramsLen !== end) {
    throw malformed(`optional parameters length ${paramsLen} disagrees with message length ${end}`);
  }
  const lenSize = extended ? 2 : 1;
  const optionalParams: OptionalParameter[] = [];
  const capabilities: Capability[] = [];
  while (i < end) {
    if (end - i < 1 + lenSize) throw malformed('truncated optional parameter header');
    const type = frame[i]!;
    const len = extended ? u16(frame, i + 1) : frame[i + 1]!;
    i += 1 + lenSize;
    if (end - i < len) throw malformed(`optional parameter ${type} overruns the message`);
    const value = frame.slice(i, i + len);
    optionalParams.push({ type, value });
    if (type === OPT_PARAM_CAPABILITIES) decodeCapabilities(value, capabilities);
    i += len;
  }
  return {
    type: MessageType.Open,
    length: frame.length,
    version,
    myAs,
    holdTime,
    bgpId,
    capabilities,
    optionalParams,
    extendedOptParams: extended,
  };
}

/** Octets the optional parameters take after the fixed fields, Opt Parm Len included. */
function paramsSize(params: readonly OptionalParameter[], extended: boolean): number {
  const per = extended ? 3 : 2;
  return params.reduce((n, p) => n + per + p.value.length, 0) + (extended ? 3 : 0);
}

/** Encodes an OPEN from its optionalParams (capabilities are their parsed view). */
export function encodeOpen(open: OpenMessage): Uint8Array {
  const extended = open.extendedOptParams;
  const body = paramsSize(open.optionalParams, extended);
  const paramsLen = body - (extended ? 3 : 0);
  if ((!extended && paramsLen > 255) || paramsLen > 0xffff) {
    throw malformed(`optional parameters of ${paramsLen} octets do not fit`);
  }
  const length = HEADER_LENGTH + OPEN_FIXED + body;
  if (length > 0xffff) throw malformed('OPEN longer than 65535 octets');
  const b = new Uint8Array(length);
  let i = writeHeader(b, 0, MessageType.Open, length);
  b[i++] = open.version;
  b[i++] = open.myAs >> 8;
  b[i++] = open.myAs & 0xff;
  b[i++] = open.holdTime >> 8;
  b[i++] = open.holdTime & 0xff;
  b[i++] = open.bgpId >>> 24;
  b[i++] = (open.bgpId >>> 16) & 0xff;
  b[i++] = (open.bgpId >>> 8) & 0xff;
  b[i++] = open.bgpId & 0xff;
  if (extended) {
    // RFC 9072 2: Non-Ext OP Len SHOULD be 255, Non-Ext OP Type MUST be 255.
    b[i++] = 255;
    b[i++] = OPT_PARAM_EXTENDED_LENGTH;
    b[i++] = paramsLen >> 8;
    b[i++] = paramsLen & 0xff;
  } else {
    b[i++] = paramsLen;
  }
  if (!extended && open.optionalParams[0]?.type === OPT_PARAM_EXTENDED_LENGTH) {
    // RFC 9072 2 reserves type 255: first in the RFC 4271 layout it reads as the extended
    // marker, so the receiver would misread everything after it.
    throw malformed('optional parameter type 255 first in the RFC 4271 layout');
  }
  for (const p of open.optionalParams) {
    const n = p.value.length;
    if (!extended && n > 255) throw malformed(`optional parameter ${p.type} longer than 255 octets`);
    b[i++] = p.type;
    if (extended) b[i++] = n >> 8;
    b[i++] = n & 0xff;
    b.set(p.value, i);
    i += n;
  }
  return b;
}

export interface OpenOptions {
  /** Our AS; above 65535 My AS becomes AS_TRANS (RFC 6793 4.1; add the 4-octet capability). */
  readonly asn: number;
  readonly holdTime: number;
  readonly bgpId: number;
  readonly capabilities: readonly Capability[];
  readonly version?: number;
  /** Force the RFC 9072 format even when the parameters fit in 255 octets. */
  readonly extendedOptParams?: boolean;
}

/**
 * Builds an OPEN with every capability in one type-2 parameter, switching to the RFC 9072
 * extended format only when that parameter would not fit in 255 octets (RFC 9072 2: the
 * RFC 4271 encoding SHOULD be used when it suffices).
 */
export function makeOpen(o: OpenOptions): OpenMessage {
  const value = encodeCapabilities(o.capabilities);
  const optionalParams: OptionalParameter[] =
    o.capabilities.length > 0 ? [{ type: OPT_PARAM_CAPABILITIES, value }] : [];
  const extended = o.extendedOptParams === true || value.length + 2 > 255;
  return {
    type: MessageType.Open,
    length: HEADER_LENGTH + OPEN_FIXED + paramsSize(optionalParams, extended),
    version: o.version ?? BGP_VERSION,
    myAs: o.asn > 0xffff ? AS_TRANS : o.asn,
    holdTime: o.holdTime,
    bgpId: o.bgpId >>> 0,
    capabilities: [...o.capabilities],
    optionalParams,
    extendedOptParams: extended,
  };
}

/** The sender's AS: the 4-octet capability's when present (RFC 6793 4.1), else My AS. */
export function openAsn(open: OpenMessage): number {
  const c = open.capabilities.find((x): x is FourOctetAsCapability => x.kind === 'four-octet-as');
  return c ? c.asn : open.myAs;
}

export interface OpenExpectations {
  /** The AS configured for this neighbor; omitted: any AS is accepted. */
  readonly peerAs?: number;
  /** Our own AS; decides iBGP for the BGP Identifier rule. */
  readonly localAs?: number;
  /** Our BGP Identifier. */
  readonly localBgpId?: number;
  /** Reject non-zero hold times below this (RFC 4271 4.2: an implementation MAY). */
  readonly minHoldTime?: number;
}

/**
 * The RFC 4271 6.2 checks of a received OPEN, in that section's order; returns the error to
 * send as NOTIFICATION, or undefined when the OPEN is acceptable.
 */
export function validateOpen(open: OpenMessage, expect: OpenExpectations = {}): BgpError | undefined {
  if (open.version !== BGP_VERSION) {
    // RFC 4271 6.2: Data is the largest locally supported version, as a 2-octet number.
    return BgpError.open(
      OpenSubcode.UnsupportedVersionNumber,
      `unsupported BGP version ${open.version}`,
      Uint8Array.of(0, BGP_VERSION),
    );
  }
  const asn = openAsn(open);
  const four = open.capabilities.some((c) => c.kind === 'four-octet-as');
  if (asn === 0) {
    // RFC 7607 2: AS 0 as the peer AS is Bad Peer AS.
    return BgpError.open(OpenSubcode.BadPeerAs, 'peer AS 0');
  }
  if (four && open.myAs !== AS_TRANS && open.myAs !== asn) {
    // RFC 6793 4.1: My AS is the real AS when it fits 2 octets, AS_TRANS otherwise; any
    // other value contradicts the capability.
    return BgpError.open(OpenSubcode.BadPeerAs, `My AS ${open.myAs} contradicts 4-octet AS ${asn}`);
  }
  if (expect.peerAs !== undefined && asn !== expect.peerAs) {
    return BgpError.open(OpenSubcode.BadPeerAs, `peer AS ${asn}, expected ${expect.peerAs}`);
  }
  if (open.holdTime === 1 || open.holdTime === 2) {
    // RFC 4271 6.2: a Hold Time of one or two seconds MUST be rejected.
    return BgpError.open(OpenSubcode.UnacceptableHoldTime, `hold time ${open.holdTime}`);
  }
  if (open.holdTime !== 0 && expect.minHoldTime !== undefined && open.holdTime < expect.minHoldTime) {
    return BgpError.open(
      OpenSubcode.UnacceptableHoldTime,
      `hold time ${open.holdTime} below the configured minimum ${expect.minHoldTime}`,
    );
  }
  const ibgp = expect.localAs === undefined || expect.localAs === asn;
  if (open.bgpId === 0) {
    // RFC 6286 2.2: zero is never a valid BGP Identifier.
    return BgpError.open(OpenSubcode.BadBgpIdentifier, 'BGP Identifier 0.0.0.0');
  }
  if (ibgp && expect.localBgpId !== undefined && open.bgpId === expect.localBgpId >>> 0) {
    // RFC 6286 2.2: equal identifiers are an error between internal peers only (and when
    // localAs is not given we cannot tell, so we refuse, which is the safe side).
    return BgpError.open(OpenSubcode.BadBgpIdentifier, 'BGP Identifier equals ours');
  }
  for (const p of open.optionalParams) {
    if (p.type !== OPT_PARAM_CAPABILITIES) {
      // RFC 4271 6.2 (RFC 5492 4: type 2 is the only one in use).
      return BgpError.open(OpenSubcode.UnsupportedOptionalParameter, `optional parameter type ${p.type}`);
    }
  }
  return undefined;
}
