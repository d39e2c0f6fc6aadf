// Prefixes given as text (the FibSink's set/delete, the API, tests) to the address words and
// length the FIB's tables are keyed by (table.ts), and back (wordsText). The common case, a
// canonical IPv4 prefix, is parsed without allocating; anything else goes through
// parseInetPrefix, which says why a text is not a prefix (host bits set, no length, ...).
import { AF_INET6, formatInetAddr, parseInetPrefix, parseV4PrefixInto } from '../../sys';
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

/** The reverse: a prefix given as address words (1 or 4, big-endian) and length, as text. */
export function wordsText(v6: boolean, words: ArrayLike<number>, len: number): string {
  const b = new Uint8Array(v6 ? 16 : 4);
  for (let i = 0; i < b.length; i++) b[i] = (words[i >> 2]! >>> (24 - 8 * (i & 3))) & 255;
  return `${formatInetAddr(b)}/${len}`;
}
