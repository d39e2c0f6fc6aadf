// Real BGP peers for interop tests and fixture recording: BIRD 2 and FRR bgpd, each started
// with a given config inside a given network namespace (see netns.ts), with every file it
// makes (config, control socket, pid file, log) in its own temporary folder, so any number
// of them run side by side without touching the system's /run/bird or /run/frr.
//
//   const bird = await startBird(lab.hosts[0].ns, birdConf);        // skipReason('netns','bird')
//   const frr = await startFrr(lab.hosts[1].ns, frrConf);            // skipReason('netns','frr')
//   await waitFor('Established', () => birdProtocolState(bird, 'peer') === 'Established' || undefined);
//   await frr.stop(); await bird.stop();
//
// FRR runs without zebra (-Z: no kernel routes, no FIB), with -S (no privilege switch to
// the frr user, which root is not a member of), and no vty TCP port (-P 0).
import { execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, openSync, closeSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type Netns, waitFor } from './netns';

export const BIRD = '/usr/sbin/bird';
export const BIRDC = '/usr/sbin/birdc';
export const FRR_BGPD = '/usr/lib/frr/bgpd';
export const VTYSH = '/usr/bin/vtysh';
export const FRR_ZEBRA = '/usr/lib/frr/zebra';

export interface DaemonOptions {
  /** Folder for config, sockets, pid file and log (default: a new one under the OS tmpdir). */
  readonly dir?: string;
  /** How long to wait for the control socket to answer (default 10 s). */
  readonly readyTimeoutMs?: number;
}

export interface FrrOptions extends DaemonOptions {
  /**
   * Also run zebra in the namespace (FRR's interface and RIB manager) and connect bgpd to it.
   * Without zebra bgpd knows no interfaces: it treats an IPv6 link-local next hop as an error
   * (treat-as-withdraw) and cannot resolve next hops. zebra runs as the frr user (it has no
   * -S), so the folder is made world-writable.
   */
  readonly zebra?: boolean;
}

/** A running BIRD or FRR bgpd. */
export interface Daemon {
  readonly kind: 'bird' | 'frr';
  readonly ns: Netns;
  /** PID of the daemon itself (`ip netns exec` execs it in place). */
  readonly pid: number;
  /** The daemon's own folder: config file, control socket, log. */
  readonly dir: string;
  readonly configFile: string;
  readonly logFile: string;
  /** Runs CLI commands (birdc: one command; vtysh: each as one `-c`) and returns stdout. */
  query(...commands: string[]): string;
  /** The daemon's stdout/stderr so far (for failure messages). */
  log(): string;
  /** True once the process has exited. */
  readonly exited: boolean;
  /**
   * SIGTERM (BIRD and FRR then send Cease to their peers), wait up to `timeoutMs` for the
   * exit, then SIGKILL. Resolves when the process is gone. Safe to call twice.
   */
  stop(timeoutMs?: number): Promise<void>;
}

/** Starts `bird -f` with this config text; resolves once `birdc show status` answers. */
export async function startBird(ns: Netns, config: string, opts: DaemonOptions = {}): Promise<Daemon> {
  const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), 'vr-bird-'));
  const configFile = path.join(dir, 'bird.conf');
  const sock = path.join(dir, 'bird.ctl');
  writeFileSync(configFile, config);
  const query = (...commands: string[]): string =>
    execFileSync(BIRDC, ['-s', sock, ...commands], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const d = launch(
    'bird',
    ns,
    dir,
    configFile,
    BIRD,
    ['-f', '-c', configFile, '-s', sock, '-P', path.join(dir, 'bird.pid')],
    query,
  );
  await ready(d, () => (query('show status').includes('Daemon is up') ? true : undefined), opts.readyTimeoutMs);
  return d;
}

/**
 * Starts FRR bgpd with this config text (by default without zebra, see FrrOptions.zebra);
 * resolves once vtysh answers. With zebra, stop() stops bgpd then zebra.
 */
export async function startFrr(ns: Netns, config: string, opts: FrrOptions = {}): Promise<Daemon> {
  const dir = opts.dir ?? mkdtempSync(path.join(tmpdir(), 'vr-frr-'));
  let zebra: Daemon | undefined;
  if (opts.zebra) {
    chmodSync(dir, 0o777);
    const zconf = path.join(dir, 'zebra.conf');
    writeFileSync(zconf, '');
    const zargs = [
      '-u',
      'frr',
      '-g',
      'frr',
      '-P',
      '0',
      '-f',
      zconf,
      '-i',
      path.join(dir, 'zebra.pid'),
      '-z',
      path.join(dir, 'zserv.api'),
      '--vty_socket',
      dir,
      '--log',
      'stdout',
    ];
    zebra = launch('frr', ns, dir, zconf, FRR_ZEBRA, zargs, () => '', 'zebra.log');
    await ready(zebra, () => (existsSync(path.join(dir, 'zserv.api')) ? true : undefined), opts.readyTimeoutMs);
  }
  const configFile = path.join(dir, 'bgpd.conf');
  writeFileSync(configFile, config);
  const query = (...commands: string[]): string =>
    execFileSync(VTYSH, ['--vty_socket', dir, ...commands.flatMap((c) => ['-c', c])], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const args = [
    ...(zebra ? [] : ['-Z']),
    '-S',
    '-P',
    '0',
    '-f',
    configFile,
    '-i',
    path.join(dir, 'bgpd.pid'),
    '-z',
    path.join(dir, 'zserv.api'),
    '--vty_socket',
    dir,
    '--log',
    'stdout',
    '--log-level',
    'info',
  ];
  const bgpd = launch('frr', ns, dir, configFile, FRR_BGPD, args, query);
  try {
    await ready(
      bgpd,
      () => (existsSync(path.join(dir, 'bgpd.vty')) && query('show bgp summary json') ? true : undefined),
      opts.readyTimeoutMs,
    );
  } catch (e) {
    await zebra?.stop(1000);
    throw e;
  }
  if (!zebra) return bgpd;
  const z = zebra;
  return {
    kind: 'frr',
    ns,
    pid: bgpd.pid,
    dir,
    configFile,
    logFile: bgpd.logFile,
    query,
    log: bgpd.log,
    get exited() {
      return bgpd.exited;
    },
    async stop(timeoutMs?: number): Promise<void> {
      await bgpd.stop(timeoutMs);
      await z.stop(timeoutMs);
    },
  };
}

function launch(
  kind: 'bird' | 'frr',
  ns: Netns,
  dir: string,
  configFile: string,
  bin: string,
  args: string[],
  query: (...commands: string[]) => string,
  logName = `${kind}.log`,
): Daemon {
  const logFile = path.join(dir, logName);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = ns.spawn(bin, args, { stdio: ['ignore', fd, fd], cwd: dir });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`${kind}: spawn failed`);
  let exited = false;
  const gone = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', () => {
      exited = true;
      resolve();
    });
  });
  // If the test process dies first, do not leave daemons behind.
  const killAtExit = (): void => {
    if (!exited)
      try {
        process.kill(child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
  };
  process.on('exit', killAtExit);
  const pid = child.pid;
  return {
    kind,
    ns,
    pid,
    dir,
    configFile,
    logFile,
    query,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    get exited() {
      return exited;
    },
    async stop(timeoutMs = 5000): Promise<void> {
      process.removeListener('exit', killAtExit);
      if (exited) return;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
      if ((await Promise.race([gone, timer])) === 'timeout') {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        await gone;
      }
    },
  };
}

async function ready(d: Daemon, probe: () => true | undefined, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let why = '';
  for (;;) {
    // A daemon that exited (bad config, socket in use) fails at once, with its own words.
    if (d.exited) why = `${d.kind} exited: ${d.log().slice(-500).trim()}`;
    else {
      try {
        if (probe()) return;
      } catch (e) {
        why = e instanceof Error ? e.message.split('\n')[0] : String(e);
      }
      if (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
    }
    await d.stop(1000);
    throw new Error(`${d.kind} in ${d.ns.name} did not come up (${d.configFile}): ${why}`);
  }
}

/**
 * The BGP state of one BIRD protocol as RFC 4271 names it ("Idle", "Established", ...), from
 * `show protocols all NAME` ("BGP state: Established"); undefined if BIRD does not show one.
 */
export function birdProtocolState(d: Daemon, proto: string): string | undefined {
  const m = /BGP state:\s+(\w+)/.exec(d.query('show protocols all', proto));
  return m?.[1];
}

/** FRR's state of one neighbor (`show bgp neighbors ADDR json` -> bgpState), e.g. "Established". */
export function frrNeighborState(d: Daemon, address: string): string | undefined {
  const j = JSON.parse(d.query(`show bgp neighbors ${address} json`)) as Record<string, { bgpState?: string }>;
  return j[address]?.bgpState;
}

/** FRR's `show bgp summary json`, parsed (keys per family: ipv4Unicast, ipv6Unicast, ...). */
export function frrSummary(d: Daemon): Record<string, unknown> {
  return JSON.parse(d.query('show bgp summary json')) as Record<string, unknown>;
}

/** Waits until a BIRD protocol or FRR neighbor is Established (default 30 s). */
export async function waitEstablished(d: Daemon, peer: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    `${d.kind} ${peer} Established`,
    () => {
      const s = d.kind === 'bird' ? birdProtocolState(d, peer) : frrNeighborState(d, peer);
      return s === 'Established' ? true : undefined;
    },
    timeoutMs,
    200,
  );
}

/**
 * BIRD: writes `config` over the daemon's config file and applies it (`birdc configure`),
 * e.g. to remove static routes (BIRD withdraws them) or change a neighbor. Returns BIRD's
 * answer; throws with it when BIRD refuses the new config.
 */
export function reconfigureBird(d: Daemon, config: string): string {
  if (d.kind !== 'bird') throw new TypeError('reconfigureBird needs a BIRD daemon');
  writeFileSync(d.configFile, config);
  let out: string;
  try {
    out = d.query('configure');
  } catch (e) {
    // birdc exits non-zero on a config error; its stdout says why.
    const o = (e as { stdout?: string }).stdout;
    throw new Error(`bird configure: ${(o ?? String(e)).trim()}`);
  }
  if (!/Reconfigured|Reconfiguration in progress/.test(out)) throw new Error(`bird configure: ${out.trim()}`);
  return out;
}

/** FRR: runs configuration lines after `configure terminal` (e.g. 'router bgp 65002', 'neighbor X shutdown'). */
export function configureFrr(d: Daemon, ...lines: string[]): string {
  if (d.kind !== 'frr') throw new TypeError('configureFrr needs an FRR daemon');
  return d.query('configure terminal', ...lines);
}
