// IP forwarding in the node's network namespace: a node routes for its workloads, so the
// kernel must forward (net.ipv4.ip_forward, net.ipv6.conf.all.forwarding). Written straight
// to /proc/sys, as sysctl(8) would, without a process; /proc/sys is per network namespace.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export const FORWARDING_KEYS = {
  4: 'net/ipv4/ip_forward',
  6: 'net/ipv6/conf/all/forwarding',
} as const;

/**
 * Turns forwarding on for the families given; returns the files changed (already on: not
 * written). Throws an Error with a one-line message naming the file when it cannot.
 */
export function enableForwarding(families: ReadonlyArray<4 | 6>, procSys = '/proc/sys'): string[] {
  const changed: string[] = [];
  for (const f of families) {
    const file = path.join(procSys, FORWARDING_KEYS[f]);
    try {
      if (readFileSync(file, 'utf8').trim() === '1') continue;
      writeFileSync(file, '1\n');
      changed.push(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? String(e);
      throw Object.assign(
        new Error(
          `cannot enable IPv${f} forwarding (${file}: ${code}); run as root in the node's namespace, or set fib: false`,
        ),
        { expose: true },
      );
    }
  }
  return changed;
}
