// bench/fib end to end, the parts: a network namespace per trial, the two daemons under test
// (`vroute node` with its kernel FIB, BIRD 2 with bgp + kernel protocols) started inside it,
// the injector (bench/reflect) as their one BGP peer, and the kernel's own prefix count.
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { spawnLogged } from '../reflect/proc';

/** The daemon's address, where the injector connects; the injector's own. */
export const DAEMON_IP = '192.0.2.1';
export const INJECTOR_IP = '192.0.2.2';
/** The injector's next hop (198.51.100.1): on a network of the namespace, so directly usable. */
const NEXT_HOP_NET_ADDR = '198.51.100.254/24';
export const ASN = 65000;
/** Scans of the whole table (vroute fib.scanSeconds, BIRD `scan time`) kept out of the window. */
const SCAN_SECONDS = 3600;

const REPO = path.resolve(__dirname, __filename.endsWith('.js') ? '../../..' : '../..');

export type DaemonName = 'vroute' | 'bird';

export interface Netns {
  /** The daemon's namespace. */
  readonly name: string;
  /** The injector's namespace, the other end of the link. */
  readonly peer: string;
  remove(): void;
}

/**
 * Two namespaces joined by a veth pair: the daemon's (fa: its address and the next hop's
 * network) and the injector's (fb). A real link, as between a host and its peer; BIRD would
 * not take a neighbor that is an address of its own namespace.
 */
export function createNetns(name: string): Netns {
  const peer = `${name}-i`;
  const del = (n: string): void => {
    try {
      execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
    } catch {
      /* gone already */
    }
  };
  const ns: Netns = {
    name,
    peer,
    remove: () => {
      del(name);
      del(peer);
    },
  };
  const ip = (n: string, ...a: string[]): void => {
    execFileSync('ip', ['-n', n, ...a], { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  try {
    execFileSync('ip', ['netns', 'add', name]);
    execFileSync('ip', ['netns', 'add', peer]);
    ip(name, 'link', 'set', 'lo', 'up');
    ip(peer, 'link', 'set', 'lo', 'up');
    ip(name, 'link', 'add', 'fa', 'type', 'veth', 'peer', 'name', 'fb', 'netns', peer);
    ip(name, 'addr', 'add', `${DAEMON_IP}/24`, 'dev', 'fa');
    ip(name, 'addr', 'add', NEXT_HOP_NET_ADDR, 'dev', 'fa');
    ip(peer, 'addr', 'add', `${INJECTOR_IP}/24`, 'dev', 'fb');
    ip(name, 'link', 'set', 'fa', 'up');
    ip(peer, 'link', 'set', 'fb', 'up');
  } catch (e) {
    ns.remove();
    throw e;
  }
  return ns;
}

/**
 * IPv4 prefixes in the main table of the namespace PID lives in: /proc/PID/net/fib_triestat
 * counts them in the kernel (one trie walk, nothing copied out), cheap enough to sample
 * every few tens of ms where a dump of a million routes would take a core.
 */
export function mainPrefixes(pid: number): number {
  const s = readFileSync(`/proc/${pid}/net/fib_triestat`, 'utf8');
  const m = /\nMain:\n(?:\t[^\n]*\n)*?\tPrefixes:\s+(\d+)/.exec(s);
  if (!m) throw new Error(`no Main table in /proc/${pid}/net/fib_triestat`);
  return Number(m[1]);
}

/** Routes of `proto` in the namespace's main table, by a full dump (once per phase, outside the timing). */
export function routesOfProto(ns: string, proto: string): { count: number; sample: string } {
  const r = spawnSync('ip', ['-n', ns, '-4', 'route', 'show', 'proto', proto], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  return { count: lines.length, sample: lines[0] ?? '' };
}

/** utime and stime of PID in seconds (/proc/PID/stat fields 14 and 15; USER_HZ 100). */
export function cpuOf(pid: number): { user: number; sys: number } {
  const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]) / 100, sys: Number(f[12]) / 100 };
}

/** The main thread's time on CPU and waiting to run, in ns (/proc/PID/schedstat). */
export function schedOf(pid: number): { run: number; wait: number } {
  const f = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ');
  return { run: Number(f[0]), wait: Number(f[1]) };
}

export interface Daemon {
  readonly name: DaemonName;
  readonly child: ChildProcess;
  /** The route protocol its kernel routes carry (for `ip route show proto`). */
  readonly proto: string;
  readonly log: string;
  readonly dir: string;
}

/** `vroute node` in the namespace: the injector as a BGPPeer of an embedded datastore, kernel FIB on. */
async function startVroute(ns: string, dir: string): Promise<Daemon> {
  const { EmbeddedDatastore, putResource } = await import('../../src/datastore');
  const file = path.join(dir, 'datastore.json');
  const store = new EmbeddedDatastore({ path: file });
  // The node's AS is the injector's: iBGP, so the next hop arrives unchanged (RFC 4271 5.1.3).
  await putResource(store, {
    apiVersion: 'vroute/v1',
    kind: 'BGPPeer',
    metadata: { name: 'injector' },
    spec: { node: 'bench', peerIP: INJECTOR_IP, asNumber: ASN },
  });
  await store.close();
  const conf = path.join(dir, 'node.yaml');
  writeFileSync(
    conf,
    `name: bench\nip: ${DAEMON_IP}\nasn: ${ASN}\ndatastore: embedded:${file}\napi: false\nlog: info\n` +
      `fib: {table: main, protocol: 200, scanSeconds: ${SCAN_SECONDS}}\n` +
      // VROUTE_E2E_DATAPLANE=1: the dataplane on too (no endpoints): BGP's routes then go
      // through the node's route owner, whose memory a full table shows.
      (process.env.VROUTE_E2E_DATAPLANE ? 'dataplane: true\n' : ''),
  );
  const log = path.join(dir, 'vroute.log');
  // VROUTE_E2E_PROF=DIR: a V8 CPU profile of the node agent, written there when it stops.
  const prof = process.env.VROUTE_E2E_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.VROUTE_E2E_PROF}`] : [];
  // VROUTE_E2E_NODE_ARGS: more node options for the agent, space-separated (e.g. `--require
  // FILE` of a memory sampler, or `--heapsnapshot-signal=SIGUSR2`), to see where its memory is.
  const extra = process.env.VROUTE_E2E_NODE_ARGS?.trim() ?? '';
  if (extra !== '') prof.push(...extra.split(/\s+/));
  const child = spawnLogged(
    'ip',
    ['netns', 'exec', ns, process.execPath, ...prof, path.join(REPO, 'bin/vroute'), 'node', '--config', conf],
    log,
  );
  return { name: 'vroute', child, proto: '200', log, dir };
}

/**
 * BIRD 2: the injector as a directly connected iBGP neighbor (`direct`, `gateway direct`: the
 * next hop must be on a connected network, as vroute requires), and the kernel protocol exporting everything to
 * the main table with `merge paths` (ECMP as vroute does), learning nothing.
 */
function startBird(ns: string, dir: string): Daemon {
  const conf = path.join(dir, 'bird.conf');
  writeFileSync(
    conf,
    `router id ${DAEMON_IP};
log stderr { warning, error, fatal };
protocol device { scan time 10; }
protocol kernel {
  ipv4 { import none; export all; };
  merge paths on;
  learn off;
  scan time ${SCAN_SECONDS};
}
protocol bgp inj {
  local ${DAEMON_IP} as ${ASN};
  neighbor ${INJECTOR_IP} as ${ASN};
  direct;
  passive on;
  hold time 90;
  ipv4 { import all; export none; gateway direct; };
}
`,
  );
  const log = path.join(dir, 'bird.log');
  const child = spawnLogged(
    'ip',
    ['netns', 'exec', ns, 'bird', '-f', '-c', conf, '-s', path.join(dir, 'bird.ctl')],
    log,
  );
  return { name: 'bird', child, proto: 'bird', log, dir };
}

export async function startDaemon(name: DaemonName, ns: string): Promise<Daemon> {
  const dir = mkdtempSync(path.join(tmpdir(), `vr-fibe2e-${name}-`));
  try {
    return name === 'vroute' ? await startVroute(ns, dir) : startBird(ns, dir);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * The daemon is up with its peer configured, so the injector's first connection is taken (a
 * refused one would put the injector's session into back-off): vroute has logged "peer
 * configured"; BIRD, which reads its whole config before it listens, has made its socket.
 */
export function ready(d: Daemon): boolean {
  if (d.name === 'bird') return existsSync(path.join(d.dir, 'bird.ctl'));
  try {
    return readFileSync(d.log, 'utf8').includes('peer configured');
  } catch {
    return false;
  }
}

export function logTail(d: Daemon, lines = 15): string {
  try {
    return readFileSync(d.log, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** The injector of bench/reflect in its namespace: N /24s via 198.51.100.1, then End-of-RIB. */
export function startInjector(ns: string, n: number, log: string): ChildProcess {
  const script = path.join(REPO, 'dist/bench/reflect/injector.js');
  return spawnLogged(
    'ip',
    ['netns', 'exec', ns, process.execPath, script, `${DAEMON_IP}:179`, INJECTOR_IP, String(n), String(ASN)],
    log,
  );
}
