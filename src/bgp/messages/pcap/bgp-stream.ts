// Cuts one reassembled TCP direction into BGP messages for `vroute decode`. Unlike the
// session framer it is lenient about what it can still frame: any length 19..65535 is
// handed on (decodeMessage then reports a bad length or type as an error line, and the
// next message is still found by that length). Only a header that cannot be framed (marker
// not all ones, length under 19; RFC 4271 6.1) ends the direction: after it the message
// boundaries are unknown. After a hole in the capture (TCP gap) the boundaries are unknown
// too, but there the marker is searched for again (RFC 4271 4.1: every message starts
// with 16 octets of ones), since the bytes after the hole are good.
import { HEADER_LENGTH } from '../types';

const MARKER = 16;
const EMPTY = new Uint8Array(0);

export interface FrameSink {
  frame(frame: Uint8Array): void;
  /** The direction cannot be framed any more; `header` is what was found. */
  badHeader(header: Uint8Array, why: string): void;
}

function markerAt(b: Uint8Array, i: number): boolean {
  for (let k = 0; k < MARKER; k++) if (b[i + k] !== 0xff) return false;
  return true;
}

export class BgpStreamSplitter {
  private rest: Uint8Array = EMPTY; // copied partial message (never a view: it would pin a chunk)
  private mode: 'sync' | 'hunt' | 'dead' = 'sync';

  constructor(private readonly sink: FrameSink) {}

  get dead(): boolean {
    return this.mode === 'dead';
  }

  /** Octets of an incomplete message waiting for more data. */
  get pending(): number {
    return this.rest.length;
  }

  /** Starts over (a new connection on the same ports). */
  reset(): void {
    this.rest = EMPTY;
    this.mode = 'sync';
  }

  /** Bytes are missing before the next push: drop the partial message, hunt for a marker. */
  gap(): void {
    this.rest = EMPTY;
    if (this.mode !== 'dead') this.mode = 'hunt';
  }

  /**
   * The stream may not start on a message boundary (the capture began mid-connection):
   * skip to the first marker instead of calling the first bytes a bad header.
   */
  huntFirst(): void {
    if (this.mode === 'sync' && this.rest.length === 0) this.mode = 'hunt';
  }

  /** Frames are passed to the sink during the call, as views valid only until it returns. */
  push(bytes: Uint8Array): void {
    if (this.mode === 'dead' || bytes.length === 0) return;
    let b = bytes;
    if (this.rest.length > 0) {
      b = new Uint8Array(this.rest.length + bytes.length);
      b.set(this.rest, 0);
      b.set(bytes, this.rest.length);
    }
    let off = 0;
    for (;;) {
      if (this.mode === 'hunt') {
        const found = this.hunt(b, off);
        if (found < 0) {
          off = Math.max(off, b.length - (HEADER_LENGTH - 1)); // a marker may start in the tail
          break;
        }
        off = found;
        this.mode = 'sync';
      }
      if (b.length - off < HEADER_LENGTH) break;
      const length = (b[off + 16]! << 8) | b[off + 17]!;
      if (!markerAt(b, off) || length < HEADER_LENGTH) {
        this.mode = 'dead';
        this.rest = EMPTY;
        const why = markerAt(b, off) ? `bad message length ${length}` : 'marker is not all ones';
        this.sink.badHeader(b.subarray(off, off + HEADER_LENGTH), why);
        return;
      }
      if (b.length - off < length) break;
      this.sink.frame(b.subarray(off, off + length));
      if ((this.mode as string) !== 'sync') return; // the sink reset or killed us
      off += length;
    }
    this.rest = off < b.length ? b.slice(off) : EMPTY;
  }

  /** Index of the next plausible header (marker, length >= 19, type 1..5) at or after `from`. */
  private hunt(b: Uint8Array, from: number): number {
    for (let i = b.indexOf(0xff, from); i >= 0 && i + HEADER_LENGTH <= b.length; i = b.indexOf(0xff, i + 1)) {
      if (!markerAt(b, i)) continue;
      const length = (b[i + 16]! << 8) | b[i + 17]!;
      const type = b[i + 18]!;
      if (length >= HEADER_LENGTH && type >= 1 && type <= 5) return i;
    }
    return -1;
  }
}
