// IPv4 addresses: the dotted quad (RFC 791 3.2 calls it "four octets"; the text form is the
// conventional one RFC 4001 3 names "dotted-decimal") and the address as one uint32 in
// network order, the cheap integer form the codec and the RIB key on.

/** Dotted quad of a uint32 (network order: the first octet is the high byte). */
export function formatIpv4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/** Dotted quad of the 4 octets at b[off]. */
export function formatIpv4At(b: Uint8Array, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/**
 * Dotted quad to uint32, or undefined when `text` is not exactly four decimal octets 0-255.
 * A leading zero ("010") is refused: inet_aton(3) reads it as octal, so it is ambiguous (as
 * Node's net.isIPv4 and the ip-address package also refuse it).
 */
export function parseIpv4(text: string): number | undefined {
  return parseIpv4Range(text, 0, text.length);
}

/** parseIpv4 of text[start..end). */
export function parseIpv4Range(text: string, start: number, end: number): number | undefined {
  let v = 0;
  let parts = 0;
  let i = start;
  while (parts < 4) {
    const from = i;
    let octet = 0;
    while (i < end) {
      const c = text.charCodeAt(i) - 0x30;
      if (c < 0 || c > 9) break;
      octet = octet * 10 + c;
      i++;
    }
    const digits = i - from;
    if (digits === 0 || digits > 3 || octet > 255 || (digits > 1 && text.charCodeAt(from) === 0x30)) return undefined;
    v = v * 256 + octet;
    parts++;
    if (parts < 4) {
      if (i >= end || text.charCodeAt(i) !== 0x2e) return undefined;
      i++;
    }
  }
  return i === end ? v : undefined;
}

/** The uint32 of the 4 octets at b[off]. */
export function ipv4FromBytes(b: Uint8Array, off = 0): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

/** The 4 octets of a uint32 address. */
export function ipv4ToBytes(a: number): Uint8Array {
  return Uint8Array.of(a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff);
}
