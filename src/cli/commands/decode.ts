// `vroute decode FILE|-`: a pcap/pcapng capture's BGP messages as NDJSON (contract 1).
// Printing only: the work is in src/bgp/messages/pcap. The decoder hands over its output in
// large chunks and the reader waits for stdout, so memory stays bounded on huge captures.
import type { Command } from 'commander';
import { createReadStream } from 'node:fs';
import { decodeCapture, type ChunkWriter } from '../../bgp/messages/pcap';

const READ_CHUNK = 1024 * 1024;

/** Raised by the writer when the reader of stdout went away (e.g. `| head`). */
class OutputClosed extends Error {}

/** NDJSON chunks from the decoder (about 1 MiB each) to the stream, with back-pressure. */
class StreamChunks implements ChunkWriter {
  private blocked = false;
  private closed = false;

  constructor(private readonly out: NodeJS.WritableStream) {
    out.on('error', () => {
      this.closed = true; // EPIPE and friends: stop quietly
    });
  }

  chunk(bytes: Uint8Array): void {
    if (this.closed) return;
    if (!this.out.write(bytes)) this.blocked = true;
  }

  async drain(): Promise<void> {
    if (this.blocked && !this.closed) {
      await new Promise<void>((resolve) => {
        // Listeners removed on the first event, so thousands of waits leave none behind.
        const done = (): void => {
          this.out.off('drain', done);
          this.out.off('error', done);
          this.out.off('close', done);
          resolve();
        };
        this.out.on('drain', done);
        this.out.on('error', done);
        this.out.on('close', done);
      });
      this.blocked = false;
    }
    if (this.closed) throw new OutputClosed();
  }
}

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, not a capture';
  if (code === 'EACCES') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}

/** Runs the decode; returns the exit code. Never throws. */
export async function runDecode(file: string, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const name = file === '-' ? 'stdin' : file;
  const input = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: READ_CHUNK });
  const writer = new StreamChunks(out);
  try {
    const result = await decodeCapture(input, writer);
    if (result.error) {
      err.write(`vroute decode: ${name}: ${result.error.message}\n`);
      return 1;
    }
    const frags = result.counters.skipped.fragment;
    if (frags > 0) err.write(`vroute decode: note: ${frags} IP fragments skipped (not reassembled)\n`);
    return 0;
  } catch (e) {
    if (e instanceof OutputClosed) return 0;
    err.write(`vroute decode: ${name}: ${reason(e)}\n`);
    return 1;
  } finally {
    if (input !== process.stdin) (input as { destroy?: () => void }).destroy?.();
  }
}

export function register(program: Command): void {
  program
    .command('decode')
    .description('print the BGP messages of a pcap or pcapng capture as NDJSON (one object per message)')
    .argument('<file>', 'capture file, or - for stdin')
    .action(async (file: string) => {
      process.exitCode = await runDecode(file, process.stdout, process.stderr);
    });
}
