// The FIB's keys are canonical prefix text (RFC 5952 for IPv6, as the RIB formats it); the
// common case, a canonical IPv4 prefix, is checked and encoded without allocating (a full
// table is a million of them).
import { AF_INET, formatInetAddr, parseInetPrefix, parseV4PrefixInto, type InetPrefix } from '../../sys';

/** Canonical text of a prefix, or the RangeError saying why it is not one. */
export function canonicalPrefix(prefix: string, scratch: Uint8Array): string | RangeError {
  if (typeof prefix === 'string' && parseV4PrefixInto(prefix, scratch) >= 0) return prefix;
  const p = parseInetPrefix(prefix);
  if (p instanceof RangeError) return p;
  // A dotted quad that parses is canonical already (no leading zeros are accepted).
  if (p.family === AF_INET && prefix.length - prefix.indexOf('/') === (p.len < 10 ? 2 : 3)) return prefix;
  return `${formatInetAddr(p.bytes)}/${p.len}`;
}

/**
 * A canonical prefix in kernel form. IPv4 is parsed into `scratch`: the result is good until
 * the next call (each is encoded at once).
 */
export function kernelDst(prefix: string, scratch: Uint8Array): InetPrefix {
  const len = parseV4PrefixInto(prefix, scratch);
  if (len >= 0) return { family: AF_INET, bytes: scratch, len };
  return parseInetPrefix(prefix) as InetPrefix; // canonical already
}
