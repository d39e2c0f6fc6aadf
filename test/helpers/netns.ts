// Network namespaces for interop tests and fixture recording: a few namespaces joined by
// veth pairs (two hosts) or by a bridge (three or more), with documentation addresses
// (RFC 5737 192.0.2.0/24, RFC 3849 2001:db8::/32) that exist only inside the namespaces.
// Nothing here touches the root namespace's addresses or routes, so a test can only ever
// send traffic to loopback or to its own namespaces.
//
// Usage:
//   const lab = createLab(2, 'fsm');          // needs root: skipReason('netns')
//   try { lab.hosts[0].ns.exec('ip', ['addr']); } finally { lab.cleanup(); }
//
// Host i (0-based) is 192.0.2.(i+1)/24 and 2001:db8::(i+1)/64 on interface `vr0` in its
// own namespace. IPv6 duplicate address detection is off, so addresses work at once.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** The interface name every host uses inside its own namespace. */
export const HOST_IF = 'vr0';

/** One network namespace, created by this process and deleted by `delete()`. */
export class Netns {
  private deleted = false;

  private constructor(readonly name: string) {}

  /** Creates the namespace, brings `lo` up and turns IPv6 DAD off for later interfaces. */
  static create(name: string): Netns {
    // `ip netns` names are files under /run/netns; keep them short and unique per process.
    if (!/^[A-Za-z0-9_.-]{1,40}$/.test(name)) throw new RangeError(`bad namespace name ${name}`);
    execFileSync('ip', ['netns', 'add', name], { stdio: ['ignore', 'ignore', 'pipe'] });
    const ns = new Netns(name);
    try {
      ns.exec('ip', ['link', 'set', 'lo', 'up']);
      // DAD would keep new IPv6 addresses "tentative" (unusable) for a second or more.
      ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    } catch (e) {
      ns.delete();
      throw e;
    }
    return ns;
  }

  /** Runs a command inside the namespace and returns its stdout; throws on non-zero exit. */
  exec(cmd: string, args: readonly string[], timeoutMs = 10_000): string {
    return execFileSync('ip', ['netns', 'exec', this.name, cmd, ...args], {
      encoding: 'utf8',
      timeout: timeoutMs,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /**
   * Starts a long-running command inside the namespace. `ip netns exec` execs the command
   * in place, so the child's PID is the command's own PID (signals reach it directly).
   */
  spawn(cmd: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.name, cmd, ...args], { stdio: 'ignore', ...opts });
  }

  /** Deletes the namespace (its interfaces go with it). Safe to call twice. */
  delete(): void {
    if (this.deleted) return;
    this.deleted = true;
    try {
      execFileSync('ip', ['netns', 'del', this.name], { stdio: 'ignore' });
    } catch {
      // Already gone: nothing to clean.
    }
  }
}

/** A host of a lab: its namespace, interface and addresses. */
export interface Host {
  readonly ns: Netns;
  /** Interface name inside `ns` (always HOST_IF). */
  readonly ifname: string;
  /** IPv4 address without prefix length, e.g. "192.0.2.1". */
  readonly ipv4: string;
  /** IPv6 global address without prefix length, e.g. "2001:db8::1". */
  readonly ipv6: string;
  /** The interface's IPv6 link-local address (fe80::...), read from the kernel. */
  linkLocal(): string;
}

/** Namespaces joined on one segment; `cleanup()` deletes all of them. */
export interface Lab {
  readonly hosts: readonly Host[];
  /** The extra namespace holding the bridge (three or more hosts), else undefined. */
  readonly hub?: Netns;
  /** Deletes every namespace of the lab. Idempotent; also runs at process exit. */
  cleanup(): void;
}

let setCounter = 0;

/** Namespaces made under one name (`vr-<tag>-<pid>-<n>-<suffix>`), deleted together. */
export interface NamespaceSet {
  /** Creates the namespace `<base>-<suffix>` as part of the set. */
  create(suffix: string): Netns;
  /** Deletes every namespace of the set, newest first. Idempotent; also runs at process exit. */
  cleanup(): void;
}

/**
 * A set of namespaces named after `tag` and this process (parallel tests and other processes
 * never collide) that `build` fills; when `build` throws, what it made is deleted and the
 * error goes on. `who` names the caller in the error for a bad tag.
 */
export function withNamespaceSet<T>(tag: string, who: string, build: (set: NamespaceSet) => T): T {
  if (!/^[a-z0-9]{1,8}$/.test(tag)) throw new RangeError(`${who}: tag must be 1..8 of [a-z0-9]`);
  const base = `vr-${tag}-${process.pid}-${setCounter++}`;
  const made: Netns[] = [];
  const cleanup = (): void => {
    for (const ns of made.reverse()) ns.delete();
    made.length = 0;
    process.removeListener('exit', cleanup);
  };
  process.on('exit', cleanup);
  const set: NamespaceSet = {
    create(suffix) {
      const ns = Netns.create(`${base}-${suffix}`);
      made.push(ns);
      return ns;
    },
    cleanup,
  };
  try {
    return build(set);
  } catch (e) {
    cleanup();
    throw e;
  }
}

/**
 * Creates `count` (2..9) hosts on one Ethernet segment: a direct veth pair for two, a bridge
 * in a hub namespace for more. Namespace names are `vr-<tag>-<pid>-<n>-<host>`, so parallel
 * tests and other processes never collide. Throws (after deleting what it made) on failure.
 */
export function createLab(count: number, tag: string): Lab {
  if (!Number.isInteger(count) || count < 2 || count > 9) throw new RangeError('createLab: count must be 2..9');
  return withNamespaceSet(tag, 'createLab', (set) => {
    const hosts: Host[] = [];
    for (let i = 0; i < count; i++) hosts.push(makeHost(set.create(String.fromCharCode(97 + i)), i));
    let hub: Netns | undefined;
    if (count === 2) {
      vethPair(hosts[0].ns, HOST_IF, hosts[1].ns, HOST_IF);
    } else {
      hub = set.create('hub');
      hub.exec('ip', ['link', 'add', 'br0', 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0']);
      hub.exec('ip', ['link', 'set', 'br0', 'up']);
      hosts.forEach((h, i) => {
        vethPair(h.ns, HOST_IF, hub!, `p${i}`);
        hub!.exec('ip', ['link', 'set', `p${i}`, 'master', 'br0']);
      });
    }
    for (const h of hosts) configure(h);
    return { hosts, hub, cleanup: set.cleanup };
  });
}

function makeHost(ns: Netns, i: number): Host {
  return {
    ns,
    ifname: HOST_IF,
    ipv4: `192.0.2.${i + 1}`,
    ipv6: `2001:db8::${i + 1}`,
    linkLocal(): string {
      const out = ns.exec('ip', ['-6', '-o', 'addr', 'show', 'dev', HOST_IF, 'scope', 'link']);
      const m = /inet6 (fe80::[0-9a-f:]+)\//.exec(out);
      if (!m) throw new Error(`no link-local address on ${HOST_IF} in ${ns.name}`);
      return m[1];
    },
  };
}

/** A veth pair whose ends are created directly inside the two namespaces (b's end is set up). */
export function vethPair(a: Netns, aIf: string, b: Netns, bIf: string): void {
  execFileSync('ip', ['link', 'add', aIf, 'netns', a.name, 'type', 'veth', 'peer', 'name', bIf, 'netns', b.name], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  b.exec('ip', ['link', 'set', bIf, 'up']);
}

function configure(h: Host): void {
  h.ns.exec('ip', ['addr', 'add', `${h.ipv4}/24`, 'dev', h.ifname]);
  h.ns.exec('ip', ['addr', 'add', `${h.ipv6}/64`, 'dev', h.ifname, 'nodad']);
  h.ns.exec('ip', ['link', 'set', h.ifname, 'up']);
}

/** A running tcpdump (see startCapture). */
export interface Capture {
  readonly file: string;
  /** SIGINT (tcpdump flushes and closes the file), SIGKILL after 3 s; resolves when gone. */
  stop(): Promise<void>;
}

/**
 * Starts tcpdump on `ifname` inside `ns`, writing `filter` matches to `file` (pcap); resolves
 * once tcpdump says it is listening, so nothing sent afterwards is missed. -U writes each
 * packet at once; -Z root keeps write access where Debian's tcpdump would drop to its user.
 */
export async function startCapture(ns: Netns, ifname: string, file: string, filter = 'tcp port 179'): Promise<Capture> {
  const child = ns.spawn('tcpdump', ['-i', ifname, '-U', '-Z', 'root', '-s', '0', '-w', file, filter], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  let exited = false;
  const gone = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      r();
    }),
  );
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const killAtExit = (): void => {
    if (!exited) child.kill('SIGKILL');
  };
  process.on('exit', killAtExit);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killAtExit);
    if (exited) return;
    child.kill('SIGINT');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 3000).unref())]);
    if (!exited) {
      child.kill('SIGKILL');
      await gone;
    }
  };
  try {
    await waitFor(
      `tcpdump listening in ${ns.name}`,
      () => {
        if (exited) throw new Error(`tcpdump exited: ${err.trim()}`);
        return err.includes('listening on') ? true : undefined;
      },
      5000,
      50,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { file, stop };
}

/** Polls `probe` every `everyMs` until it returns a value other than undefined, or times out. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message.split('\n')[0]}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
