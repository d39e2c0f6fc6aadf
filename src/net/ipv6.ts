// IPv6 addresses: parsing every RFC 4291 2.2 text form, and the one canonical text of RFC 5952
// (written as ASCII octets by ascii.ts; the string form here is that text). 16 octets in
// network order are the address everywhere else.
import { parseIpv4Range } from './ipv4';
import { writeIpv6 } from './ascii';

/**
 * 16 octets from any RFC 4291 2.2 text form: eight groups of 1-4 hex digits (either case),
 * "::" once for one or more zero groups, and an embedded dotted quad as the last 32 bits
 * (form 3, "::ffff:192.0.2.1"). Undefined for anything else, zone ids ("%eth0") included:
 * a zone is not part of the address (RFC 4007 11).
 */
export function parseIpv6(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  return parseIpv6Into(text, out) ? out : undefined;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20; // lower case
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** Parses into out (16 octets); false when `text` is not an IPv6 address. */
function parseIpv6Into(text: string, out: Uint8Array): boolean {
  const n = text.length;
  const groups = new Array<number>(8);
  let count = 0;
  let gap = -1; // index in groups where "::" stands
  let i = 0;
  if (n >= 2 && text.charCodeAt(0) === 0x3a) {
    if (text.charCodeAt(1) !== 0x3a) return false; // ":1::" is not an address
    gap = 0;
    i = 2;
    if (i === n) return finish(groups, count, gap, out);
  }
  for (;;) {
    // One group, or the dotted quad that ends the address.
    let v = 0;
    const from = i;
    while (i < n && i - from < 5) {
      const d = hexDigit(text.charCodeAt(i));
      if (d < 0) break;
      v = v * 16 + d;
      i++;
    }
    if (i < n && text.charCodeAt(i) === 0x2e) {
      if (count > 6) return false;
      const v4 = parseIpv4Range(text, from, n);
      if (v4 === undefined) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      return finish(groups, count, gap, out);
    }
    if (i === from || i - from > 4 || count === 8) return false;
    groups[count++] = v;
    if (i === n) return finish(groups, count, gap, out);
    if (text.charCodeAt(i) !== 0x3a) return false;
    i++;
    if (i < n && text.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return false; // "::" at most once
      gap = count;
      i++;
      if (i === n) return finish(groups, count, gap, out);
    } else if (i === n) return false; // a trailing single ':'
  }
}

function finish(groups: number[], count: number, gap: number, out: Uint8Array): boolean {
  if (gap < 0 ? count !== 8 : count > 7) return false; // "::" stands for at least one group
  const zeros = 8 - count;
  for (let g = 0, k = 0; g < 8; g++) {
    const v = gap >= 0 && g >= gap && g < gap + zeros ? 0 : groups[k++]!;
    out[2 * g] = v >>> 8;
    out[2 * g + 1] = v & 0xff;
  }
  return true;
}

// Long enough for the longest text: 8 groups of 4 and 7 colons, or ::ffff:255.255.255.255.
const scratch = new Uint8Array(48);

/**
 * RFC 5952 text of the 16 octets at b[off]: lower-case hex without leading zeros (4.1, 4.3),
 * the longest run of two or more zero groups as "::", the first of equal runs (4.2.1-4.2.3),
 * a lone zero group kept (4.2.2), and IPv4-mapped addresses as ::ffff:a.b.c.d (5).
 */
export function formatIpv6(b: Uint8Array, off = 0): string {
  const n = writeIpv6(scratch, 0, b, off);
  return String.fromCharCode.apply(null, scratch.subarray(0, n) as unknown as number[]);
}

/** RFC 4291 2.5.5.2: ::ffff:0:0/96 carries an IPv4 address in its last 4 octets. */
export function isIpv4Mapped(b: Uint8Array, off = 0): boolean {
  for (let i = 0; i < 10; i++) if (b[off + i] !== 0) return false;
  return b[off + 10] === 0xff && b[off + 11] === 0xff;
}

/** The address as four uint32 words, network order (the RIB's key form). */
export function ipv6ToWords(b: Uint8Array, off = 0): number[] {
  const w: number[] = [];
  for (let i = 0; i < 16; i += 4) {
    w.push(((b[off + i]! << 24) | (b[off + i + 1]! << 16) | (b[off + i + 2]! << 8) | b[off + i + 3]!) >>> 0);
  }
  return w;
}

/** 16 octets from four uint32 words. */
export function ipv6FromWords(words: ArrayLike<number>): Uint8Array {
  const b = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    const w = words[i]!;
    b[4 * i] = w >>> 24;
    b[4 * i + 1] = (w >>> 16) & 0xff;
    b[4 * i + 2] = (w >>> 8) & 0xff;
    b[4 * i + 3] = w & 0xff;
  }
  return b;
}
