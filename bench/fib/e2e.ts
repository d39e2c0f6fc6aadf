// bench/fib end to end (issue 11): from a BGP session to the kernel table. In a fresh network
// namespace per trial, the daemon under test — `vroute node` with its kernel FIB, or BIRD 2
// (bgp + kernel protocols, `merge paths`) — has one iBGP peer, the bench/reflect injector,
// which sends N IPv4 /24s via a next hop on a connected network, then End-of-RIB.
// Measured per phase:
// - install: from the injector's Established to the kernel's main table holding N more
//   prefixes (read from /proc/PID/net/fib_triestat, more often as the end nears, see until();
//   no dump in the window);
// - withdraw: from SIGTERM to the injector (it sends a Cease, so the daemon drops the
//   session and every route of it) to the table back at its size before;
// - the daemon's CPU seconds (user + system of /proc/PID/stat: the kernel's route work runs
//   in the daemon's syscalls) in each window, and its peak RSS (VmHWM) at the end.
// After the install the routes are counted by protocol with a full dump (`ip route show
// proto 200|bird`), outside the timing, so a fast but wrong run cannot pass.
// Trials interleave (every round runs both daemons at every N, the order alternating); the
// tables show medians. Whole-table scans are set to an hour for both (vroute fib.scanSeconds,
// BIRD `scan time`), so none falls inside a window.
// Run (root, BIRD 2): npm run build && node dist/bench/fib/e2e.js [N,N..=100000,500000,1000000]
//   [--reps R=1] [--only vroute|bird] [--write]; VROUTE_E2E_DATAPLANE=1 runs vroute with
//   `dataplane: true` (no endpoints), VROUTE_E2E_NS=NAME prefixes the namespaces' names.
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { peakRssMiB, sleep, stopChild, waitFor } from '../reflect/proc';
import {
  cpuOf,
  createNetns,
  logTail,
  mainPrefixes,
  ready,
  routesOfProto,
  schedOf,
  startDaemon,
  startInjector,
  type Daemon,
  type DaemonName,
} from './e2e-parts';
import { machineLine } from '../machine';

const PHASE_TIMEOUT_MS = 600_000;
const SAMPLE_MS = 20;
const MAX_SAMPLE_MS = 250;

interface Phase {
  seconds: number;
  cpu: number;
  sys: number;
}
interface Trial {
  daemon: DaemonName;
  n: number;
  install: Phase;
  withdraw: Phase;
  rssMiB: number;
}

/**
 * Polls the namespace's prefix count until it reaches `to` (from `from`); the time it first
 * did, or an Error. Each read of fib_triestat walks the whole trie inside one rcu_read_lock
 * (fib_triestat_seq_show -> trie_collect_stats), and every synchronize_net() of the daemon's
 * route changes (fib_trie's tnode_free) waits for that reader: read every 20 ms at 1M routes,
 * the bench itself slowed both daemons' installs by a second or more. So reads come at
 * about a quarter of the time the rate so far says is left (20-250 ms apart), and every
 * SAMPLE_MS near the end: the end is still seen within SAMPLE_MS, with far fewer walks.
 */
async function until(pid: number, from: number, to: number, what: string): Promise<number> {
  const t0 = Date.now();
  const end = t0 + PHASE_TIMEOUT_MS;
  const total = Math.abs(to - from);
  for (;;) {
    const c = mainPrefixes(pid);
    const now = Date.now();
    if (to >= from ? c >= to : c <= to) return now;
    if (now > end) throw new Error(`${what}: timed out with ${c} prefixes in the main table`);
    const done = total - Math.abs(to - c);
    const left = done > 0 ? ((now - t0) * (total - done)) / done : 4 * SAMPLE_MS;
    await sleep(Math.min(MAX_SAMPLE_MS, Math.max(SAMPLE_MS, left / 4)));
  }
}

async function established(log: string, timeoutMs = 60_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    let text = '';
    try {
      text = readFileSync(log, 'utf8');
    } catch {
      /* not written yet */
    }
    const m = /ESTABLISHED (\d+)/.exec(text);
    if (m) return Number(m[1]);
    await sleep(5);
  }
  throw new Error(`the injector never reached Established: ${readFileSync(log, 'utf8').slice(-500)}`);
}

function phase(ms: number, a: { user: number; sys: number }, b: { user: number; sys: number }): Phase {
  return { seconds: ms / 1000, cpu: b.user - a.user + b.sys - a.sys, sys: b.sys - a.sys };
}

async function trial(name: DaemonName, n: number, seq: number): Promise<Trial> {
  // VROUTE_E2E_NS=NAME: the namespaces' name prefix (helpers sharing a machine keep theirs apart).
  const ns = createNetns(`${process.env.VROUTE_E2E_NS ?? 'vr-fibe2e'}-${process.pid}-${seq}`);
  let d: Daemon | undefined;
  let injector: ReturnType<typeof startInjector> | undefined;
  try {
    d = await startDaemon(name, ns.name);
    const pid = d.child.pid!;
    const up = d;
    if (!(await waitFor(() => up.child.exitCode !== null || ready(up), 60_000, 50)) || d.child.exitCode !== null) {
      throw new Error(`${name} did not start:\n${logTail(d)}`);
    }
    const base = mainPrefixes(pid);
    const injLog = path.join(d.dir, 'injector.log');
    injector = startInjector(ns.peer, n, injLog);
    // CPU is read as the session comes up; the daemon is idle while the injector packs.
    const t0 = await established(injLog).catch((e: Error) => {
      throw new Error(`${e.message}\n${name}: ${logTail(d!)}`);
    });
    const c0 = cpuOf(pid);
    const s0 = schedOf(pid);
    const t1 = await until(pid, base, base + n, `${name} N=${n} install`);
    const c1 = cpuOf(pid);
    const s1 = schedOf(pid);
    const got = routesOfProto(ns.name, d.proto);
    if (got.count !== n || !got.sample.includes(' via 198.51.100.1 ')) {
      throw new Error(`${name} N=${n}: ${got.count} routes of proto ${d.proto} (first: ${got.sample})\n${logTail(d)}`);
    }
    await sleep(500);
    const c2 = cpuOf(pid);
    const s2 = schedOf(pid);
    const t2 = Date.now();
    const injectorGone = stopChild(injector);
    const t3 = await until(pid, base + n, base, `${name} N=${n} withdraw`);
    const c3 = cpuOf(pid);
    const s3 = schedOf(pid);
    // VROUTE_E2E_SCHED=1: where each phase's wall time went (a loaded machine shows as
    // waiting to run; time asleep is the daemon idle or blocked in the kernel).
    if (process.env.VROUTE_E2E_SCHED) {
      const split = (what: string, a: typeof s0, b: typeof s0, ms: number): void => {
        const run = (b.run - a.run) / 1e9;
        const wait = (b.wait - a.wait) / 1e9;
        console.error(
          `${name} ${what}, main thread: on CPU ${run.toFixed(2)} s, waiting to run ${wait.toFixed(2)} s, ` +
            `asleep ${(ms / 1e3 - run - wait).toFixed(2)} s`,
        );
      };
      split('install', s0, s1, t1 - t0);
      split('withdraw', s2, s3, t3 - t2);
    }
    await injectorGone;
    const rssMiB = peakRssMiB(pid);
    return { daemon: name, n, install: phase(t1 - t0, c0, c1), withdraw: phase(t3 - t2, c2, c3), rssMiB };
  } finally {
    if (injector) await stopChild(injector);
    if (d) {
      await stopChild(d.child);
      rmSync(d.dir, { recursive: true, force: true });
    }
    ns.remove();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rate = (n: number, s: number): string =>
  n / s >= 1e6 ? `${(n / s / 1e6).toFixed(2)} M/s` : `${Math.round(n / s / 1000)}k/s`;
const cpu = (ps: Phase[]): string =>
  `${median(ps.map((p) => p.cpu)).toFixed(2)} (${median(ps.map((p) => p.sys)).toFixed(2)})`;
const label = (n: number): string => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1000}k`);

async function main(argv: string[]): Promise<void> {
  const flag = (f: string): string | undefined => {
    const i = argv.indexOf(f);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const reps = Number(flag('--reps') ?? 1);
  const only = flag('--only') as DaemonName | undefined;
  const sizesArg = argv.find((a, i) => /^\d[\d,]*$/.test(a) && argv[i - 1] !== '--reps');
  const sizes = (sizesArg ?? '100000,500000,1000000').split(',').map(Number);
  if (process.getuid?.() !== 0) throw new Error('bench/fib e2e needs root (network namespaces)');
  const daemons: DaemonName[] = only ? [only] : ['vroute', 'bird'];
  const where = machineLine();
  const trials: Trial[] = [];
  let seq = 0;
  for (let r = 0; r < reps; r++) {
    for (const n of sizes) {
      // The order alternates per round, so neither always runs on the warmer (or busier) machine.
      for (const name of (r + seq) % 2 === 0 ? daemons : [...daemons].reverse()) {
        const t = await trial(name, n, seq++);
        trials.push(t);
        console.error(
          `${name} N=${label(n)}: install ${t.install.seconds.toFixed(2)} s (CPU ${t.install.cpu.toFixed(2)}, sys ${t.install.sys.toFixed(2)}) ` +
            `withdraw ${t.withdraw.seconds.toFixed(2)} s (CPU ${t.withdraw.cpu.toFixed(2)}, sys ${t.withdraw.sys.toFixed(2)}) peak RSS ${t.rssMiB.toFixed(0)} MiB; load ${os.loadavg()[0]!.toFixed(1)}`,
        );
      }
    }
  }
  const lines = [
    '| N | daemon | install | routes/s | CPU s (sys) | withdraw | routes/s | CPU s (sys) | peak RSS |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const n of sizes) {
    for (const name of daemons) {
      const ts = trials.filter((t) => t.n === n && t.daemon === name);
      if (ts.length === 0) continue;
      const is = median(ts.map((t) => t.install.seconds));
      const ws = median(ts.map((t) => t.withdraw.seconds));
      lines.push(
        `| ${label(n)} | ${name === 'vroute' ? 'vroute node' : 'BIRD 2.0.12'} | ${is.toFixed(2)} s | ${rate(n, is)} | ` +
          `${cpu(ts.map((t) => t.install))} | ${ws.toFixed(2)} s | ${rate(n, ws)} | ${cpu(ts.map((t) => t.withdraw))} | ${median(ts.map((t) => t.rssMiB)).toFixed(0)} MiB |`,
      );
    }
  }
  const text = lines.join('\n');
  const end = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  console.log(`${where}; at the end ${end}\n${reps > 1 ? `medians of ${reps}\n` : ''}${text}`);
  if (argv.includes('--write')) {
    const file = path.join(__dirname, __filename.endsWith('.js') ? '../../../bench/RESULTS.md' : '../RESULTS.md');
    appendFileSync(
      file,
      `\n### bench/fib/e2e.ts: BGP session to kernel table, vroute node and BIRD 2\n\n` +
        `Machine: ${where}; at the end ${end}. \`node dist/bench/fib/e2e.js ${sizes.join(',')}${reps > 1 ? ` --reps ${reps}` : ''}\`` +
        `${reps > 1 ? `, medians of ${reps}` : ''}.\n\n${text}\n`,
    );
  }
}

main(process.argv.slice(2)).catch((e: Error) => {
  console.error(`bench/fib e2e: ${e.message}`);
  process.exit(1);
});
