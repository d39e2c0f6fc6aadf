// AS_PATH (RFC 4271 4.3 (b), 5.1.2; RFC 5065 3 confederation segments) and AS4_PATH
// (RFC 6793 3). Each segment: type (1 octet), number of ASes (1 octet), the ASes (2 or 4
// octets each: 4 in AS4_PATH, and in AS_PATH only between two 4-octet speakers).
import type { CodecContext } from '../types';
import type { AsSegment } from './types';
import type { DecodeHook, EncodeHook } from './basic';
import { put16, put32, u16, u32 } from './bytes';

/** Segments of buf[s, e) with `w`-octet ASNs, or the reason they are malformed (RFC 7606 7.2). */
export function parseSegments(
  b: Uint8Array,
  s: number,
  e: number,
  w: 2 | 4,
  allowConfed: boolean,
): AsSegment[] | string {
  const segs: AsSegment[] = [];
  let i = s;
  while (i < e) {
    if (i + 2 > e) return 'AS path segment header overruns the attribute';
    const type = b[i]!;
    const n = b[i + 1]!;
    if (type < 1 || type > 4 || (!allowConfed && type > 2)) return `AS path segment type ${type}`;
    if (n === 0) return 'AS path segment with no ASes'; // RFC 7606 7.2: zero segment length
    i += 2;
    if (i + n * w > e) return 'AS path segment overruns the attribute';
    const asns: number[] = new Array<number>(n);
    for (let k = 0; k < n; k++, i += w) asns[k] = w === 4 ? u32(b, i) : u16(b, i);
    segs.push({ type, asns });
  }
  return segs;
}

/** Encodes segments with `w`-octet ASNs; a segment over 255 ASes is split (RFC 4271 4.3 (b)). */
export function segmentsBytes(segs: readonly AsSegment[], w: 2 | 4): Uint8Array {
  const parts: AsSegment[] = [];
  for (const sg of segs) {
    for (let k = 0; k < sg.asns.length || k === 0; k += 255) {
      parts.push({ type: sg.type, asns: sg.asns.slice(k, k + 255) });
      if (sg.asns.length === 0) break;
    }
  }
  let size = 0;
  for (const p of parts) size += 2 + p.asns.length * w;
  const out = new Uint8Array(size);
  let i = 0;
  for (const p of parts) {
    out[i] = p.type;
    out[i + 1] = p.asns.length;
    i += 2;
    for (const a of p.asns) {
      if (w === 4) put32(out, i, a);
      else put16(out, i, a);
      i += w;
    }
  }
  return out;
}

const width = (ctx: CodecContext): 2 | 4 => (ctx.fourOctetAs ? 4 : 2);

export const decodeAsPath: DecodeHook = (b, s, e, ctx, out) => {
  const segs = parseSegments(b, s, e, width(ctx), true);
  if (typeof segs === 'string') return segs;
  out.asPath = segs;
  return undefined;
};
export const encodeAsPath: EncodeHook = (a, ctx) =>
  a.asPath === undefined ? undefined : segmentsBytes(a.asPath, width(ctx));

// RFC 6793 3: AS4_PATH carries no confederation segments; any error means attribute discard (6).
export const decodeAs4Path: DecodeHook = (b, s, e, _c, out) => {
  const segs = parseSegments(b, s, e, 4, false);
  if (typeof segs === 'string') return segs;
  out.as4Path = segs;
  return undefined;
};
export const encodeAs4Path: EncodeHook = (a) => (a.as4Path === undefined ? undefined : segmentsBytes(a.as4Path, 4));

/** Number of ASes a path counts for in the decision process (RFC 4271 9.1.2.2 (a)). */
export function asPathLength(segs: readonly AsSegment[]): number {
  let n = 0;
  for (const sg of segs) {
    if (sg.type === 2)
      n += sg.asns.length; // AS_SEQUENCE
    else if (sg.type === 1) n += 1; // AS_SET counts 1; confed segments count 0 (RFC 5065 5.3)
  }
  return n;
}
