// `ip -force -batch -`: many iproute2 commands (link state, neighbour entries) in one process
// per apply, never one process per interface.
import { run } from './nft-driver';

/**
 * Runs lines through one `ip -force -batch -` and returns the failed ones by line number
 * (1-based) with the message ip printed for them.
 */
export async function ipBatch(ipPath: string, lines: string[]): Promise<Map<number, string>> {
  const errs = new Map<number, string>();
  if (lines.length === 0) return errs;
  const r = await run(ipPath, ['-force', '-batch', '-'], `${lines.join('\n')}\n`);
  // iproute2 reports each failed line as "Command failed -:N" after its error text.
  let pending: string[] = [];
  for (const l of r.stderr.split('\n')) {
    const m = /^Command failed -:(\d+)/.exec(l);
    if (m) {
      errs.set(Number(m[1]), pending.join(' ').trim() || 'failed');
      pending = [];
    } else if (l.trim()) pending.push(l.trim());
  }
  if (r.code !== 0 && errs.size === 0)
    for (let i = 1; i <= lines.length; i++) errs.set(i, r.stderr.trim() || `ip exited ${r.code}`);
  return errs;
}
