// Prefixes ("10.0.0.0/8", "2001:db8::/32", RFC 4632 3.1 CIDR notation, RFC 4291 2.3 for
// IPv6): parsing, the canonical-form check (no bits set past the length), masking and
// containment, on octets; mask32 for the RIB's word keys.
import { formatIp, parseIp, type IpBytes } from './ip';

export interface IpPrefix {
  /** 4 or 16 octets; bits past `len` as written (see hasHostBits). */
  readonly addr: IpBytes;
  readonly len: number;
}

/**
 * "address/length" with a decimal length (no sign, no leading zero) up to 32 or 128;
 * undefined otherwise. The address keeps any bits past the length: canonical callers check
 * hasHostBits, lenient ones mask.
 */
export function parseCidr(text: string): IpPrefix | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const lenText = text.slice(slash + 1);
  if (!/^(0|[1-9]\d{0,2})$/.test(lenText)) return undefined;
  const addr = parseIp(text.slice(0, slash));
  const len = Number(lenText);
  if (addr === undefined || len > addr.length * 8) return undefined;
  return { addr, len };
}

export function formatCidr(p: IpPrefix): string {
  return `${formatIp(p.addr)}/${p.len}`;
}

/** True when a bit past `len` is set: not the prefix's canonical form. */
export function hasHostBits(addr: IpBytes, len: number): boolean {
  for (let i = 0; i < addr.length; i++) {
    const keep = len - 8 * i;
    if (keep >= 8) continue;
    const mask = keep <= 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    if ((addr[i]! & ~mask & 0xff) !== 0) return true;
  }
  return false;
}

/** A copy of `addr` with the bits past `len` cleared. */
export function maskAddr(addr: IpBytes, len: number): IpBytes {
  const out = addr.slice();
  for (let i = 0; i < out.length; i++) {
    const keep = len - 8 * i;
    if (keep >= 8) continue;
    out[i] = keep <= 0 ? 0 : out[i]! & (0xff << (8 - keep));
  }
  return out;
}

/** Is `addr` inside prefix p (same family, the same first p.len bits)? */
export function prefixContains(p: IpPrefix, addr: IpBytes): boolean {
  if (addr.length !== p.addr.length) return false;
  let bits = p.len;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((addr[i]! ^ p.addr[i]!) & mask) !== 0) return false;
  }
  return true;
}

/** The leading `bits` bits of a uint32 word (all for >= 32, none for <= 0). */
export function mask32(word: number, bits: number): number {
  if (bits >= 32) return word >>> 0;
  if (bits <= 0) return 0;
  return (word & (0xffffffff << (32 - bits))) >>> 0;
}
