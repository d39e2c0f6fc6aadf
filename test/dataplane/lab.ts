// A compute host and its workloads, made of network namespaces: the host namespace has a
// default route (through a veth uplink, as real hosts have one), IPv4/IPv6 forwarding on,
// and one veth pair per workload (host side `vrwN`, workload side `eth0`) with the workload's
// addresses and default routes set up the way contract 7 says (169.254.1.1 onlink; for IPv6
// fe80::1, which the host answers by proxy NDP). The dataplane under test runs as a child
// process inside the host namespace.
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { type Netns, vethPair, withNamespaceSet } from '../helpers/netns';

export interface Workload {
  readonly ns: Netns;
  readonly hostIf: string;
  readonly v4: string;
  readonly v6: string;
  readonly mac: string;
}

export interface HostLab {
  readonly host: Netns;
  readonly workloads: Workload[];
  cleanup(): void;
}

export function createHostLab(count: number, tag: string): HostLab {
  // Named `vr-TAG-PID-N-h` and `-wI`; what is made is deleted on failure and at process exit.
  return withNamespaceSet(tag, 'createHostLab', (set) => {
    const host = set.create('h');
    host.exec('sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    // The uplink: a veth pair with both ends in the host namespace (no dummy module needed).
    vethPair(host, 'uplink0p', host, 'uplink0');
    host.exec('ip', ['link', 'set', 'uplink0p', 'up']);
    host.exec('ip', ['addr', 'add', '10.255.0.1/24', 'dev', 'uplink0']);
    host.exec('ip', ['route', 'add', 'default', 'dev', 'uplink0']);
    host.exec('ip', ['-6', 'route', 'add', 'default', 'dev', 'uplink0']);
    const workloads: Workload[] = [];
    for (let i = 1; i <= count; i++) {
      const ns = set.create(`w${i}`);
      const hostIf = `vrw${i}`;
      vethPair(host, hostIf, ns, 'eth0'); // eth0 comes up; the host side is the dataplane's job
      const v4 = `192.168.1.${i}`,
        v6 = `2001:db8:1::${i}`;
      ns.exec('ip', ['addr', 'add', `${v4}/32`, 'dev', 'eth0']);
      ns.exec('ip', ['addr', 'add', `${v6}/128`, 'dev', 'eth0', 'nodad']);
      ns.exec('ip', ['route', 'add', '169.254.1.1', 'dev', 'eth0', 'scope', 'link']);
      ns.exec('ip', ['route', 'add', 'default', 'via', '169.254.1.1', 'dev', 'eth0']);
      ns.exec('ip', ['-6', 'route', 'add', 'default', 'via', 'fe80::1', 'dev', 'eth0']);
      const mac = /link\/ether ([0-9a-f:]{17})/.exec(ns.exec('ip', ['link', 'show', 'eth0']))![1]!;
      workloads.push({ ns, hostIf, v4, v6, mac });
    }
    return { host, workloads, cleanup: set.cleanup };
  });
}

/** Whether one ping from `w` to `addr` gets its answer within a second. */
export function pings(w: Workload, addr: string): boolean {
  try {
    w.ns.exec('ping', [addr.includes(':') ? '-6' : '-4', '-n', '-c1', '-W1', addr], 5000);
    return true;
  } catch {
    return false;
  }
}

export interface DataplaneChild {
  readonly proc: ChildProcess;
  stop(): Promise<void>;
}

/** Starts test/dataplane/dataplane-child in `ns`; resolves once its first apply is done. */
export async function startDataplaneChild(ns: Netns, args: Record<string, unknown>): Promise<DataplaneChild> {
  const compiled = __filename.endsWith('.js');
  const script = path.join(__dirname, compiled ? 'dataplane-child.js' : 'dataplane-child.ts');
  const proc = ns.spawn(process.execPath, [...(compiled ? [] : ['--import', 'tsx']), script, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let exited = false;
  const gone = new Promise<void>((r) =>
    proc.once('exit', () => {
      exited = true;
      r();
    }),
  );
  const kill = (): void => {
    if (!exited) proc.kill('SIGKILL');
  };
  process.on('exit', kill);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', kill);
    if (exited) return;
    proc.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000).unref())]);
    if (!exited) {
      proc.kill('SIGKILL');
      await gone;
    }
  };
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('dataplane child: no first apply within 20 s')), 20_000);
    readline.createInterface({ input: proc.stdout! }).on('line', (l) => {
      if (l.includes('"applied"')) {
        clearTimeout(t);
        resolve();
      }
    });
    void gone.then(() => {
      clearTimeout(t);
      reject(new Error('dataplane child exited'));
    });
  }).catch(async (e) => {
    await stop();
    throw e;
  });
  return { proc, stop };
}
