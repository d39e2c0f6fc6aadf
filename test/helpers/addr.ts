// Addresses in the forms the codec and the RIB hold them, from text, for building test inputs
// (the codec decodes NEXT_HOP / ORIGINATOR_ID / CLUSTER_LIST to uint32, the RIB keeps next
// hops as their octets).
import { parseIpv4 } from '../../src/net';
import { parseNextHop } from '../../src/rib';

/** A dotted quad as uint32 (throws on anything else: test input). */
export function ip4(text: string): number {
  const v = parseIpv4(text);
  if (v === undefined) throw new Error(`not an IPv4 address: ${text}`);
  return v;
}

/** A next hop (IPv4 or IPv6 text) as the RIB's octets. */
export function nh(text: string): Uint8Array {
  const b = parseNextHop(text);
  if (b === undefined) throw new Error(`not an address: ${text}`);
  return b;
}
