// TCP stream reassembly for captures, one byte stream per direction (src ip:port ->
// dst ip:port), ordered by sequence number (RFC 9293 3.4) rather than capture order:
// - a SYN fixes the initial sequence number; data starts at ISN+1 (RFC 9293 3.4.1);
//   a direction seen without its SYN starts at its first data segment;
// - a segment at the expected sequence number is delivered at once (no copy); data
//   already delivered (retransmissions, overlaps) is trimmed off, the first copy wins;
// - a segment beyond the expected number is copied and held until the gap fills. Held
//   bytes are bounded per direction: past the bound, or at the end of the capture, the
//   gap is declared lost (onGap) and delivery resumes at the first held segment;
// - a SYN with a new ISN on a known direction is a new connection on the same ports
//   (onRestart); a retransmitted SYN changes nothing.
import type { TcpSegment } from './dissect';
import { TCP_SYN } from './tcp';

export interface Direction {
  readonly src: string;
  readonly dst: string;
  /** "src>dst": unique per direction. */
  readonly key: string;
}

export interface ReassemblyEvents {
  /** In-order bytes of a direction; the view is valid only during the call. */
  onData(dir: Direction, bytes: Uint8Array): void;
  /** `missing` octets never appeared in the capture; the stream goes on after them. */
  onGap(dir: Direction, missing: number): void;
  /** A new SYN (new ISN) on this direction: a new connection reusing the ports. */
  onRestart(dir: Direction): void;
}

export interface ReassemblyOptions {
  /** Out-of-order bytes held per direction before a gap is given up (default 4 MiB). */
  readonly maxHeldBytes?: number;
}

interface Held {
  seq: number;
  data: Uint8Array;
}

class DirectionState {
  isn: number | undefined; // set by a SYN
  next: number | undefined; // next expected sequence number, once known
  held: Held[] = []; // sorted by offset from `next`
  heldBytes = 0;
  constructor(readonly dir: Direction) {}
}

/** Signed distance a - b in sequence space (RFC 9293 3.4: arithmetic modulo 2^32). */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export class TcpReassembler {
  private readonly dirs = new Map<string, DirectionState>();
  private readonly maxHeld: number;

  constructor(
    private readonly events: ReassemblyEvents,
    opts: ReassemblyOptions = {},
  ) {
    this.maxHeld = opts.maxHeldBytes ?? 4 * 1024 * 1024;
  }

  /** True when the direction's SYN was seen, so its data starts on a message boundary. */
  sawSyn(key: string): boolean {
    return this.dirs.get(key)?.isn !== undefined;
  }

  /** Number of directions seen. */
  get size(): number {
    return this.dirs.size;
  }

  segment(seg: TcpSegment): void {
    const key = `${seg.src}>${seg.dst}`;
    let st = this.dirs.get(key);
    if (!st) {
      st = new DirectionState({ src: seg.src, dst: seg.dst, key });
      this.dirs.set(key, st);
    }
    let seq = seg.seq;
    if (seg.flags & TCP_SYN) {
      const start = (seg.seq + 1) >>> 0; // the SYN occupies one sequence number (RFC 9293 3.4)
      if (st.next === undefined) {
        st.isn = seg.seq;
        st.next = start;
      } else if (st.isn === undefined && seqDiff(st.next, start) >= 0 && seqDiff(st.next, start) < 0x40000000) {
        st.isn = seg.seq; // a late copy of the SYN of a stream we joined at its data
      } else if (st.isn !== seg.seq) {
        // Same ports, new ISN: the old connection is over, a new one starts.
        st.held = [];
        st.heldBytes = 0;
        this.events.onRestart(st.dir);
        st.isn = seg.seq;
        st.next = start;
      } // else a retransmitted SYN: nothing new
      seq = start; // data on a SYN (TCP Fast Open) follows it
    }
    if (seg.payload.length === 0) return;
    if (st.next === undefined) st.next = seq; // joined mid-stream: start here
    const rel = seqDiff(seq, st.next);
    if (rel <= 0) {
      if (rel + seg.payload.length <= 0) return; // wholly a retransmission
      this.deliver(st, seg.payload.subarray(-rel));
      this.drain(st);
    } else {
      this.hold(st, seq, seg.payload);
      while (st.heldBytes > this.maxHeld) this.skipGap(st);
    }
  }

  /** End of capture: gaps that never filled are given up and held data is delivered. */
  finish(): void {
    for (const st of this.dirs.values()) {
      while (st.held.length > 0) this.skipGap(st);
    }
  }

  private deliver(st: DirectionState, bytes: Uint8Array): void {
    st.next = (st.next! + bytes.length) >>> 0;
    this.events.onData(st.dir, bytes);
  }

  /** Copies the segment (its view would pin a whole capture chunk) and files it in order. */
  private hold(st: DirectionState, seq: number, data: Uint8Array): void {
    const rel = seqDiff(seq, st.next!);
    let i = st.held.length;
    while (i > 0 && seqDiff(st.held[i - 1]!.seq, st.next!) > rel) i--;
    const prev = st.held[i - 1];
    if (prev && prev.seq === seq) {
      if (prev.data.length >= data.length) return; // a retransmission of held data
      st.heldBytes -= prev.data.length;
      prev.data = data.slice();
      st.heldBytes += data.length;
      return;
    }
    st.held.splice(i, 0, { seq, data: data.slice() });
    st.heldBytes += data.length;
  }

  /** Delivers held segments that have become contiguous. */
  private drain(st: DirectionState): void {
    let n = 0;
    while (n < st.held.length) {
      const h = st.held[n]!;
      const rel = seqDiff(h.seq, st.next!);
      if (rel > 0) break;
      n++;
      st.heldBytes -= h.data.length;
      if (rel + h.data.length > 0) this.deliver(st, h.data.subarray(-rel));
    }
    if (n > 0) st.held.splice(0, n);
  }

  /** Gives up the hole before the first held segment and resumes delivery there. */
  private skipGap(st: DirectionState): void {
    const first = st.held[0];
    if (!first) return;
    const missing = seqDiff(first.seq, st.next!);
    if (missing > 0) {
      this.events.onGap(st.dir, missing);
      st.next = first.seq;
    }
    this.drain(st);
  }
}
