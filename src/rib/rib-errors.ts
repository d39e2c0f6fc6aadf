// The NOTIFICATION errors a Rib returns from announce() (bad prefix length, max-prefix Cease):
// separate from rib.ts because they only build wire data (RFC 7606, RFC 4486), no table state.
import { BgpError, CeaseSubcode, type Family, familyAfi, familySafi, UpdateSubcode } from '../bgp/messages';

/** RFC 7606 5.3: an NLRI length beyond the family's maximum cannot be parsed past. */
export function badLength(len: number): BgpError {
  return BgpError.update(UpdateSubcode.InvalidNetworkField, `prefix length ${len} out of range`);
}

/** RFC 4486 4: Cease subcode 1 data is AFI (2), SAFI (1), the prefix upper bound (4). */
export function maxPrefixCease(family: Family, max: number): BgpError {
  const data = new Uint8Array(7);
  const v = new DataView(data.buffer);
  v.setUint16(0, familyAfi(family));
  v.setUint8(2, familySafi(family));
  v.setUint32(3, max >>> 0);
  return BgpError.cease(CeaseSubcode.MaxPrefixesReached, `maximum number of prefixes (${max}) reached`, data);
}
