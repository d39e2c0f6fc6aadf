// A byte queue for streamed input: chunks go in, fixed-size records come out as views.
// A record that lies inside one chunk is handed out without copying; bytes are copied
// only when a record straddles two chunks, so memory stays at about one chunk.

const EMPTY = new Uint8Array(0);

export class ByteQueue {
  private buf: Uint8Array = EMPTY;
  private off = 0;

  /** Bytes available. */
  get length(): number {
    return this.buf.length - this.off;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.off >= this.buf.length) {
      this.buf = chunk;
      this.off = 0;
      return;
    }
    const rest = this.buf.subarray(this.off);
    const joined = new Uint8Array(rest.length + chunk.length);
    joined.set(rest, 0);
    joined.set(chunk, rest.length);
    this.buf = joined;
    this.off = 0;
  }

  /** A view of the next `n` bytes without consuming them, or undefined if fewer are queued. */
  peek(n: number): Uint8Array | undefined {
    if (this.length < n) return undefined;
    return this.buf.subarray(this.off, this.off + n);
  }

  /** Consumes and returns the next `n` bytes, or undefined if fewer are queued. */
  take(n: number): Uint8Array | undefined {
    if (this.length < n) return undefined;
    const v = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }

  /** Drops up to `n` bytes; returns how many were dropped. */
  skip(n: number): number {
    const k = Math.min(n, this.length);
    this.off += k;
    return k;
  }
}

/** Unsigned 16-bit read in the given byte order. Callers check bounds first. */
export function u16(b: Uint8Array, off: number, le: boolean): number {
  return le ? b[off]! | (b[off + 1]! << 8) : (b[off]! << 8) | b[off + 1]!;
}

/** Unsigned 32-bit read in the given byte order. Callers check bounds first. */
export function u32(b: Uint8Array, off: number, le: boolean): number {
  return le
    ? (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0
    : ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}
