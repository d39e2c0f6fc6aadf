// A minimal UPDATE reader for tests (the codec's decoder is another module): withdrawn
// routes, attribute type -> value, NLRI, with optional ADD-PATH path IDs.
export interface ReadUpdate {
  withdrawn: string[];
  attrs: Map<number, Buffer>;
  nlri: string[];
}

function prefixes(b: Buffer, at: number, end: number, addPath: boolean, v6 = false): string[] {
  const out: string[] = [];
  while (at < end) {
    let id = '';
    if (addPath) {
      id = `#${b.readUInt32BE(at)}`;
      at += 4;
    }
    const len = b[at++];
    const n = (len + 7) >> 3;
    const bytes = Buffer.alloc(v6 ? 16 : 4);
    b.copy(bytes, 0, at, at + n);
    at += n;
    const addr = v6
      ? Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16)).join(':')
      : Array.from(bytes).join('.');
    out.push(`${addr}/${len}${id}`);
  }
  return out;
}

export function readUpdate(b: Buffer, addPath = false): ReadUpdate {
  if (b.readUInt16BE(16) !== b.length || b[18] !== 2) throw new Error('not an UPDATE');
  let at = 19;
  const wl = b.readUInt16BE(at);
  at += 2;
  const withdrawn = prefixes(b, at, at + wl, addPath);
  at += wl;
  const al = b.readUInt16BE(at);
  at += 2;
  const end = at + al;
  const attrs = new Map<number, Buffer>();
  while (at < end) {
    const flags = b[at];
    const type = b[at + 1];
    const len = flags & 0x10 ? b.readUInt16BE(at + 2) : b[at + 2];
    at += flags & 0x10 ? 4 : 3;
    attrs.set(type, b.subarray(at, at + len));
    at += len;
  }
  const nlri = prefixes(b, at, b.length, addPath);
  const mp = attrs.get(14);
  if (mp) {
    const nhl = mp[3];
    nlri.push(...prefixes(mp, 4 + nhl + 1, mp.length, addPath, true));
  }
  const un = attrs.get(15);
  if (un) withdrawn.push(...prefixes(un, 3, un.length, addPath, true));
  return { withdrawn, attrs, nlri };
}
