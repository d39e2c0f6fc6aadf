// The output side of `vroute decode`: NDJSON text written as bytes straight into one large
// buffer, handed to a sink when full. Numbers and addresses are formatted from the wire
// octets with lookup tables (decimal text of each octet, hex digits), so a million prefixes
// cost no string and no object each. Every method assumes the caller reserved room first
// (reserve()), so a whole line is always in the buffer and can be taken back (rollback()).

import { DEC as DEC_TABLE, HEX as HEX_TABLE, writeIpv4, writeIpv6 } from '../../../net';

/** Receives filled output; the chunk is the receiver's to keep (a new buffer follows it). */
export type ChunkSink = (chunk: Uint8Array) => void;

const CAPACITY = 1 << 20;

// Octet decimal text and hex digits, src/net's tables (bound once here: module-local consts
// are what the hot writers below index).
const DEC = DEC_TABLE;
const HEX = HEX_TABLE;
const SLASH = 0x2f;

export class NdjsonOut {
  buf: Buffer;
  pos = 0;
  constructor(
    private readonly sink: ChunkSink,
    capacity = CAPACITY,
  ) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Makes room for `n` more octets, handing the filled part to the sink when needed. */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
  }

  flush(): void {
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(this.buf.length);
    this.pos = 0;
    this.sink(chunk);
  }

  /** The text written so far, taken out (for callers that want strings, e.g. tests). */
  takeText(): string {
    const s = this.buf.toString('utf8', 0, this.pos);
    this.pos = 0;
    return s;
  }

  /** Forgets everything written after `mark` (a value of pos within the current line). */
  rollback(mark: number): void {
    this.pos = mark;
  }

  byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  /** Copies octets already encoded (constant key text, a direction's line head). */
  bytes(b: Uint8Array): void {
    const n = b.length;
    if (n > 64) {
      this.buf.set(b, this.pos);
    } else {
      // A plain loop: set() costs more than copying a short key.
      const o = this.buf;
      const p = this.pos;
      for (let i = 0; i < n; i++) o[p + i] = b[i]!;
    }
    this.pos += n;
  }

  /** Any JavaScript string as UTF-8 (room: 3 octets per UTF-16 unit). */
  text(s: string): void {
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** Decimal text of an unsigned integer below 2^32. */
  uint(v: number): void {
    if (v < 256) {
      this.octet(v);
    } else if (v < 0x40000000) {
      this.smallInt(v);
    } else {
      // Above the small-integer range: the high part, then the low five digits zero-padded,
      // so the digit loop runs on small integers only.
      const hi = Math.floor(v / 100000);
      const lo = v - hi * 100000;
      this.smallInt(hi);
      const b = this.buf;
      let p = this.pos + 5;
      this.pos = p;
      let n = lo;
      for (let k = 0; k < 5; k++) {
        const q = (n / 10) | 0;
        b[--p] = 0x30 + (n - q * 10);
        n = q;
      }
    }
  }

  /** Decimal text of 0 <= v < 2^30 (integer arithmetic only). */
  private smallInt(v: number): void {
    let digits = 1;
    for (let t = 10; t <= v && digits < 10; t *= 10) digits++;
    const b = this.buf;
    let p = this.pos + digits;
    this.pos = p;
    let n = v | 0;
    while (n >= 10) {
      const q = (n / 10) | 0;
      b[--p] = 0x30 + (n - q * 10);
      n = q;
    }
    b[--p] = 0x30 + n;
  }

  /** Decimal text of 0..255. */
  octet(v: number): void {
    const b = this.buf;
    const i = v << 2;
    const len = DEC[i + 3]!;
    b[this.pos] = DEC[i]!;
    if (len > 1) b[this.pos + 1] = DEC[i + 1]!;
    if (len > 2) b[this.pos + 2] = DEC[i + 2]!;
    this.pos += len;
  }

  /** Dotted quad of src[off..off+4). */
  ipv4At(src: Uint8Array, off: number): void {
    this.pos = writeIpv4(this.buf, this.pos, src, off);
  }

  /** Lower-case hex of src[s..e). */
  hex(src: Uint8Array, s: number, e: number): void {
    const b = this.buf;
    let p = this.pos;
    for (let i = s; i < e; i++) {
      const v = src[i]!;
      b[p++] = HEX[v >>> 4]!;
      b[p++] = HEX[v & 15]!;
    }
    this.pos = p;
  }

  /** RFC 5952 text of the 16 octets at src[off] (src/net's writer: the one RFC 5952 text). */
  ipv6At(src: Uint8Array, off: number): void {
    this.pos = writeIpv6(this.buf, this.pos, src, off);
  }

  /** "/len" of a prefix. */
  prefixLength(len: number): void {
    this.buf[this.pos++] = SLASH;
    this.octet(len);
  }
}
