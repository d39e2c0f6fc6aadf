// Types shared by every part of the codec and by its users (fsm, rib, decode).

/** BGP message types, RFC 4271 4.1, RFC 2918 3. */
export const enum MessageType {
  Open = 1,
  Update = 2,
  Notification = 3,
  Keepalive = 4,
  RouteRefresh = 5,
}

export const HEADER_LENGTH = 19;
export const MAX_MESSAGE_LENGTH = 4096; // RFC 4271 4.1
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535; // RFC 8654

/** Address family identifiers (IANA) and the SAFI we carry. */
export const AFI_IPV4 = 1;
export const AFI_IPV6 = 2;
export const SAFI_UNICAST = 1;

/**
 * A family as one small integer: (afi << 8) | safi. Cheap to use as a Set/Map key.
 * Names as in the config contract: 'ipv4-unicast', 'ipv6-unicast'.
 */
export type Family = number;
export const IPV4_UNICAST: Family = (AFI_IPV4 << 8) | SAFI_UNICAST;
export const IPV6_UNICAST: Family = (AFI_IPV6 << 8) | SAFI_UNICAST;

export function family(afi: number, safi: number): Family {
  return ((afi & 0xffff) << 8) | (safi & 0xff);
}
export function familyAfi(f: Family): number {
  return f >>> 8;
}
export function familySafi(f: Family): number {
  return f & 0xff;
}
export function familyName(f: Family): string {
  if (f === IPV4_UNICAST) return 'ipv4-unicast';
  if (f === IPV6_UNICAST) return 'ipv6-unicast';
  return `afi${familyAfi(f)}-safi${familySafi(f)}`;
}
export function parseFamilyName(name: string): Family | undefined {
  if (name === 'ipv4-unicast') return IPV4_UNICAST;
  if (name === 'ipv6-unicast') return IPV6_UNICAST;
  return undefined;
}

/**
 * How one direction of one session decodes and encodes: made once from the two OPENs
 * (see negotiate.ts), never options passed per call.
 * - fourOctetAs: both OPENs carried the 4-octet AS capability (RFC 6793): AS_PATH and
 *   AGGREGATOR use 4-octet ASNs.
 * - extendedMessage: both sides advertised RFC 8654: messages up to 65535 octets.
 * - addPath: families whose NLRI carry a 4-octet path identifier *in this direction*
 *   (RFC 7911): for decoding what we receive, families where we can receive and the peer
 *   sends; for encoding what we send, the reverse.
 */
export interface CodecContext {
  readonly fourOctetAs: boolean;
  readonly extendedMessage: boolean;
  readonly addPath: ReadonlySet<Family>;
}

/** Before OPENs are exchanged (and for tests): 2-octet AS, 4096 octets, no ADD-PATH. */
export const DEFAULT_CONTEXT: CodecContext = Object.freeze({
  fourOctetAs: false,
  extendedMessage: false,
  addPath: new Set<Family>(),
});
