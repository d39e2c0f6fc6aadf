// Prefixes as small dense integer ids. Each family has one PrefixIndex: the prefix key
// (IPv4: address word + length; IPv6: four address words + length) maps to an id through an
// IntTable, and every other RIB structure is keyed by that id (typed arrays indexed by id,
// or IntTables over (id, pathId)). No JS object per prefix.
import { AFI_IPV4, type Family, familyAfi } from '../bgp/messages';
import { formatIp, ipFromWords, ipToWords, mask32, maskAddr, parseCidr } from '../net';
import { capacityFor, grown } from './grow';
import { IdTable } from './id-table';

export type PrefixId = number;

/** A prefix in parsed form, for APIs at the edge (config, tests, the HTTP API). */
export interface PrefixValue {
  readonly family: Family;
  /** Address words, big-endian order: 1 word for IPv4, 4 for IPv6; host bits zero. */
  readonly words: readonly number[];
  readonly len: number;
}

// Ids are dense (a free list reuses them) so that per-prefix state elsewhere can be a plain
// typed array indexed by id; the key words are kept per id too, to turn an id back into a
// prefix for encoding without a reverse table, and the hash table (an IdTable) holds only
// ids and compares against those words: each key is stored once.
//
// Freed ids wait for reuse on a list threaded through `refs` (a free id's count is negative:
// -2 - the next free id, so -1 ends the list), not on a JS array: when a full-table peer goes
// down, a million ids are freed at once, and an array of them was 8 bytes each (10 MiB with
// V8's 1.5x growth slack, kept until reused) plus ~20 MiB of its outgrown copies in the large
// object space until a full GC; the node agent has two such indexes (its RIB and its FIB).
export class PrefixIndex {
  readonly family: Family;
  /** Address words per prefix: 1 (IPv4) or 4 (IPv6). */
  readonly addrWords: number;
  private readonly table: IdTable;
  private words: Uint32Array; // addrWords + 1 (len) per id
  private refs: Int32Array;
  /** First free id (see above), or -1. */
  private freeHead = -1;
  /** Ids ever handed out: one past the highest. */
  private used = 0;

  constructor(family: Family, initialCapacity = 1024) {
    this.family = family;
    this.addrWords = familyAfi(family) === AFI_IPV4 ? 1 : 4;
    this.words = new Uint32Array(initialCapacity * (this.addrWords + 1));
    this.table = new IdTable(this.addrWords + 1, this.words, initialCapacity);
    this.refs = new Int32Array(initialCapacity);
  }

  /** Number of live prefixes. */
  get size(): number {
    return this.table.size;
  }
  /** One past the highest id ever handed out (size for id-indexed arrays). */
  get capacity(): number {
    return this.used;
  }
  get bytes(): number {
    return this.table.bytes + this.words.byteLength + this.refs.byteLength;
  }

  /** Id of an IPv4 prefix (addr as uint32), creating it with refcount 0 when new. */
  intern4(addr: number, len: number): PrefixId {
    const k = this.table.key;
    k[0] = mask32(addr, len); // RFC 4271 4.3: trailing bits are irrelevant
    k[1] = len;
    return this.internKey();
  }

  /** The longest valid prefix length of the family (32 or 128). */
  get maxLen(): number {
    return this.addrWords * 32;
  }

  /** Id of a prefix given its address words (1 or 4) and length. */
  intern(words: ArrayLike<number>, len: number): PrefixId {
    const k = this.table.key;
    for (let i = 0; i < this.addrWords; i++) k[i] = mask32(words[i], len - 32 * i);
    k[this.addrWords] = len;
    return this.internKey();
  }

  /** Id of an existing IPv4 prefix, or -1. */
  find4(addr: number, len: number): PrefixId {
    const k = this.table.key;
    k[0] = mask32(addr, len);
    k[1] = len;
    return this.find1();
  }

  find(words: ArrayLike<number>, len: number): PrefixId {
    const k = this.table.key;
    for (let i = 0; i < this.addrWords; i++) k[i] = mask32(words[i], len - 32 * i);
    k[this.addrWords] = len;
    return this.find1();
  }

  /** The id of the key in table.key, or -1. */
  private find1(): PrefixId {
    const r = this.table.probe();
    return r >= 0 ? r : -1;
  }

  ref(id: PrefixId): void {
    this.refs[id]++;
  }

  /** Drops one reference; the id is recycled when none remain. */
  unref(id: PrefixId): void {
    if (--this.refs[id] > 0) return;
    this.table.delete(id);
    this.refs[id] = -2 - this.freeHead;
    this.freeHead = id;
  }

  /** Recycles an id that was interned but never referenced (e.g. the route was filtered). */
  dropIfUnused(id: PrefixId): void {
    if (this.refs[id] === 0) {
      this.refs[id] = 1;
      this.unref(id);
    }
  }

  len(id: PrefixId): number {
    return this.words[id * (this.addrWords + 1) + this.addrWords];
  }
  /** Address word i (0 for IPv4). */
  word(id: PrefixId, i: number): number {
    return this.words[id * (this.addrWords + 1) + i];
  }
  isLive(id: PrefixId): boolean {
    return id >= 0 && id < this.used && this.refs[id] > 0;
  }

  value(id: PrefixId): PrefixValue {
    const w = this.addrWords + 1;
    return {
      family: this.family,
      words: Array.from(this.words.subarray(id * w, id * w + this.addrWords)),
      len: this.len(id),
    };
  }

  format(id: PrefixId): string {
    if (this.addrWords === 1) {
      // IPv4 straight from the key words: the node agent formats every Loc-RIB change for
      // its FIB, a million for a full table, so no PrefixValue or octet array on the way.
      const w = this.words[id * 2]!;
      return `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}/${this.words[id * 2 + 1]!}`;
    }
    return formatPrefix(this.value(id));
  }

  private internKey(): PrefixId {
    const slot = this.table.probe();
    if (slot >= 0) return slot; // the id
    let id = this.freeHead;
    if (id >= 0) this.freeHead = -2 - this.refs[id];
    else id = this.used++;
    this.ensure(id + 1);
    const w = this.addrWords + 1;
    const k = this.table.key;
    for (let j = 0; j < w; j++) this.words[id * w + j] = k[j];
    this.refs[id] = 0;
    this.table.insertAt(slot, id);
    return id;
  }

  /** Grows the per-id arrays (doubling) to hold id n - 1. */
  private ensure(n: number): void {
    if (n <= this.refs.length) return;
    const cap = capacityFor(this.refs.length, n, 1024);
    this.words = grown(this.words, cap * (this.addrWords + 1));
    this.table.words = this.words;
    this.refs = grown(this.refs, cap);
  }
}

/** Parses "10.0.0.0/24" or "2001:db8::/32" of the family; undefined when malformed. Host bits are cleared. */
export function parsePrefix(text: string, family: Family): PrefixValue | undefined {
  const p = parseCidr(text);
  if (!p || p.addr.length !== (familyAfi(family) === AFI_IPV4 ? 4 : 16)) return undefined;
  return { family, words: ipToWords(maskAddr(p.addr, p.len)), len: p.len };
}

export function formatPrefix(p: PrefixValue): string {
  return `${formatIp(ipFromWords(p.words))}/${p.len}`;
}
