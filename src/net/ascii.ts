// Address text written as ASCII octets into a caller's buffer, for output built as bytes
// (`vroute decode` writes NDJSON straight into one large buffer): no string per address.
// formatIpv6 (ipv6.ts) is this same writer read back as a string, so there is one RFC 5952.

// Decimal text of 0..255: up to 3 digits at DEC[i*4], the digit count at DEC[i*4+3].
// Exported for other byte writers (decode's NDJSON numbers) so the table exists once.
export const DEC = new Uint8Array(256 * 4);
for (let i = 0; i < 256; i++) {
  const s = String(i);
  for (let k = 0; k < s.length; k++) DEC[i * 4 + k] = s.charCodeAt(k);
  DEC[i * 4 + 3] = s.length;
}
export const HEX = new Uint8Array(16);
for (let i = 0; i < 16; i++) HEX[i] = '0123456789abcdef'.charCodeAt(i);
const DOT = 0x2e;
const COLON = 0x3a;

function octet(dst: Uint8Array, pos: number, v: number): number {
  const i = v << 2;
  const len = DEC[i + 3]!;
  dst[pos] = DEC[i]!;
  if (len > 1) dst[pos + 1] = DEC[i + 1]!;
  if (len > 2) dst[pos + 2] = DEC[i + 2]!;
  return pos + len;
}

/** Writes the dotted quad of src[off..off+4) at dst[pos]; returns the position after it (room: 15). */
export function writeIpv4(dst: Uint8Array, pos: number, src: Uint8Array, off: number): number {
  let p = octet(dst, pos, src[off]!);
  dst[p++] = DOT;
  p = octet(dst, p, src[off + 1]!);
  dst[p++] = DOT;
  p = octet(dst, p, src[off + 2]!);
  dst[p++] = DOT;
  return octet(dst, p, src[off + 3]!);
}

/**
 * Writes the RFC 5952 text of src[off..off+16) at dst[pos]; returns the position after it
 * (room: 45). Groups without leading zeros (4.1), lower case (4.3); the longest run of two
 * or more zero groups as "::", the first on a tie (4.2.1-4.2.3); IPv4-mapped as
 * ::ffff:a.b.c.d (5).
 */
export function writeIpv6(dst: Uint8Array, pos: number, src: Uint8Array, off: number): number {
  let bestAt = -1;
  let bestLen = 1; // 4.2.2: a single zero group is not shortened
  for (let i = 0; i < 8; ) {
    if (src[off + 2 * i] !== 0 || src[off + 2 * i + 1] !== 0) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < 8 && src[off + 2 * j] === 0 && src[off + 2 * j + 1] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  let p = pos;
  if (bestAt === 0 && bestLen === 5 && src[off + 10] === 0xff && src[off + 11] === 0xff) {
    dst[p++] = COLON;
    dst[p++] = COLON;
    dst[p++] = 0x66;
    dst[p++] = 0x66;
    dst[p++] = 0x66;
    dst[p++] = 0x66;
    dst[p++] = COLON;
    return writeIpv4(dst, p, src, off + 12);
  }
  for (let i = 0; i < 8; i++) {
    if (i === bestAt) {
      // One colon here; the next group writes its own leading one. A run that ends the
      // address has no next group, so it writes the second itself ("x::", "::").
      dst[p++] = COLON;
      i += bestLen - 1;
      if (i === 7) dst[p++] = COLON;
      continue;
    }
    if (i > 0) dst[p++] = COLON;
    const g = (src[off + 2 * i]! << 8) | src[off + 2 * i + 1]!;
    if (g >= 0x1000) dst[p++] = HEX[g >>> 12]!;
    if (g >= 0x100) dst[p++] = HEX[(g >>> 8) & 15]!;
    if (g >= 0x10) dst[p++] = HEX[(g >>> 4) & 15]!;
    dst[p++] = HEX[g & 15]!;
  }
  return p;
}
