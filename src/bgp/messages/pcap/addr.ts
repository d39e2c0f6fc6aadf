// Text forms of the addresses and TCP endpoints that `vroute decode` prints (contract 1):
// dotted quad for IPv4, RFC 5952 canonical text for IPv6, and "[v6]:port" for IPv6
// endpoints (RFC 5952 6) so the port cannot be mistaken for a last group.

/** Dotted-quad text of 4 octets at `off`. */
export function formatIpv4(b: Uint8Array, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/**
 * RFC 5952 canonical text of 16 octets at `off`: lower-case hex, no leading zeros (4.1),
 * the longest run of two or more zero groups shortened to "::", the first one on a tie
 * (4.2.1-4.2.3), a lone zero group never shortened (4.2.2), and IPv4-mapped addresses
 * with a dotted-quad tail (5).
 */
export function formatIpv6(b: Uint8Array, off = 0): string {
  const g: number[] = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = (b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!;
  // RFC 5952 5: ::ffff:a.b.c.d for IPv4-mapped addresses.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${formatIpv4(b, off + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 1; // a run must be at least 2 groups long (RFC 5952 4.2.2)
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string => g.slice(from, to).map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

/** An address of 4 or 16 octets as text. */
export function formatIp(addr: Uint8Array): string {
  return addr.length === 4 ? formatIpv4(addr) : formatIpv6(addr);
}

/** "ip:port", with the IPv6 address in brackets (RFC 5952 6). */
export function formatEndpoint(addr: Uint8Array, port: number): string {
  return addr.length === 4 ? `${formatIpv4(addr)}:${port}` : `[${formatIpv6(addr)}]:${port}`;
}
