// Cuts a TCP byte stream into whole BGP messages (RFC 4271 4.1: every message starts with a
// 19-octet header whose Length field covers the whole message). Zero-copy where it can be:
// a message that lies inside one chunk is handed out as a subarray view of that chunk;
// only a message that straddles chunk boundaries is copied into a buffer of its own.
import { checkHeaderLength } from './header';
import { BgpError } from './errors';
import { HEADER_LENGTH, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from './types';

export class MessageFramer {
  private chunks: Uint8Array[] = [];
  private head = 0; // index of the first unconsumed chunk
  private offset = 0; // read position inside chunks[head]
  private buffered = 0; // unconsumed octets across all chunks
  private readonly scratch = new Uint8Array(HEADER_LENGTH);
  private failed: BgpError | undefined;
  private maxLength: number;

  /** maxLength: 4096 until both sides advertise extended messages (RFC 8654 4). */
  constructor(maxLength: number = MAX_MESSAGE_LENGTH) {
    this.maxLength = MessageFramer.checkMax(maxLength);
  }

  private static checkMax(n: number): number {
    return Math.max(HEADER_LENGTH, Math.min(MAX_EXTENDED_MESSAGE_LENGTH, Math.floor(n)));
  }

  /** Raise to 65535 once RFC 8654 is negotiated; applies to messages not yet handed out. */
  setMaxLength(n: number): void {
    this.maxLength = MessageFramer.checkMax(n);
  }

  /** Octets received but not yet returned as messages. */
  get pending(): number {
    return this.buffered;
  }

  /** Adds received bytes. The framer keeps a reference: do not reuse the chunk's memory. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * The next whole message (header included), or undefined when more bytes are needed.
   * Throws the header's BgpError (RFC 4271 6.1); after that the stream is out of sync and
   * every later call throws the same error.
   */
  next(): Uint8Array | undefined {
    if (this.failed) throw this.failed;
    if (this.buffered < HEADER_LENGTH) return undefined;
    const first = this.chunks[this.head]!;
    let length: number;
    try {
      if (first.length - this.offset >= HEADER_LENGTH) {
        length = checkHeaderLength(first, this.offset, this.maxLength);
      } else {
        this.peek(this.scratch, HEADER_LENGTH);
        length = checkHeaderLength(this.scratch, 0, this.maxLength);
      }
    } catch (e) {
      if (e instanceof BgpError) this.failed = e;
      throw e;
    }
    if (this.buffered < length) return undefined;
    let msg: Uint8Array;
    if (first.length - this.offset >= length) {
      msg = first.subarray(this.offset, this.offset + length);
      this.offset += length;
    } else {
      msg = new Uint8Array(length);
      this.peek(msg, length);
      this.skip(length);
    }
    this.buffered -= length;
    if (this.head < this.chunks.length && this.offset === this.chunks[this.head]!.length) {
      this.head++;
      this.offset = 0;
    }
    this.compact();
    return msg;
  }

  /** Copies the first n buffered octets into dst without consuming them. */
  private peek(dst: Uint8Array, n: number): void {
    let copied = 0;
    let off = this.offset;
    for (let i = this.head; copied < n; i++) {
      const c = this.chunks[i]!;
      const take = Math.min(n - copied, c.length - off);
      dst.set(c.subarray(off, off + take), copied);
      copied += take;
      off = 0;
    }
  }

  /** Consumes n octets (n <= buffered), dropping chunks that are used up. */
  private skip(n: number): void {
    while (n > 0) {
      const c = this.chunks[this.head]!;
      const avail = c.length - this.offset;
      if (avail > n) {
        this.offset += n;
        return;
      }
      n -= avail;
      this.head++;
      this.offset = 0;
    }
  }

  /** Releases consumed chunk references so memory stays bounded by what is unread. */
  private compact(): void {
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
