// A FIFO of (prefix id, path id) pairs in a typed array, holding a prefix reference per
// queued pair so ids stay valid while queued. Used by update-group members catching up: a
// full-table join queues 8 bytes per path, not JS objects. `dedupe` pushes skip pairs still
// queued from an earlier dedupe push (changes that repeat while a member catches up).
import { ensureLength, IntTable } from '../rib';
import type { PrefixIndex } from '../rib';

export class PairQueue {
  private buf = new Int32Array(64);
  private len = 0;
  private at = 0;
  private seen: IntTable | undefined;

  constructor(private readonly ix: PrefixIndex) {}

  /** Pairs still queued. */
  get size(): number {
    return (this.len - this.at) >> 1;
  }

  push(prefix: number, tx: number, dedupe = false): void {
    if (dedupe) {
      const s = (this.seen ??= new IntTable(2, 64));
      s.key[0] = prefix;
      s.key[1] = tx;
      if (s.set(1) >= 0) return;
    }
    if (this.len + 2 > this.buf.length) {
      if (this.at * 2 >= this.len) {
        // Most of the array was consumed: slide the rest down instead of growing.
        this.buf.copyWithin(0, this.at, this.len);
        this.len -= this.at;
        this.at = 0;
      } else {
        this.buf = ensureLength(this.buf, this.len + 2, 64);
      }
    }
    this.ix.ref(prefix);
    this.buf[this.len++] = prefix;
    this.buf[this.len++] = tx >>> 0;
  }

  /**
   * Moves up to n pairs into `out`; their prefix references pass to the caller, who drops
   * them with release() once done.
   */
  take(n: number, out: number[]): void {
    const end = Math.min(this.len, this.at + n * 2);
    const s = this.seen;
    for (let i = this.at; i < end; i += 2) {
      out.push(this.buf[i], this.buf[i + 1] >>> 0);
      if (s) {
        s.key[0] = this.buf[i];
        s.key[1] = this.buf[i + 1];
        s.delete();
      }
    }
    this.at = end;
    if (this.at === this.len) {
      this.at = 0;
      this.len = 0;
    }
  }

  release(pairs: readonly number[]): void {
    for (let i = 0; i < pairs.length; i += 2) this.ix.unref(pairs[i]);
  }

  /** Empties the queue, dropping its references. */
  clear(): void {
    for (let i = this.at; i < this.len; i += 2) this.ix.unref(this.buf[i]);
    this.at = 0;
    this.len = 0;
    this.seen = undefined;
  }
}
