// bench/reflect (issue 4, in the manner of bgperf): one injector sends N IPv4 /24s in four
// attribute sets over iBGP to the reflector under test, which has K route-reflector clients,
// each a BIRD 2 instance on its own loopback address. Measured per trial: seconds from the
// injector's session reaching Established until every client holds all N (BIRD's imported
// count), and the reflector's CPU seconds in that window and peak RSS (/proc), summed over
// the reflector's processes (OpenBGPD runs as parent + session engine + route decision
// engine + RTR process; the others are one process each). Reflectors: vroute (the daemon as a
// child process), BIRD 2, FRR bgpd (-Z, no zebra), OpenBGPD bgpd; trials are interleaved
// (each repetition runs every reflector for every N) and the median of the repetitions is
// reported. Every wait is bounded; every process is stopped by PID.
// `--baseline DIR` adds a second vroute build as its own reflector, `vroute@REV` (REV: DIR's
// short commit), in the same interleaved run: DIR is a built checkout (npm ci; npx tsc) of an
// older commit, started the same way as this tree's (its own dist/bench/reflect/vroute-rr.js,
// or DIR/bin/vroute under VROUTE_BIN), with a config its own validator accepts.
// Run: npm run build && node dist/bench/reflect/run.js [--baseline DIR] [N,N..=100000] [K=4] [REPS=3]
//   [vroute,base,bird,frr,openbgpd]   (base: the baseline build; listed after vroute by default)
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { execFileSync, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { DAEMON_NODE_ARGS, daemonEnv } from '../../src/cli/node-flags';
import { BirdCtl } from './birdctl';
import { birdClient, birdReflector, frrReflector, vrouteReflector, type Layout } from './configs';
import { startOpenbgpd } from './openbgpd';
import { freePort, sleep, spawnLogged, stopChild, sumCpuSeconds, sumPeakRssMiB, waitFor, canConnect } from './proc';

type Kind = 'vroute' | 'base' | 'bird' | 'frr' | 'openbgpd';
const KINDS: readonly Kind[] = ['vroute', 'base', 'bird', 'frr', 'openbgpd'];
interface Row {
  kind: Kind;
  n: number;
  k: number;
  seconds: number;
  rssMiB: number;
  cpu: number;
  procs: number;
}

const BIRD = '/usr/sbin/bird';
const BGPD = '/usr/lib/frr/bgpd';
const TRIAL_TIMEOUT_MS = 240_000;
/**
 * Second octet of this run's loopback addresses (127.NET.1.x clients, 127.NET.2.1 injector).
 * Each BIRD client listens on its own address at port 179, so two runs on one machine with the
 * same addresses would fail with EADDRINUSE; a per-process octet keeps concurrent runs apart.
 */
const RUN_NET = 10 + (process.pid % 240);

/**
 * The older vroute build run as the `base` reflector (--baseline DIR): where it is, its label
 * in the output, and the datastore URL its config validator accepts.
 */
interface Baseline {
  dir: string;
  label: string;
  opts: { datastore: string; maxPrefixes: boolean };
}
let baseline: Baseline | undefined;
const label = (kind: Kind): string => (kind === 'base' ? (baseline?.label ?? 'vroute@base') : kind);

/**
 * Checks DIR is a built vroute checkout and picks a datastore its own validator accepts:
 * `memory` (the private in-process store, since the embedded store became a file shared by
 * every vroute process), else `embedded`, which in builds older than `memory` was that
 * in-process store. Neither touches a file, so both builds run without datastore I/O. The
 * range's maxPrefixes is left out only if the build rejects it (it then has no default limit).
 */
function loadBaseline(dir: string): Baseline {
  const abs = path.resolve(dir);
  const cfgMod = path.join(abs, 'dist', 'src', 'config', 'index.js');
  if (!existsSync(cfgMod) || !existsSync(path.join(abs, 'bin', 'vroute'))) {
    throw new Error(
      `--baseline ${dir}: no bin/vroute and dist/src/config there (npm ci && npx tsc -p tsconfig.json in it first)`,
    );
  }
  const { validateConfig } = require(cfgMod) as { validateConfig(doc: unknown): unknown };
  const l: Layout = { port: 1179, injector: '127.0.0.2', clients: [] };
  const candidates = ['memory', 'embedded'].flatMap((datastore) =>
    [true, false].map((maxPrefixes) => ({ datastore, maxPrefixes })),
  );
  const opts = candidates.find((o) => {
    try {
      validateConfig(JSON.parse(vrouteReflector(l, 1180, o)));
      return true;
    } catch {
      return false;
    }
  });
  if (!opts) throw new Error(`--baseline ${dir}: its validator rejects every form of the bench config`);
  let rev = path.basename(abs);
  try {
    rev = execFileSync('git', ['-C', abs, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    /* not a git checkout */
  }
  return { dir: abs, label: `vroute@${rev}`, opts };
}

const nodeArgs = (file: string, ...rest: string[]): string[] =>
  __filename.endsWith('.ts') ? ['--import', 'tsx', file, ...rest] : [file, ...rest];
const sibling = (name: string): string => path.join(__dirname, `${name}${path.extname(__filename)}`);

/**
 * A running reflector: its main process, the PIDs to measure, and how to stop it (by PID, with
 * its helpers). Only OpenBGPD measures more than its main process: under tsx, vroute's tree
 * would also hold esbuild's service process, which is not the reflector.
 */
interface Reflector {
  child: ChildProcess;
  pids(): number[];
  stop(): Promise<void>;
}

async function startReflector(kind: Kind, l: Layout, dir: string): Promise<Reflector> {
  const log = path.join(dir, 'rr.log');
  if (kind === 'openbgpd') return startOpenbgpd(l, dir, log);
  const child = await startSingle(kind, l, dir, log);
  return { child, pids: () => [child.pid!], stop: () => stopChild(child) };
}

async function startSingle(kind: Kind, l: Layout, dir: string, log: string): Promise<ChildProcess> {
  if (kind === 'vroute' || kind === 'base') {
    const api = await freePort();
    const base = kind === 'base' ? baseline! : undefined;
    writeFileSync(path.join(dir, 'rr.json'), vrouteReflector(l, api, base?.opts));
    // VROUTE_NODE_ARGS: extra node flags for the reflector (e.g. --cpu-prof).
    // VROUTE_BIN=bin/vroute runs the CLI (`vroute reflector --config`) instead of the launcher;
    // the baseline is started the same way from its own tree, so the two differ only in build.
    const conf = path.join(dir, 'rr.json');
    const bin = process.env.VROUTE_BIN;
    const flags = process.env.VROUTE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    let argv: string[];
    if (base) {
      const launcher = path.join(base.dir, 'dist', 'bench', 'reflect', 'vroute-rr.js');
      argv =
        bin || !existsSync(launcher)
          ? [...flags, path.join(base.dir, 'bin', 'vroute'), 'reflector', '--config', conf]
          : [...flags, launcher, conf];
    } else {
      // Started as bin/vroute starts `vroute reflector` (its start-up node flags and malloc
      // tunable, src/cli/node-flags.ts); VROUTE_BIN runs bin/vroute itself (its sh line).
      argv = bin
        ? ['reflector', '--config', conf]
        : [...DAEMON_NODE_ARGS, ...flags, ...nodeArgs(sibling('vroute-rr'), conf)];
    }
    const child =
      !base && bin
        ? spawnLogged(bin, argv, log)
        : spawnLogged(process.execPath, argv, log, base ? undefined : daemonEnv());
    const ok = await waitFor(
      async () => {
        try {
          return (await fetch(`http://127.0.0.1:${api}/status`, { signal: AbortSignal.timeout(1000) })).ok;
        } catch {
          return false;
        }
      },
      15000,
      50,
    );
    if (!ok) throw new Error(`${label(kind)} did not start: ${readFileSync(log, 'utf8').slice(-1500)}`);
    return child;
  }
  if (kind === 'bird') {
    writeFileSync(path.join(dir, 'rr.conf'), birdReflector(l));
    const child = spawnLogged(BIRD, ['-f', '-c', path.join(dir, 'rr.conf'), '-s', path.join(dir, 'rr.ctl')], log);
    if (!(await waitFor(() => canConnect('127.0.0.1', l.port), 15000, 50)))
      throw new Error(`BIRD RR did not start: ${readFileSync(log, 'utf8')}`);
    return child;
  }
  writeFileSync(path.join(dir, 'bgpd.conf'), frrReflector(l));
  const child = spawnLogged(
    BGPD,
    [
      '-Z',
      '-S',
      '-n',
      '-l',
      '127.0.0.1',
      '-p',
      String(l.port),
      '-f',
      path.join(dir, 'bgpd.conf'),
      '-i',
      path.join(dir, 'bgpd.pid'),
      '-z',
      path.join(dir, 'zserv.api'),
      '--vty_socket',
      dir,
      '-A',
      '127.0.0.1',
      '-P',
      '0',
    ],
    log,
  );
  if (!(await waitFor(() => canConnect('127.0.0.1', l.port), 15000, 50)))
    throw new Error(`FRR did not start: ${readFileSync(log, 'utf8')}`);
  return child;
}

async function trial(kind: Kind, n: number, k: number): Promise<Row> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `vr-reflect-${kind}-`));
  const l: Layout = {
    port: await freePort(),
    injector: `127.${RUN_NET}.2.1`,
    clients: Array.from({ length: k }, (_, i) => `127.${RUN_NET}.1.${i + 1}`),
  };
  const procs: ChildProcess[] = [];
  const ctls: BirdCtl[] = [];
  let reflector: Reflector | undefined;
  let cleaned: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaned ??= (async () => {
      for (const c of ctls) c.close();
      await Promise.all([...[...procs].reverse().map((p) => stopChild(p)), reflector?.stop()]);
      rmSync(dir, { recursive: true, force: true });
    })());
  stopTrial = cleanup;
  try {
    reflector = await startReflector(kind, l, dir);
    for (let i = 0; i < k; i++) {
      writeFileSync(path.join(dir, `c${i}.conf`), birdClient(l.clients[i]!, i, l));
      procs.push(
        spawnLogged(
          BIRD,
          ['-f', '-c', path.join(dir, `c${i}.conf`), '-s', path.join(dir, `c${i}.ctl`)],
          path.join(dir, `c${i}.log`),
        ),
      );
    }
    for (let i = 0; i < k; i++) {
      const sock = path.join(dir, `c${i}.ctl`);
      // The socket file appears a moment before BIRD accepts on it: retry the connect.
      let ctl: BirdCtl | undefined;
      await waitFor(
        async () => {
          if (existsSync(sock)) ctl = await BirdCtl.open(sock, 2000).catch(() => undefined);
          return ctl !== undefined;
        },
        10000,
        50,
      );
      if (!ctl) throw new Error(`client ${i} did not start: ${readFileSync(path.join(dir, `c${i}.log`), 'utf8')}`);
      ctls.push(ctl);
    }
    const est = await waitFor(
      async () => (await Promise.all(ctls.map((c) => c.protocol('up')))).every((p) => p.state === 'Established'),
      30000,
      100,
    );
    if (!est) throw new Error('clients did not reach Established with the reflector within 30 s');
    const inj = spawnLogged(
      process.execPath,
      nodeArgs(sibling('injector'), `127.0.0.1:${l.port}`, l.injector, String(n)),
      path.join(dir, 'inj.log'),
    );
    procs.push(inj);
    const injLog = (): string => readFileSync(path.join(dir, 'inj.log'), 'utf8');
    let t0 = 0;
    let cpu0 = 0;
    // The reflector's processes, all of them up by now (OpenBGPD forks its engines at start).
    const pids = reflector.pids();
    // The injector prints ESTABLISHED with its clock; CPU is sampled as soon as we see it.
    if (
      !(await waitFor(
        () => {
          const m = /ESTABLISHED (\d+)/.exec(injLog());
          if (m) {
            t0 = Number(m[1]);
            cpu0 = sumCpuSeconds(pids);
          }
          return m !== null;
        },
        60000,
        5,
      ))
    )
      throw new Error(`injector did not reach Established: ${injLog()}`);
    let counts: number[] = [];
    const done = await waitFor(
      async () => {
        counts = (await Promise.all(ctls.map((c) => c.protocol('up')))).map((p) => p.imported);
        return counts.every((c) => c >= n);
      },
      TRIAL_TIMEOUT_MS,
      10,
    );
    const t1 = Date.now();
    const row: Row = {
      kind,
      n,
      k,
      seconds: (t1 - t0) / 1000,
      rssMiB: sumPeakRssMiB(pids),
      cpu: sumCpuSeconds(pids) - cpu0,
      procs: pids.length,
    };
    // REFLECT_DEBUG=1: each reflector process's own peak RSS and CPU since it started.
    if (process.env.REFLECT_DEBUG) {
      for (const p of pids) {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
        console.log(`  pid ${p} ${cmd}: ${sumPeakRssMiB([p]).toFixed(0)} MiB, ${sumCpuSeconds([p]).toFixed(2)} s`);
      }
    }
    if (!done)
      throw new Error(
        `${label(kind)} N=${n} K=${k}: clients hold ${counts.join(' ')} after ${TRIAL_TIMEOUT_MS / 1000} s`,
      );
    if (counts.some((c) => c !== n)) throw new Error(`${label(kind)}: clients hold ${counts.join(' ')}, expected ${n}`);
    // Reflected as RFC 4456 8 says: next hop unchanged, ORIGINATOR_ID and CLUSTER_LIST added.
    const r = await ctls[0]!.command('show route 20.0.0.0/24 all');
    for (const want of ['198.51.100.1', 'BGP.originator_id: 10.254.255.1', 'BGP.cluster_list: 10.255.0.1']) {
      if (!r.includes(want)) throw new Error(`${label(kind)}: client 0's 20.0.0.0/24 lacks "${want}":\n${r}`);
    }
    return row;
  } finally {
    await cleanup();
    stopTrial = undefined;
  }
}

/** Stops the running trial's processes (by PID) and removes its directory: on a signal too. */
let stopTrial: (() => Promise<void>) | undefined;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const bi = args.indexOf('--baseline');
  if (bi >= 0) {
    const dir = args[bi + 1];
    if (dir === undefined || dir.startsWith('--'))
      throw new RangeError('--baseline needs a directory (a built vroute checkout)');
    baseline = loadBaseline(dir);
    args.splice(bi, 2);
  }
  const [nArg, kArg, repArg, kindArg] = args;
  const ns = (nArg ?? '100000').split(',').map(Number);
  const k = Number(kArg ?? 4);
  const reps = Number(repArg ?? 3);
  const kinds = (kindArg ?? KINDS.filter((x) => x !== 'base').join(',')).split(',') as Kind[];
  const bad = kinds.filter((x) => !KINDS.includes(x));
  if (bad.length) throw new RangeError(`unknown reflector ${bad.join(', ')}: choose from ${KINDS.join(', ')}`);
  if (kinds.includes('base') && !baseline) throw new RangeError('reflector base needs --baseline DIR');
  // The baseline runs right after this tree's vroute in every repetition, unless placed.
  if (baseline && !kinds.includes('base'))
    kinds.splice(kinds.includes('vroute') ? kinds.indexOf('vroute') + 1 : 0, 0, 'base');
  const w = Math.max(6, ...kinds.map((x) => label(x).length));
  console.log(
    `node ${process.version}, ${os.cpus().length} CPUs ${os.cpus()[0]?.model ?? ''}, load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  if (baseline)
    console.log(
      `baseline ${baseline.label}: ${baseline.dir} (datastore ${baseline.opts.datastore}${baseline.opts.maxPrefixes ? '' : ', no maxPrefixes'})`,
    );
  const rows: Row[] = [];
  const failed: Array<{ kind: Kind; n: number }> = [];
  for (let r = 0; r < reps; r++) {
    // The two vroute builds swap places every other repetition, so neither always goes first.
    const order = [...kinds];
    const [iv, ib] = [order.indexOf('vroute'), order.indexOf('base')];
    if (r % 2 === 1 && iv >= 0 && ib >= 0) [order[iv], order[ib]] = ['base', 'vroute'];
    for (const n of ns) {
      for (const kind of order) {
        // A failed trial is reported and left out of the medians; the other trials go on.
        const row = await trial(kind, n, k).catch((e: unknown) => {
          failed.push({ kind, n });
          console.log(
            `rep ${r + 1} ${label(kind).padEnd(w)} N=${n} K=${k}: FAILED: ${e instanceof Error ? e.message : String(e)}`,
          );
          return undefined;
        });
        if (row) {
          rows.push(row);
          console.log(
            `rep ${r + 1} ${label(kind).padEnd(w)} N=${n} K=${k}: ${row.seconds.toFixed(2)} s  peak RSS ${row.rssMiB.toFixed(0)} MiB  ` +
              `CPU ${row.cpu.toFixed(2)} s  (${row.procs} proc)  load ${os.loadavg()[0]!.toFixed(2)}`,
          );
        }
        await sleep(500);
      }
    }
  }
  console.log(
    `load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(
        ' ',
      )}\n\n| reflector | N | K | seconds | peak RSS MiB | CPU s | runs (s) |\n| --- | --- | --- | --- | --- | --- | --- |`,
  );
  for (const n of ns) {
    for (const kind of kinds) {
      const rs = rows.filter((x) => x.kind === kind && x.n === n);
      const fails = failed.filter((x) => x.kind === kind && x.n === n).length;
      if (rs.length === 0) {
        console.log(`| ${label(kind)} | ${n} | ${k} | failed | | | ${fails} failed |`);
        continue;
      }
      console.log(
        `| ${label(kind)} | ${n} | ${k} | ${median(rs.map((x) => x.seconds)).toFixed(2)} | ${median(rs.map((x) => x.rssMiB)).toFixed(0)} | ` +
          `${median(rs.map((x) => x.cpu)).toFixed(2)} | ${rs.map((x) => x.seconds.toFixed(2)).join(' ')}${fails ? ` (${fails} failed)` : ''} |`,
      );
    }
  }
  if (failed.length) process.exitCode = 1;
}

// Hard bound on the whole run: no trial may hang the machine's benchmark slot for long.
// A stopped or overrunning run still stops the trial's processes and removes its directory.
function quit(code: number, why: string): void {
  console.error(`run: ${why}`);
  setTimeout(() => process.exit(code), 15_000).unref();
  void (stopTrial?.() ?? Promise.resolve()).catch(() => undefined).then(() => process.exit(code));
}
setTimeout(() => quit(2, 'overall deadline passed'), 3_600_000).unref();
process.once('SIGINT', () => quit(130, 'interrupted'));
process.once('SIGTERM', () => quit(143, 'terminated'));
main().then(
  () => process.exit(process.exitCode ?? 0),
  (e: unknown) => {
    console.error(`run: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
