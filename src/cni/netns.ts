// Named network namespaces, as `ip netns add NAME` makes them: /run/netns/NAME, a bind mount
// of a namespace file, usable by `ip netns exec NAME` from any process (contract 7).
//
// The quirk: `ip netns exec X cmd` runs cmd in a new mount namespace whose mounts are slaves
// of the host's (iproute2's netns_switch: unshare(CLONE_NEWNS), then / made MS_SLAVE|MS_REC).
// A bind mount made there never propagates back: /run/netns/NAME would be a mount only in
// cmd's private view, gone (with the namespace, leaving an empty file) when cmd exits. So when
// our /run/netns is a slave mount, the mount is made in the nearest ancestor's mount namespace
// that is not (`nsenter --mount=/proc/PID/ns/mnt ip netns add NAME`); it then propagates down
// to us as to everyone else. Afterwards we check that we see a namespace file there.
import { existsSync, readFileSync, readlinkSync, statfsSync } from 'node:fs';
import { run } from './exec';

export const NETNS_DIR = '/run/netns';
/** statfs f_type of a namespace file (linux/magic.h NSFS_MAGIC). */
const NSFS_MAGIC = 0x6e736673;

export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${name}`;
}

/** True when `path` is a live namespace file in our mount namespace (not a stale empty file). */
export function isNamespaceFile(path: string): boolean {
  try {
    return statfsSync(path).type === NSFS_MAGIC;
  } catch {
    return false;
  }
}

/**
 * The optional fields (`shared:N`, `master:N`) of the mount that governs /run/netns in the
 * mount namespace of `pid`: the /run/netns mount itself, else the longest mount point above it.
 */
function netnsDirPropagation(pid: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
  } catch {
    return undefined;
  }
  let best: { point: string; tags: string[] } | undefined;
  for (const line of text.split('\n')) {
    // id parent major:minor root mount-point options [optional fields...] - fstype source super
    const f = line.split(' ');
    if (f.length < 7) continue;
    const point = f[4]!.replace(/\\040/g, ' ');
    const covers = point === NETNS_DIR || point === '/' || NETNS_DIR.startsWith(`${point}/`);
    if (!covers) continue;
    const dash = f.indexOf('-', 6);
    const tags = f.slice(6, dash < 0 ? undefined : dash);
    // Later lines are mounted on top of earlier ones at the same point: they win.
    if (!best || point.length >= best.point.length) best = { point, tags };
  }
  return best?.tags;
}

function isSlave(pid: string): boolean {
  return (netnsDirPropagation(pid) ?? []).some((t) => t.startsWith('master:'));
}

function parentOf(pid: string): string | undefined {
  try {
    const m = /^PPid:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m && m[1] !== '0' ? m[1] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The mount namespace a named network namespace must be mounted in so that it outlives this
 * process: undefined for our own (its /run/netns is not a slave), else /proc/PID/ns/mnt of the
 * nearest ancestor in a different mount namespace whose /run/netns is not a slave.
 */
export function hostMountNamespace(): string | undefined {
  if (!isSlave('self')) return undefined;
  let mine: string;
  try {
    mine = readlinkSync('/proc/self/ns/mnt');
  } catch {
    return undefined;
  }
  for (let pid = parentOf('self'); pid !== undefined; pid = parentOf(pid)) {
    let ns: string;
    try {
      ns = readlinkSync(`/proc/${pid}/ns/mnt`);
    } catch {
      return undefined;
    }
    if (ns !== mine && !isSlave(pid)) return `/proc/${pid}/ns/mnt`;
  }
  return undefined;
}

function inHostMounts(args: string[]): [string, string[]] {
  const mnt = hostMountNamespace();
  return mnt ? ['nsenter', [`--mount=${mnt}`, '--', ...args]] : [args[0]!, args.slice(1)];
}

/** Creates /run/netns/NAME (a new, empty network namespace); returns its path. */
export async function createNamedNetns(name: string): Promise<string> {
  const path = netnsPath(name);
  if (existsSync(path)) throw new NetnsError(`network namespace ${name} already exists (${path})`);
  const [cmd, args] = inHostMounts(['ip', 'netns', 'add', name]);
  await run(cmd, args);
  if (!isNamespaceFile(path)) {
    await deleteNamedNetns(name).catch(() => undefined);
    throw new NetnsError(
      `network namespace ${name}: ${path} was made but is not visible here as a namespace (mount propagation)`,
    );
  }
  return path;
}

/** Deletes /run/netns/NAME (its interfaces go with it); false when there was none. */
export async function deleteNamedNetns(name: string): Promise<boolean> {
  if (!existsSync(netnsPath(name))) return false;
  const [cmd, args] = inHostMounts(['ip', 'netns', 'del', name]);
  await run(cmd, args);
  return true;
}

export class NetnsError extends Error {
  readonly expose = true;
  constructor(message: string) {
    super(message);
    this.name = 'NetnsError';
  }
}
