// Capture frames -> NDJSON lines of contract 1 (`vroute decode`). Frames are dissected to
// TCP segments, reassembled per direction, cut into BGP messages and decoded. Each TCP
// connection's two OPENs are kept so that later messages of each direction decode with
// the negotiated context (4-octet AS: RFC 6793; ADD-PATH: RFC 7911; extended messages:
// RFC 8654); until both are seen, the RFC 4271 defaults apply.
//
// Output is bytes, not strings: each line goes straight into one large buffer (ndjson-out.ts).
// UPDATEs and KEEPALIVEs take the one-pass writer (update-ndjson.ts); everything it declines,
// and the other message types, go through decodeMessage (wire view) + messageToJson, which
// define the output.
import { BgpError } from '../errors';
import { decodeMessage, messageToJson } from '../message';
import { codecContextFor } from '../negotiate';
import type { OpenMessage } from '../open';
import { DEFAULT_CONTEXT, HEADER_LENGTH, MessageType, type CodecContext } from '../types';
import { BgpStreamSplitter } from './bgp-stream';
import { dissect } from './dissect';
import type { SkipReason } from './ipv4';
import type { CapturedPacket } from './packet';
import { TcpReassembler, type Direction } from './tcp-reassembly';
import { NdjsonOut, type ChunkSink } from './ndjson-out';
import { UPDATE_EXPANSION, writeUpdateLine } from './update-ndjson';

export interface DecodeCounters {
  packets: number;
  messages: number;
  /** Error lines printed (malformed messages, bad headers, gaps). */
  errors: number;
  gaps: number;
  skipped: Record<SkipReason, number>;
}

export interface DecoderOptions {
  /** Out-of-order bytes held per direction before a gap is given up (default 4 MiB). */
  readonly maxHeldBytes?: number;
}

class DirectionDecoder {
  open: OpenMessage | undefined;
  ctx: CodecContext | undefined; // cached once both OPENs are known
  readonly splitter: BgpStreamSplitter;
  readonly reverseKey: string;
  /** `{"src":"..","dst":"..",`: the start of every line of this direction. */
  readonly head: Uint8Array;
  constructor(
    readonly dir: Direction,
    owner: CaptureDecoder,
  ) {
    this.reverseKey = `${dir.dst}>${dir.src}`;
    this.head = Buffer.from(`{"src":${JSON.stringify(dir.src)},"dst":${JSON.stringify(dir.dst)},`, 'utf8');
    this.splitter = new BgpStreamSplitter({
      frame: (f) => owner.onFrame(this, f),
      badHeader: (h, why) => owner.errorLine(this.dir, `${why}; the rest of this direction is skipped`, h),
    });
  }
}

const KEEPALIVE_LINE = Buffer.from('"type":"KEEPALIVE","length":19}\n', 'latin1');
const WIRE_VIEW = { wireView: true } as const;

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function errorText(e: unknown): string {
  if (e instanceof BgpError) return e.message;
  // A codec bug must not end the decode: report it on the message's line like any error.
  return `internal decoder error: ${e instanceof Error ? e.message : String(e)}`;
}

export class CaptureDecoder {
  readonly counters: DecodeCounters = {
    packets: 0,
    messages: 0,
    errors: 0,
    gaps: 0,
    skipped: { 'link-type': 0, 'not-ip': 0, malformed: 0, fragment: 0, 'not-tcp': 0 },
  };
  private readonly dirs = new Map<string, DirectionDecoder>();
  private readonly tcp: TcpReassembler;

  private readonly out: NdjsonOut;
  private readonly lineMode: ((line: string) => void) | undefined;

  /**
   * `emit`: a function gets each line as a string without its newline (tests, small
   * captures); an object's `chunk` gets the NDJSON bytes in large chunks (newlines included),
   * after finish() or flush() at the latest.
   */
  constructor(emit: ((line: string) => void) | { readonly chunk: ChunkSink }, opts: DecoderOptions = {}) {
    if (typeof emit === 'function') {
      this.lineMode = emit;
      this.out = new NdjsonOut(() => undefined, 1 << 16);
    } else {
      this.lineMode = undefined;
      this.out = new NdjsonOut(emit.chunk);
    }
    this.tcp = new TcpReassembler(
      {
        onData: (dir, bytes) => this.decoderFor(dir).splitter.push(bytes),
        onGap: (dir, missing) => {
          this.counters.gaps++;
          const d = this.decoderFor(dir);
          if (d.splitter.dead) return;
          d.splitter.gap();
          this.errorLine(
            dir,
            `TCP gap: ${missing} octets missing from the capture; resynchronising on the next marker`,
            new Uint8Array(0),
          );
        },
        onRestart: (dir) => this.restart(dir),
      },
      { maxHeldBytes: opts.maxHeldBytes },
    );
  }

  packet(p: CapturedPacket): void {
    this.counters.packets++;
    const seg = dissect(p.linkType, p.data);
    if (typeof seg === 'string') {
      this.counters.skipped[seg]++;
      return;
    }
    this.tcp.segment(seg);
  }

  /** End of capture: held out-of-order data is decoded past its gaps; output is flushed. */
  finish(): void {
    this.tcp.finish();
    this.flush();
  }

  /** Hands buffered output to the chunk sink (chunk mode; lines go out at once otherwise). */
  flush(): void {
    this.out.flush();
  }

  /** A line is complete in the buffer: in line mode, hand it on as a string. */
  private lineDone(): void {
    if (this.lineMode === undefined) return;
    const text = this.out.takeText();
    this.lineMode(text.slice(0, -1)); // without the newline
  }

  private decoderFor(dir: Direction): DirectionDecoder {
    let d = this.dirs.get(dir.key);
    if (!d) {
      d = new DirectionDecoder(dir, this);
      // Without its SYN, the first captured byte may be inside a message.
      if (!this.tcp.sawSyn(dir.key)) d.splitter.huntFirst();
      this.dirs.set(dir.key, d);
    }
    return d;
  }

  private restart(dir: Direction): void {
    const d = this.decoderFor(dir);
    d.splitter.reset();
    d.open = undefined;
    d.ctx = undefined;
    const rev = this.dirs.get(d.reverseKey);
    if (rev) rev.ctx = undefined;
  }

  /** The context for messages sent in direction `d` (sender = d's source). */
  private contextFor(d: DirectionDecoder): CodecContext {
    if (d.ctx) return d.ctx;
    const rev = this.dirs.get(d.reverseKey);
    if (!d.open || !rev?.open) return DEFAULT_CONTEXT;
    try {
      d.ctx = codecContextFor(d.open, rev.open);
    } catch {
      d.ctx = DEFAULT_CONTEXT;
    }
    return d.ctx;
  }

  /** @internal called by the splitter of `d` for each whole message. */
  onFrame(d: DirectionDecoder, frame: Uint8Array): void {
    const type = frame[18];
    const out = this.out;
    if (type === MessageType.Update) {
      out.reserve(d.head.length + frame.length * UPDATE_EXPANSION + 256);
      if (writeUpdateLine(out, d.head, frame, this.contextFor(d))) {
        this.counters.messages++;
        this.lineDone();
        return;
      }
    } else if (type === MessageType.Keepalive && frame.length === HEADER_LENGTH) {
      out.reserve(d.head.length + KEEPALIVE_LINE.length);
      out.bytes(d.head);
      out.bytes(KEEPALIVE_LINE);
      this.counters.messages++;
      this.lineDone();
      return;
    }
    const isOpen = type === MessageType.Open;
    // An OPEN is kept for the connection's lifetime: copy it off the capture buffer.
    const bytes = isOpen ? frame.slice() : frame;
    let json: Record<string, unknown>;
    try {
      const msg = decodeMessage(bytes, this.contextFor(d), WIRE_VIEW);
      json = messageToJson(msg);
      if (msg.type === MessageType.Open) {
        d.open = msg as OpenMessage;
        d.ctx = undefined;
        const rev = this.dirs.get(d.reverseKey);
        if (rev) rev.ctx = undefined;
      }
    } catch (e) {
      this.errorLine(d.dir, errorText(e), frame);
      return;
    }
    this.counters.messages++;
    this.line(JSON.stringify({ src: d.dir.src, dst: d.dir.dst, ...json }));
  }

  /** @internal one `{"src","dst","error","hex"}` line (contract 1). */
  errorLine(dir: Direction, error: string, bytes: Uint8Array): void {
    this.counters.errors++;
    this.line(JSON.stringify({ src: dir.src, dst: dir.dst, error, hex: hex(bytes) }));
  }

  private line(text: string): void {
    this.out.reserve(text.length * 3 + 1);
    this.out.text(text);
    this.out.byte(0x0a);
    this.lineDone();
  }
}
