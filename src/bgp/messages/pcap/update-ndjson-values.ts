// Value writers of the one-pass UPDATE writer (update-ndjson.ts): pure functions that print one
// already-checked attribute value or prefix list into an NdjsonOut. Kept apart from the framing and
// checks so update-ndjson.ts reads as "check, then write keys in contract order".
import { AFI_IPV4 } from '../types';
import type { NdjsonOut } from './ndjson-out';

const ascii = (s: string): Uint8Array => Buffer.from(s, 'latin1');

const K_SEGMENT = [
  ascii(''),
  ascii('{"type":"AS_SET","asns":['),
  ascii('{"type":"AS_SEQUENCE","asns":['),
  ascii('{"type":"AS_CONFED_SEQUENCE","asns":['),
  ascii('{"type":"AS_CONFED_SET","asns":['),
];
const v6 = new Uint8Array(16);

export const QUOTE = 0x22;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const CLOSE_ARRAY = 0x5d;
export const CLOSE_OBJECT = 0x7d;

export function u16(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}
export function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

/** `"a.b.c.d/len"` (`#id` with ADD-PATH) for each prefix of a checked IPv4 NLRI field. */
export function ipv4Prefixes(out: NdjsonOut, b: Uint8Array, s: number, e: number, addPath: boolean): void {
  const o = out.buf;
  let i = s;
  let first = true;
  while (i < e) {
    let id = 0;
    if (addPath) {
      id = u32(b, i);
      i += 4;
    }
    const len = b[i++]!;
    const n = (len + 7) >>> 3;
    if (!first) o[out.pos++] = COMMA;
    first = false;
    o[out.pos++] = QUOTE;
    out.octet(n > 0 ? b[i]! : 0);
    o[out.pos++] = 0x2e;
    out.octet(n > 1 ? b[i + 1]! : 0);
    o[out.pos++] = 0x2e;
    out.octet(n > 2 ? b[i + 2]! : 0);
    o[out.pos++] = 0x2e;
    out.octet(n > 3 ? b[i + 3]! : 0);
    out.prefixLength(len);
    if (addPath) {
      o[out.pos++] = 0x23;
      out.uint(id);
    }
    o[out.pos++] = QUOTE;
    i += n;
  }
}

export function ipv6Prefixes(out: NdjsonOut, b: Uint8Array, s: number, e: number, addPath: boolean): void {
  const o = out.buf;
  let i = s;
  let first = true;
  while (i < e) {
    let id = 0;
    if (addPath) {
      id = u32(b, i);
      i += 4;
    }
    const len = b[i++]!;
    const n = (len + 7) >>> 3;
    for (let k = 0; k < 16; k++) v6[k] = k < n ? b[i + k]! : 0;
    i += n;
    if (!first) o[out.pos++] = COMMA;
    first = false;
    o[out.pos++] = QUOTE;
    out.ipv6At(v6, 0);
    out.prefixLength(len);
    if (addPath) {
      o[out.pos++] = 0x23;
      out.uint(id);
    }
    o[out.pos++] = QUOTE;
  }
}

export function prefixes(out: NdjsonOut, afi: number, b: Uint8Array, s: number, e: number, addPath: boolean): void {
  if (afi === AFI_IPV4) ipv4Prefixes(out, b, s, e, addPath);
  else ipv6Prefixes(out, b, s, e, addPath);
}

export function segments(out: NdjsonOut, b: Uint8Array, s: number, e: number, w: number): void {
  let i = s;
  while (i < e) {
    if (i > s) out.byte(COMMA);
    const n = b[i + 1]!;
    out.bytes(K_SEGMENT[b[i]!]!);
    i += 2;
    for (let k = 0; k < n; k++, i += w) {
      if (k > 0) out.byte(COMMA);
      out.uint(w === 4 ? u32(b, i) : u16(b, i));
    }
    out.byte(CLOSE_ARRAY);
    out.byte(CLOSE_OBJECT);
  }
}

export function quotedIpv4List(out: NdjsonOut, b: Uint8Array, s: number, e: number): void {
  for (let i = s; i < e; i += 4) {
    if (i > s) out.byte(COMMA);
    out.byte(QUOTE);
    out.ipv4At(b, i);
    out.byte(QUOTE);
  }
}

/**
 * The quoted items of a community list of `step`-octet values, in wire order: RFC 1997
 * communities (4) as high:low 16-bit halves, RFC 4360 extended communities (8) as hex,
 * RFC 8092 large communities (12) as three 32-bit parts joined by colons.
 */
export function communityList(out: NdjsonOut, b: Uint8Array, s: number, e: number, step: 4 | 8 | 12): void {
  for (let k = s; k < e; k += step) {
    if (k > s) out.byte(COMMA);
    out.byte(QUOTE);
    if (step === 4) {
      out.uint(u16(b, k));
      out.byte(COLON);
      out.uint(u16(b, k + 2));
    } else if (step === 8) {
      out.hex(b, k, k + 8);
    } else {
      out.uint(u32(b, k));
      out.byte(COLON);
      out.uint(u32(b, k + 4));
      out.byte(COLON);
      out.uint(u32(b, k + 8));
    }
    out.byte(QUOTE);
  }
}
