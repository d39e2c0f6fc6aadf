// Entry point of `vroute-cni` (bin/vroute-cni): a container runtime execs it with CNI_*
// variables and the network configuration on stdin (contract 8). Whatever happens, stdout
// carries the result or the spec's error object, never a stack trace.
// Stdin and stdout go through plain fd reads and writes: process.stdin/stdout would build
// stream objects (and load their modules) for one small read and one small write.
import { readFileSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { runCni } from './cni-plugin';

function readStdin(): Promise<string> {
  if (isatty(0)) return Promise.resolve('');
  try {
    return Promise.resolve(readFileSync(0, 'utf8'));
  } catch (e) {
    // EAGAIN: a non-blocking stdin (someone else's fd flags); read it as a stream instead.
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return Promise.resolve('');
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function writeOut(text: string, exitCode: number): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(1, buf, off);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
      // A non-blocking stdout that is full: let the stream wait for room.
      process.stdout.write(buf.subarray(off), () => process.exit(exitCode));
      return;
    }
    // EPIPE or a closed stdout: nobody to tell; the exit code still says it.
  }
  process.exit(exitCode);
}

export async function main(): Promise<void> {
  const input = await readStdin();
  const out = await runCni(process.env, input);
  writeOut(out.stdout, out.exitCode);
}
