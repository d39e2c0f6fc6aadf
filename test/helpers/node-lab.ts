// A lab for `vroute node` tests: namespaces on one segment (netns.ts), one temp embedded
// datastore file every process shares, an IPv4 pool with one /26 block per node, the agents as
// child processes, and ways to read what matters: each kernel's routes of protocol 200, pings
// between workload addresses, and `ip monitor route` to catch any delete while something
// changes (a route that stays right must never be deleted, contract 6).
//
//   const nl = await openNodeLab(3, 'mesh', ['n1', 'n2', 'n3']);
//   try { nl.startNode(0); ... } finally { await nl.close(); }
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createLab, waitFor, type Host, type Lab, type Netns } from './netns';
import { spawnNode, spawnReflector, type ReflectorProcess } from './vroute';
import { allocate, EmbeddedDatastore, putResource } from '../../src/datastore';

export interface NodeLab {
  readonly dir: string;
  /** `embedded:FILE`, for `--datastore`. */
  readonly ds: string;
  readonly store: EmbeddedDatastore;
  readonly hosts: readonly Host[];
  /** Node names, one per host that runs an agent (hosts beyond them are free for reflectors). */
  readonly names: readonly string[];
  /** The workload address of node i: the first address of its own block, on its `lo`. */
  readonly workloads: readonly string[];
  /** Every agent and reflector started through this lab (stopped by close()). */
  readonly procs: ReflectorProcess[];
  /** `vroute node` for node i (kernel FIB, API on the namespace's 127.0.0.1:8179) plus `extra` flags. */
  startNode(i: number, extra?: readonly string[]): ReflectorProcess;
  /** `vroute reflector` on host i, AS 64512, RR for 192.0.2.0/24, registered in the datastore. */
  startReflector(i: number, name: string): ReflectorProcess;
  /** The block of node i (10.233.0.0/26, 10.233.0.64/26, ...). */
  blockOf(i: number): string;
  /** `ip -4 route show proto 200` of host i, one normalised line each (with its `nhid N`), sorted. */
  table(i: number): string[];
  /** Node i's kernel routes to every other node's block, each via that node's address. */
  hasOthers(i: number): boolean;
  ping(from: number, to: number): boolean;
  /** The tails of every process's log, for failure messages. */
  logs(): string;
  close(): Promise<void>;
}

export async function openNodeLab(count: number, tag: string, names: readonly string[]): Promise<NodeLab> {
  const dir = mkdtempSync(path.join(tmpdir(), `vr-${tag}-`));
  const file = path.join(dir, 'datastore.json');
  const store = new EmbeddedDatastore({ path: file });
  let lab: Lab | undefined;
  const procs: ReflectorProcess[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(procs.map((p) => p.stop()));
    lab?.cleanup();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    lab = createLab(count, tag);
    const hosts = lab.hosts;
    await putResource(store, {
      apiVersion: 'vroute/v1',
      kind: 'IPPool',
      metadata: { name: 'p' },
      spec: { cidr: '10.233.0.0/16', blockSize: 26, disabled: false },
    });
    const workloads: string[] = [];
    for (const [i, n] of names.entries()) {
      const [w] = await allocate(store, { node: n });
      workloads.push(w!);
      hosts[i]!.ns.exec('ip', ['addr', 'add', `${w}/32`, 'dev', 'lo']);
    }
    const blockOf = (i: number): string => `10.233.0.${i * 64}/26`;
    const table = (i: number): string[] =>
      hosts[i]!.ns.exec('ip', ['-4', 'route', 'show', 'proto', '200'])
        .split('\n')
        .map((l) => l.trim().replace(/\s+/g, ' '))
        .filter((l) => l !== '')
        .sort();
    const ds = `embedded:${file}`;
    return {
      dir,
      ds,
      store,
      hosts,
      names,
      workloads,
      procs,
      blockOf,
      table,
      close,
      startNode(i, extra = []) {
        const p = spawnNode(hosts[i]!.ns, [
          '--name',
          names[i]!,
          '--ip',
          hosts[i]!.ipv4,
          '--datastore',
          ds,
          '--api',
          '127.0.0.1:8179',
          ...extra,
        ]);
        procs.push(p);
        return p;
      },
      startReflector(i, name) {
        const h = hosts[i]!;
        const p = spawnReflector(
          h.ns,
          dir,
          {
            name,
            routerId: h.ipv4,
            asn: 64512,
            listen: { address: h.ipv4, port: 179 },
            reflector: { clusterId: '192.0.2.254' },
            datastore: ds,
            api: '127.0.0.1:8179',
            log: 'warn',
            dynamicNeighbors: [{ prefix: '192.0.2.0/24', asn: 64512, routeReflectorClient: true }],
          },
          `${name}.json`,
        );
        procs.push(p);
        return p;
      },
      hasOthers(i) {
        const t = table(i);
        // `nhid N` before `via`: the route goes through a nexthop object (src/node/fib/nexthop-objects.ts).
        const via = (j: number) => `${blockOf(j)} via ${hosts[j]!.ipv4} `;
        return names.every((_, j) => j === i || t.some((l) => l.replace(/ nhid \d+/, '').startsWith(via(j))));
      },
      ping(from, to) {
        try {
          hosts[from]!.ns.exec('ping', ['-c', '1', '-W', '2', '-I', workloads[from]!, workloads[to]!]);
          return true;
        } catch {
          return false;
        }
      },
      logs: () => procs.map((p) => p.log().split('\n').slice(-15).join('\n')).join('\n----\n'),
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** `ip monitor route` in a namespace, running until stop(): what the kernel reported. */
/**
 * Two IPAM pools, 10.233.0.0/16 in /26 blocks and 2001:db8:100::/48 in /122 blocks, and one
 * block of each affine to every node named (the dual-stack tests' address plan).
 */
export async function dualStackBlocks(store: EmbeddedDatastore, nodes: readonly string[]): Promise<void> {
  await putResource(store, {
    apiVersion: 'vroute/v1',
    kind: 'IPPool',
    metadata: { name: 'v4' },
    spec: { cidr: '10.233.0.0/16', blockSize: 26, disabled: false },
  });
  await putResource(store, {
    apiVersion: 'vroute/v1',
    kind: 'IPPool',
    metadata: { name: 'v6' },
    spec: { cidr: '2001:db8:100::/48', blockSize: 122, disabled: false },
  });
  for (const n of nodes) {
    await allocate(store, { node: n });
    await allocate(store, { node: n, family: 6 });
  }
}

export interface RouteMonitor {
  /** The `Deleted ...` lines so far that mention `filter`. */
  deleted(filter: string): string[];
  stop(): Promise<string>;
}

/**
 * Starts `ip monitor route` in `ns` and resolves once it is surely listening (a probe route
 * added and deleted in the namespace has shown up), so no later change is missed.
 */
export async function monitorRoutes(ns: Netns): Promise<RouteMonitor> {
  const child = ns.spawn('ip', ['monitor', 'route'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<string> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await gone;
    return out;
  };
  try {
    // A probe from TEST-NET-3 (RFC 5737) with the static protocol: never ours, never a workload's.
    await waitFor(
      `ip monitor in ${ns.name}`,
      () => {
        // Added afresh each time (a replace by the same route may not be reported).
        try {
          ns.exec('ip', ['route', 'del', 'blackhole', '203.0.113.99/32', 'proto', 'static']);
        } catch {
          /* not there */
        }
        ns.exec('ip', ['route', 'add', 'blackhole', '203.0.113.99/32', 'proto', 'static']);
        return out.includes('203.0.113.99') ? true : undefined;
      },
      10_000,
      200,
    );
    ns.exec('ip', ['route', 'del', 'blackhole', '203.0.113.99/32', 'proto', 'static']);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    deleted: (filter) => out.split('\n').filter((l) => l.startsWith('Deleted') && l.includes(filter)),
    stop,
  };
}
