// Test environment probes. Tests that need root, network namespaces, BIRD, FRR, etcd,
// openssl or tshark call `requires(...)`: where a tool is missing they skip with a clear message,
// except under CI=true, where a missing one is a failure (never a silent skip).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const IN_CI = process.env.CI === 'true';

/** The repository root (the folder holding package.json), from source or from dist/. */
export const REPO_ROOT: string = (() => {
  let dir = __dirname;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'src'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root');
    dir = up;
  }
})();

export type Need = 'root' | 'netns' | 'bird' | 'frr' | 'etcd' | 'tshark' | 'iptables' | 'nft' | 'openssl';

const TOOL_PATHS: Record<string, string[]> = {
  bird: ['/usr/sbin/bird', '/usr/bin/bird'],
  frr: ['/usr/lib/frr/bgpd'],
  etcd: ['/usr/bin/etcd', '/usr/local/bin/etcd'],
  tshark: ['/usr/bin/tshark'],
  iptables: ['/usr/sbin/iptables', '/sbin/iptables'],
  nft: ['/usr/sbin/nft'],
  openssl: ['/usr/bin/openssl'],
};

function check(need: Need): string | undefined {
  if (need === 'root') {
    return process.getuid && process.getuid() === 0 ? undefined : 'needs root';
  }
  if (need === 'netns') {
    if (!(process.getuid && process.getuid() === 0)) return 'network namespaces need root';
    try {
      execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
      return undefined;
    } catch {
      return 'network namespaces unavailable (`ip netns` failed; install iproute2)';
    }
  }
  const paths = TOOL_PATHS[need] ?? [];
  return paths.some((p) => existsSync(p)) ? undefined : `${need} is not installed (looked in ${paths.join(', ')})`;
}

/**
 * Returns false (skip) or true (run). Use as:
 *   test('x', { skip: skipReason('bird', 'netns') }, async () => ...)
 * Under CI=true a missing need throws at load time, so the run fails loudly.
 */
export function skipReason(...needs: Need[]): string | false {
  const missing = needs.map(check).filter((m): m is string => m !== undefined);
  if (missing.length === 0) return false;
  const msg = `skipped: ${missing.join('; ')}`;
  if (IN_CI) throw new Error(`CI=true but a test prerequisite is missing: ${missing.join('; ')}`);
  return msg;
}
