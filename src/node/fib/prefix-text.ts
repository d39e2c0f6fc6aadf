// Prefixes given as text (the FibSink's set/delete, the API, tests) to the address words and
// length the FIB's tables are keyed by (table.ts). The common case, a canonical IPv4 prefix,
// is parsed without allocating; anything else goes through parseInetPrefix, which says why a
// text is not a prefix (host bits set, no length, ...).
import { AF_INET6, parseInetPrefix, parseV4PrefixInto } from '../../sys';
import { wordsOf } from './table';

/** Added to the length of an IPv6 prefix in prefixWords' result. */
export const V6 = 0x100;

/**
 * Parses `prefix` into `words` (1 or 4 address words); returns the length (plus V6 for an
 * IPv6 prefix), or the RangeError saying why it is not a prefix. `scratch`: 4 octets.
 */
export function prefixWords(prefix: string, scratch: Uint8Array, words: Uint32Array): number | RangeError {
  if (typeof prefix !== 'string') return new RangeError(`${String(prefix)} is not a prefix (address/length)`);
  const len = parseV4PrefixInto(prefix, scratch);
  if (len >= 0) {
    wordsOf(scratch, words);
    return len;
  }
  const p = parseInetPrefix(prefix);
  if (p instanceof RangeError) return p;
  wordsOf(p.bytes, words);
  return p.family === AF_INET6 ? p.len + V6 : p.len;
}
