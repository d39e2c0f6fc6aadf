// The streaming driver of `vroute decode`: pulls chunks from any byte source (file,
// stdin), pushes frames through the CaptureDecoder and lines to a writer, waiting for the
// writer between chunks so that memory stays bounded whatever the capture's size.
import { CaptureReader } from './capture';
import { CaptureDecoder, type DecodeCounters, type DecoderOptions } from './decode-stream';
import { CaptureError } from './packet';

export interface LineWriter {
  /** One NDJSON line, without its newline. */
  line(text: string): void;
  /** Resolves when the writer can take more (back-pressure). */
  drain(): Promise<void>;
}

/** The fast form: NDJSON bytes in large chunks, newlines included. */
export interface ChunkWriter {
  /** The chunk is the writer's to keep. */
  chunk(bytes: Uint8Array): void;
  /** Resolves when the writer can take more (back-pressure). */
  drain(): Promise<void>;
}

export interface DecodeResult {
  readonly counters: DecodeCounters;
  /** Set when the capture was not readable to its end; lines before it were written. */
  readonly error?: CaptureError;
}

export async function decodeCapture(
  input: AsyncIterable<Uint8Array>,
  out: LineWriter | ChunkWriter,
  opts: DecoderOptions = {},
): Promise<DecodeResult> {
  const reader = new CaptureReader();
  const decoder =
    'chunk' in out
      ? new CaptureDecoder({ chunk: (b) => out.chunk(b) }, opts)
      : new CaptureDecoder((l) => out.line(l), opts);
  let error: CaptureError | undefined;
  try {
    for await (const chunk of input) {
      reader.push(chunk);
      for (let p = reader.next(); p; p = reader.next()) decoder.packet(p);
      decoder.flush();
      await out.drain();
    }
    reader.end();
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    error = e;
  }
  // Whatever the end, every message reassembled so far is decoded (contract 1: a truncated
  // capture prints every message up to the cut).
  if (!error || error.kind !== 'not-a-capture') decoder.finish();
  await out.drain();
  return error ? { counters: decoder.counters, error } : { counters: decoder.counters };
}
