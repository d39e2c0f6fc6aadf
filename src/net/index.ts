/**
 * src/net: IP addresses and prefixes, the one parser and formatter every layer uses. A leaf:
 * it imports nothing from src (the codec, the RIB, the FSM's transport, config, datastore,
 * sys and the HTTP API all come here for address text).
 *
 * DOC: an address is its octets (`IpBytes`: 4 for IPv4, 16 for IPv6) or, where integers are
 * cheaper, an IPv4 uint32 / IPv6 uint32 words in network order (the codec's and the RIB's
 * key forms). Parsing is strict and total: a function returns undefined, never throws, for
 * text that is not an address.
 *
 * - ipv4.ts   dotted quad <-> uint32 / octets (parseIpv4, formatIpv4, formatIpv4At); leading
 *             zeros refused (octal in inet_aton).
 * - ipv6.ts   every RFC 4291 2.2 text form -> 16 octets (parseIpv6; "::", embedded dotted
 *             quad; no zone ids), and formatIpv6: RFC 5952 text (lower case, no leading zeros,
 *             longest zero run as "::", the first on a tie, a lone zero group kept,
 *             ::ffff:a.b.c.d for IPv4-mapped); words <-> octets.
 * - ascii.ts  writeIpv4 / writeIpv6: the same text written as ASCII octets into a buffer
 *             (`vroute decode` builds its output as bytes); formatIpv6 reads this back, so
 *             there is one RFC 5952 implementation.
 * - ip.ts     either family: parseIp, formatIp, ipVersion / isIpv4 / isIpv6 (as net.isIP),
 *             canonicalIp, formatEndpoint ("[v6]:port", RFC 5952 6), unmapIpv4, isLoopback,
 *             BigInt and word conversions.
 * - prefix.ts "a/len" (parseCidr, formatCidr), hasHostBits (canonical check), maskAddr,
 *             prefixContains, mask32 (a word's leading bits, for the RIB's keys).
 * - host-port.ts splitHostPort: "host:port" / "[v6]:port" (port optional) for --api and Host.
 *
 * The ip-address package is the independent oracle in test/net: our text must agree with it.
 * It is not used at run time: the codec and `decode` format millions of addresses, and the
 * rest of the daemon needs no more than this.
 */
export * from './ipv4';
export * from './ipv6';
export * from './ascii';
export * from './ip';
export * from './prefix';
export * from './host-port';
