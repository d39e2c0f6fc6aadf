// Entry point of `vroute-cni` (bin/vroute-cni): a container runtime execs it with CNI_*
// variables and the network configuration on stdin (contract 8). Whatever happens, stdout
// carries the result or the spec's error object, never a stack trace.
import { runCni } from './cni-plugin';

function readStdin(): Promise<string> {
  return new Promise((resolve) => {
    if (process.stdin.isTTY) {
      resolve('');
      return;
    }
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

export async function main(): Promise<void> {
  const input = await readStdin();
  const out = await runCni(process.env, input);
  process.stdout.write(out.stdout, () => process.exit(out.exitCode));
}
