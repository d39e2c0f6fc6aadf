// Attribute interning (STYLE.md "Intern attribute sets"; BIRD's cached attributes): every
// distinct Path Attributes field maps to one shared, frozen parsed object, so a million
// prefixes carrying a handful of sets hold a handful of objects. Keyed by the raw bytes
// (hash, then byte compare on collision): no canonical text, no per-UPDATE parsing of a
// set already seen.
//
// MP_REACH_NLRI and MP_UNREACH_NLRI hold per-message NLRI, not path attributes; internKey()
// drops them and keeps MP_REACH's AFI/SAFI and next hop, which are part of the path.

/** FNV-1a over 32-bit words then the tail, with a murmur3 finalizer: fast, non-crypto. */
export function hashBytes(b: Uint8Array): number {
  let h = 0x811c9dc5 ^ b.length;
  const n = b.length & ~3;
  let i = 0;
  for (; i < n; i += 4) {
    h = Math.imul(h ^ ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!), 0x01000193);
    h ^= h >>> 15;
  }
  for (; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const MP_REACH = 14;
const MP_UNREACH = 15;

/**
 * The interning key of a Path Attributes field: the field itself when it has no MP_*
 * attribute (the common IPv4 case: no copy), else a copy without MP_UNREACH_NLRI and with
 * MP_REACH_NLRI's NLRI removed (AFI, SAFI and next hop stay). The key is itself a valid
 * Path Attributes field, so `parse` can decode it directly. Assumes a field the decoder
 * framed; anything past a truncated attribute is dropped.
 */
export function internKey(attrs: Uint8Array): Uint8Array {
  let hasMp = false;
  for (let i = 0; i + 3 <= attrs.length;) {
    const ext = (attrs[i]! & 0x10) !== 0;
    const t = attrs[i + 1]!;
    if (t === MP_REACH || t === MP_UNREACH) { hasMp = true; break; }
    i += (ext ? 4 + ((attrs[i + 2]! << 8) | (attrs[i + 3] ?? 0)) : 3 + attrs[i + 2]!);
  }
  if (!hasMp) return attrs;
  const parts: Uint8Array[] = [];
  let size = 0;
  for (let i = 0; i + 3 <= attrs.length;) {
    const ext = (attrs[i]! & 0x10) !== 0;
    const t = attrs[i + 1]!;
    const hl = ext ? 4 : 3;
    const len = ext ? ((attrs[i + 2]! << 8) | (attrs[i + 3] ?? 0)) : attrs[i + 2]!;
    const end = i + hl + len;
    if (end > attrs.length) break;
    let part: Uint8Array | undefined;
    if (t === MP_REACH && len >= 5) {
      // RFC 4760 3: AFI (2), SAFI (1), next hop length (1), next hop, Reserved (1), NLRI.
      // Keep all but the NLRI, as a short-form attribute (an absurd next hop: keep it all).
      const keep = Math.min(5 + attrs[i + hl + 3]!, len);
      if (keep <= 255) {
        part = new Uint8Array(3 + keep);
        part[0] = 0x80; part[1] = MP_REACH; part[2] = keep;
        part.set(attrs.subarray(i + hl, i + hl + keep), 3);
      } else {
        part = attrs.subarray(i, end);
      }
    } else if (t !== MP_UNREACH) {
      part = attrs.subarray(i, end);
    }
    if (part !== undefined) { parts.push(part); size += part.length; }
    i = end;
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export interface Interned<T> {
  /** Small integer id, stable while the set is interned (a RIB can store it in typed arrays). */
  readonly id: number;
  readonly hash: number;
  /** Our own copy of the key bytes (never a view into a received frame). */
  readonly bytes: Uint8Array;
  readonly value: T;
}

interface Slot<T> {
  entry: Interned<T>;
  refs: number;
  next: Slot<T> | undefined;
}

export class AttributeInterner<T> {
  private readonly buckets = new Map<number, Slot<T>>();
  private readonly byId: (Slot<T> | undefined)[] = [];
  private readonly freeIds: number[] = [];
  private count = 0;

  /** parse(bytes) makes the value the first time a set is seen; it is frozen and shared. */
  constructor(private readonly parse: (bytes: Uint8Array) => T) {}

  get size(): number {
    return this.count;
  }

  /** The shared entry for `key` (e.g. internKey(update.attrBytes)); adds one reference. */
  intern(key: Uint8Array): Interned<T> {
    const hash = hashBytes(key);
    const head = this.buckets.get(hash);
    for (let s = head; s !== undefined; s = s.next) {
      if (sameBytes(s.entry.bytes, key)) { s.refs++; return s.entry; }
    }
    const bytes = key.slice();
    const value = this.parse(bytes);
    if (value !== null && typeof value === 'object') Object.freeze(value);
    const id = this.freeIds.length > 0 ? this.freeIds.pop()! : this.byId.length;
    const entry: Interned<T> = Object.freeze({ id, hash, bytes, value });
    const slot: Slot<T> = { entry, refs: 1, next: head };
    this.buckets.set(hash, slot);
    this.byId[id] = slot;
    this.count++;
    return entry;
  }

  /** The entry with this id, if still interned. */
  get(id: number): Interned<T> | undefined {
    return this.byId[id]?.entry;
  }

  /** Adds `n` references to an interned entry (a RIB storing it for n more paths). */
  retain(e: Interned<T>, n = 1): void {
    const s = this.byId[e.id];
    if (s !== undefined && s.entry === e) s.refs += n;
  }

  /** Drops one reference; the set is forgotten (and its id reused) at zero. */
  release(e: Interned<T>): void {
    const s = this.byId[e.id];
    if (s === undefined || s.entry !== e || --s.refs > 0) return;
    let prev: Slot<T> | undefined;
    for (let c = this.buckets.get(e.hash); c !== undefined; prev = c, c = c.next) {
      if (c !== s) continue;
      if (prev === undefined) {
        if (c.next === undefined) this.buckets.delete(e.hash); else this.buckets.set(e.hash, c.next);
      } else {
        prev.next = c.next;
      }
      break;
    }
    this.byId[e.id] = undefined;
    this.freeIds.push(e.id);
    this.count--;
  }

  refs(e: Interned<T>): number {
    const s = this.byId[e.id];
    return s !== undefined && s.entry === e ? s.refs : 0;
  }
}
