// MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760 3, 4): families other than IPv4 unicast, and
// IPv6 next hops (RFC 2545 3: 16 octets global, or 32 = global + link-local).
//
// Error actions (RFC 7606 7.11, 5.3): when the attribute cannot even be framed (too short,
// next hop running past it) nothing in the UPDATE can be trusted: session reset. A next hop of
// the wrong length still lets us find the NLRI, so treat-as-withdraw. A bad prefix inside the
// NLRI means the family's routes cannot be parsed: AFI/SAFI disable (or session reset).
import { BgpError, UpdateSubcode } from '../errors';
import { AFI_IPV4, AFI_IPV6 } from '../types';
import { countNlri, isPrefixFamily, maxPrefixLength, type NlriBlock } from '../nlri';
import { formatIpv4, formatIpv6 } from '../../../net';
import type { DecodeHook, EncodeHook } from './basic';
import type { MpReach } from './types';
import { put16, u16, u32 } from './bytes';

function attrError(msg: string, action: 'session-reset' | 'treat-as-withdraw' | 'afi-safi-disable'): BgpError {
  return BgpError.update(UpdateSubcode.OptionalAttributeError, msg, undefined, action);
}

function block(
  b: Uint8Array,
  s: number,
  e: number,
  afi: number,
  safi: number,
  addPath: boolean,
): NlriBlock | undefined {
  if (!isPrefixFamily(afi, safi)) return { afi, safi, addPath, bytes: b.subarray(s, e), count: -1 };
  const count = countNlri(b, s, e, maxPrefixLength(afi), addPath);
  return count < 0 ? undefined : { afi, safi, addPath, bytes: b.subarray(s, e), count };
}

/**
 * Next hop lengths for the families we parse: IPv6 16 or 32 (RFC 2545 3); IPv4 4, or 16 / 32
 * when the peer uses IPv6 next hops for IPv4 NLRI (RFC 8950 4; the capability check belongs
 * to the session, not to syntax).
 */
function nextHopLengthOk(afi: number, len: number): boolean {
  if (afi === AFI_IPV4) return len === 4 || len === 16 || len === 32;
  return afi === AFI_IPV6 ? len === 16 || len === 32 : true;
}

export const decodeMpReach: DecodeHook = (b, s, e, ctx, out) => {
  if (e - s < 5) return attrError(`MP_REACH_NLRI length ${e - s}`, 'session-reset');
  const afi = u16(b, s);
  const safi = b[s + 2]!;
  const nhLen = b[s + 3]!;
  const nlriStart = s + 4 + nhLen + 1; // + 1: the Reserved octet, ignored on receipt (RFC 4760 3)
  if (nlriStart > e) return attrError('MP_REACH_NLRI next hop runs past the attribute', 'session-reset');
  const addPath = ctx.addPath.has((afi << 8) | safi);
  const nlri = block(b, nlriStart, e, afi, safi, addPath);
  if (nlri === undefined) {
    return attrError(`MP_REACH_NLRI afi ${afi} safi ${safi}: invalid NLRI`, 'afi-safi-disable');
  }
  out.mpReach = { afi, safi, nextHop: b.subarray(s + 4, s + 4 + nhLen), nlri };
  if (isPrefixFamily(afi, safi) && !nextHopLengthOk(afi, nhLen)) {
    return attrError(`MP_REACH_NLRI next hop length ${nhLen} for afi ${afi}`, 'treat-as-withdraw');
  }
  return undefined;
};

export const encodeMpReach: EncodeHook = (a) => {
  const m = a.mpReach;
  if (m === undefined) return undefined;
  const out = new Uint8Array(5 + m.nextHop.length + m.nlri.bytes.length);
  put16(out, 0, m.afi);
  out[2] = m.safi;
  out[3] = m.nextHop.length;
  out.set(m.nextHop, 4);
  out.set(m.nlri.bytes, 5 + m.nextHop.length);
  return out;
};

export const decodeMpUnreach: DecodeHook = (b, s, e, ctx, out) => {
  if (e - s < 3) return attrError(`MP_UNREACH_NLRI length ${e - s}`, 'session-reset');
  const afi = u16(b, s);
  const safi = b[s + 2]!;
  const withdrawn = block(b, s + 3, e, afi, safi, ctx.addPath.has((afi << 8) | safi));
  if (withdrawn === undefined) {
    return attrError(`MP_UNREACH_NLRI afi ${afi} safi ${safi}: invalid NLRI`, 'afi-safi-disable');
  }
  out.mpUnreach = { afi, safi, withdrawn };
  return undefined;
};

export const encodeMpUnreach: EncodeHook = (a) => {
  const m = a.mpUnreach;
  if (m === undefined) return undefined;
  const out = new Uint8Array(3 + m.withdrawn.bytes.length);
  put16(out, 0, m.afi);
  out[2] = m.safi;
  out.set(m.withdrawn.bytes, 3);
  return out;
};

/** The next hop field as text: one or two addresses (RFC 2545 3), else hex. */
export function mpNextHops(m: MpReach): string[] {
  const nh = m.nextHop;
  if (nh.length === 4) return [formatIpv4(u32(nh, 0))];
  if (nh.length === 16) return [formatIpv6(nh, 0)];
  if (nh.length === 32) return [formatIpv6(nh, 0), formatIpv6(nh, 16)];
  return nh.length === 0 ? [] : [Buffer.from(nh.buffer, nh.byteOffset, nh.length).toString('hex')];
}
