// IP addresses and prefixes as the kernel carries them in rtnetlink attributes (4 or 16
// octets, network order) and as text. Pure and quick: the FIB encodes a million prefixes
// through here, so IPv4 takes a hand-written path with no regular expression or split.
import { AF_INET, AF_INET6 } from './encoding';

/** An address in kernel form: family and its octets (4 for AF_INET, 16 for AF_INET6). */
export interface InetAddr {
  readonly family: typeof AF_INET | typeof AF_INET6;
  readonly bytes: Uint8Array;
}

/** A prefix in kernel form; host bits past `len` are zero. */
export interface InetPrefix extends InetAddr {
  readonly len: number;
}

/** Dotted quad s[from, to) to 4 octets written at `out[off]`; false when it is not exactly one. */
function parseV4Into(s: string, out: Uint8Array, off: number, from = 0, to = s.length): boolean {
  let part = 0;
  let digits = 0;
  let n = 0;
  for (let i = from; i <= to; i++) {
    const c = i < to ? s.charCodeAt(i) : 46; // a final '.' closes the last part
    if (c === 46) {
      if (digits === 0 || part > 255 || n > 3) return false;
      out[off + n++] = part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      // "010" is refused as inet_pton does: no leading zeros that could mean octal.
      if (digits > 0 && part === 0) return false;
      part = part * 10 + (c - 48);
      if (++digits > 3) return false;
    } else {
      return false;
    }
  }
  return n === 4;
}

/** RFC 4291 2.2 text (all three forms) to 16 octets; false when invalid. */
function parseV6Into(s: string, out: Uint8Array): boolean {
  let text = s;
  const colon = text.lastIndexOf(':');
  if (colon < 0) return false;
  let tail: Uint8Array | undefined;
  if (text.indexOf('.', colon) > 0) {
    // RFC 4291 2.2 form 3: the last 32 bits as a dotted quad.
    tail = new Uint8Array(4);
    if (!parseV4Into(text.slice(colon + 1), tail, 0)) return false;
    text = `${text.slice(0, colon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const r: number[] = [];
    for (const p of h.split(':')) {
      if (p.length < 1 || p.length > 4) return undefined;
      const v = parseInt(p, 16);
      if (Number.isNaN(v) || !/^[0-9a-fA-F]+$/.test(p)) return undefined;
      r.push(v);
    }
    return r;
  };
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !rest) return false;
  const fill = 8 - head.length - rest.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return false;
  out.fill(0);
  head.forEach((v, i) => {
    out[2 * i] = v >>> 8;
    out[2 * i + 1] = v & 0xff;
  });
  rest.forEach((v, i) => {
    const g = 8 - rest.length + i;
    out[2 * g] = v >>> 8;
    out[2 * g + 1] = v & 0xff;
  });
  if (tail) out.set(tail, 12);
  return true;
}

/** An address's text to kernel form, or undefined when it is not an IPv4 or IPv6 address. */
export function parseInetAddr(s: string): InetAddr | undefined {
  if (s.includes(':')) {
    const b = new Uint8Array(16);
    return parseV6Into(s, b) ? { family: AF_INET6, bytes: b } : undefined;
  }
  const b = new Uint8Array(4);
  return parseV4Into(s, b, 0) ? { family: AF_INET, bytes: b } : undefined;
}

/**
 * "10.65.1.0/26" or "fd00::/64" to kernel form. A RangeError (naming the text) when it is not
 * a prefix, or when bits are set past the length: the kernel would refuse such a route
 * (EINVAL), and a silently masked prefix would be a different route from the one asked for.
 */
export function parseInetPrefix(s: string): InetPrefix | RangeError {
  const slash = s.indexOf('/');
  // IPv4 without substrings or regular expressions: the FIB parses a million of these.
  if (slash > 0 && s.indexOf(':') < 0) {
    const b = new Uint8Array(4);
    let len = 0;
    const digits = s.length - slash - 1;
    for (let i = slash + 1; i < s.length; i++) {
      const c = s.charCodeAt(i);
      len = c >= 48 && c <= 57 ? len * 10 + (c - 48) : 999;
    }
    if (digits >= 1 && digits <= 3 && len <= 32 && parseV4Into(s, b, 0, 0, slash)) {
      if (!hostBitsZero(b, len)) return new RangeError(`"${s}" has bits set past /${len}`);
      return { family: AF_INET, bytes: b, len };
    }
  }
  const addr = slash < 0 ? undefined : parseInetAddr(s.slice(0, slash));
  const lenText = slash < 0 ? '' : s.slice(slash + 1);
  if (!addr || !/^\d{1,3}$/.test(lenText)) return new RangeError(`"${s}" is not a prefix (address/length)`);
  const len = Number(lenText);
  const max = addr.bytes.length * 8;
  if (len > max) return new RangeError(`"${s}": length ${len} is more than ${max}`);
  if (!hostBitsZero(addr.bytes, len)) return new RangeError(`"${s}" has bits set past /${len}`);
  return { family: addr.family, bytes: addr.bytes, len };
}

/**
 * A canonical IPv4 prefix's text ("10.65.1.0/26": no leading zeros, host bits zero) parsed
 * straight into out[0..3], for callers that parse many and keep none (the FIB encodes each
 * request from its prefix text). The length, or -1 for anything else (IPv6, other forms,
 * bits past the length): parseInetPrefix then says why or handles it.
 */
export function parseV4PrefixInto(s: string, out: Uint8Array): number {
  const slash = s.indexOf('/');
  const digits = s.length - slash - 1;
  if (slash <= 0 || digits < 1 || digits > 2) return -1;
  let len = 0;
  for (let i = slash + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    len = len * 10 + (c - 48);
  }
  if (len > 32 || (digits === 2 && len < 10)) return -1;
  if (!parseV4Into(s, out, 0, 0, slash)) return -1;
  const v = ((out[0]! << 24) | (out[1]! << 16) | (out[2]! << 8) | out[3]!) >>> 0;
  const host = len === 32 ? 0 : 0xffffffff >>> len;
  return (v & host) === 0 ? len : -1;
}

function hostBitsZero(b: Uint8Array, len: number): boolean {
  for (let i = 0; i < b.length; i++) {
    const keep = Math.max(0, Math.min(8, len - 8 * i));
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    if ((b[i]! & ~mask & 0xff) !== 0) return false;
  }
  return true;
}

/** True when the first `len` bits of `a` and `b` (same length) agree. */
export function prefixCovers(net: Uint8Array, len: number, addr: Uint8Array): boolean {
  if (net.length !== addr.length) return false;
  let i = 0;
  for (; len >= 8; len -= 8, i++) if (net[i] !== addr[i]) return false;
  if (len === 0) return true;
  const mask = (0xff << (8 - len)) & 0xff;
  return (net[i]! & mask) === (addr[i]! & mask);
}

/** Canonical text: dotted quad, or RFC 5952 4 for IPv6 (lower case, longest zero run as "::"). */
export function formatInetAddr(b: Uint8Array, off = 0, len = b.length - off): string {
  if (len === 4) return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!);
  let bestAt = -1;
  let bestLen = 1; // RFC 5952 4.2.2: one zero group alone is not shortened
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    } // 4.2.3: the first of equal runs wins
    i = j;
  }
  // RFC 5952 5: an IPv4-mapped address keeps its dotted quad.
  if (bestAt === 0 && bestLen === 5 && g[5] === 0xffff) return `::ffff:${formatInetAddr(b, off + 12, 4)}`;
  const hex = (x: number): string => x.toString(16);
  if (bestAt < 0) return g.map(hex).join(':');
  return `${g.slice(0, bestAt).map(hex).join(':')}::${g
    .slice(bestAt + bestLen)
    .map(hex)
    .join(':')}`;
}

/** fe80::/10 (RFC 4291 2.5.6): a next hop that means something only with its interface. */
export function isLinkLocal6(b: Uint8Array): boolean {
  return b.length === 16 && b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
}
