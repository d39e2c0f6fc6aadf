// The "Machine:" line every benchmark writes into bench/RESULTS.md: CPU model (lscpu's name
// where it has one), cores, memory, kernel, Node, the date, and the load average at the start
// (the machines are shared, so a result without its load cannot be judged).
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';

/** One line; `extra` (a tool's version, e.g. nft's) goes before the date. */
export function machineLine(extra?: string): string {
  let model = os.cpus()[0]?.model ?? 'unknown CPU';
  try {
    const m = /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }));
    if (m) model = m[1]!.trim();
  } catch {
    /* lscpu missing: the os module's name stands */
  }
  const load = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  return (
    `${os.cpus().length} vCPU ${model} (nproc ${os.availableParallelism()}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ` +
    `Linux ${os.release()}; Node ${process.version}; ${extra ? `${extra}; ` : ''}` +
    `${new Date().toISOString().replace('T', ' ').slice(0, 16)} UTC; load average at start ${load}`
  );
}
