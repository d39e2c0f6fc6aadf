// bench/fib: the FIB layer alone (src/node/fib over src/sys rtnetlink), no BGP. In a network
// namespace of its own (a veth pair, next hop 192.0.2.2 on it), one child process per trial
// installs N IPv4 /24 routes through the kernel FIB sink (set() for each, then flushed()) and
// withdraws them all (delete(), flushed()). Reported per phase: wall seconds, routes/s, CPU
// seconds of the process (user + system: the kernel's route insertion runs inside our
// send(2), so it is counted), and the process's peak RSS. The kernel's table is counted after
// the install (`ip route show proto 200`) so a fast but wrong run cannot pass.
// Run (root): npm run build && node dist/bench/fib/run.js [N,N..=100000,500000,1000000] [--reps R=1] [--write]
// (--write appends the table to bench/RESULTS.md under "## fib"). Bounded: each trial has a
// time limit, and the namespace is deleted at the end whatever happens.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { machineLine } from '../machine';

const TRIAL_TIMEOUT_MS = 600_000;
const GATEWAY = '192.0.2.2';

interface Phase {
  seconds: number;
  cpu: number;
  user: number;
  sys: number;
}
interface Trial {
  n: number;
  install: Phase;
  withdraw: Phase;
  inKernel: number;
  rssMiB: number;
  failed: number;
}

/** The child: runs inside the namespace, prints one JSON Trial. */
async function inner(n: number): Promise<void> {
  const { openKernelFib } = await import('../../src/node/fib');
  const quiet = {
    info: (): void => {},
    warn: (o: object, m?: string): void => {
      process.stderr.write(`${m} ${JSON.stringify(o)}\n`);
    },
    debug: (): void => {},
  };
  const prefixes: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const a = 0x0b000000 + i * 256; // 11.0.0.0/24 onwards: n up to 16M /24s
    prefixes[i] = `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.0/24`;
  }
  const fib = await openKernelFib({ log: quiet, scanSeconds: 0 });
  const nextHops = [{ gateway: GATEWAY }];
  const phase = async (fn: () => void): Promise<Phase> => {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    fn();
    await fib.flushed();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    return { seconds, cpu: (c.user + c.system) / 1e6, user: c.user / 1e6, sys: c.system / 1e6 };
  };
  const install = await phase(() => {
    for (const prefix of prefixes) fib.set({ prefix, kind: 'unicast', nextHops });
  });
  const failed = fib.stats().failed;
  const listing = spawnSync('ip', ['-4', 'route', 'show', 'proto', '200'], { maxBuffer: 1 << 30, encoding: 'utf8' });
  const inKernel = listing.stdout.split('\n').filter((l) => l.includes(` via ${GATEWAY} `)).length;
  const withdraw = await phase(() => {
    for (const prefix of prefixes) fib.delete(prefix);
  });
  await fib.close();
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  const t: Trial = { n, install, withdraw, inKernel, rssMiB, failed };
  process.stdout.write(`${JSON.stringify(t)}\n`);
}

function runTrial(ns: string, n: number): Promise<Trial> {
  return new Promise((resolve, reject) => {
    const script = __filename.endsWith('.js') ? [__filename] : ['--import', 'tsx', __filename];
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, ...script, '--inner', String(n)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, TRIAL_TIMEOUT_MS);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`trial N=${n} failed (exit ${code ?? sig})`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as Trial);
    });
  });
}

/**
 * The same N routes through `ip -batch` (iproute2: one request per message, each ACKed), as a
 * yardstick of what the kernel itself costs on this machine at this moment. CPU: the ip
 * process's user + system (children's rusage).
 */
function ipBatch(ns: string, n: number): { install: Phase; withdraw: Phase } {
  const lines = (verb: string): string => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const a = 0x0b000000 + i * 256;
      out.push(
        `route ${verb} ${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.0/24 via ${GATEWAY} proto 201 metric 32`,
      );
    }
    return `${out.join('\n')}\n`;
  };
  const one = (verb: string): Phase => {
    const c0 = childCpu();
    const t0 = process.hrtime.bigint();
    execFileSync('ip', ['-n', ns, '-batch', '-'], {
      input: lines(verb),
      stdio: ['pipe', 'ignore', 'inherit'],
      maxBuffer: 1 << 30,
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const c1 = childCpu();
    return { seconds, cpu: c1.user - c0.user + c1.sys - c0.sys, user: c1.user - c0.user, sys: c1.sys - c0.sys };
  };
  return { install: one('add'), withdraw: one('del') };
}

/** CPU seconds of waited-for children (cutime, cstime of /proc/self/stat; clock ticks of 1/100 s). */
function childCpu(): { user: number; sys: number } {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(f[13]) / 100, sys: Number(f[14]) / 100 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rate = (n: number, s: number): string =>
  n / s >= 1e6 ? `${(n / s / 1e6).toFixed(2)} M/s` : `${Math.round(n / s / 1000)}k/s`;
const label = (n: number): string => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1000}k`);

async function outer(argv: string[]): Promise<void> {
  const write = argv.includes('--write');
  const repsAt = argv.indexOf('--reps');
  const reps = repsAt >= 0 ? Number(argv[repsAt + 1]) : 1;
  const sizesArg = argv.find((a, i) => /^\d[\d,]*$/.test(a) && argv[i - 1] !== '--reps');
  const sizes = (sizesArg ?? '100000,500000,1000000').split(',').map(Number);
  if (process.getuid?.() !== 0) throw new Error('bench/fib needs root (a network namespace)');
  const where = machineLine();
  const ns = `vr-fibbench-${process.pid}`;
  const cleanup = (): void => {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      /* gone */
    }
  };
  process.on('exit', cleanup);
  execFileSync('ip', ['netns', 'add', ns]);
  const ip = (...a: string[]): void => {
    execFileSync('ip', ['-n', ns, ...a]);
  };
  const rows: { n: number; trials: Trial[] }[] = [];
  const baseline: { install: Phase; withdraw: Phase }[] = [];
  try {
    ip('link', 'set', 'lo', 'up');
    ip('link', 'add', 'fa', 'type', 'veth', 'peer', 'name', 'fb');
    ip('addr', 'add', '192.0.2.1/24', 'dev', 'fa');
    ip('link', 'set', 'fa', 'up');
    ip('link', 'set', 'fb', 'up');
    for (const n of sizes) rows.push({ n, trials: [] });
    // Interleaved repetitions: each round runs every size once.
    const small = Math.min(...sizes);
    for (let r = 0; r < reps; r++) {
      for (const row of rows) {
        const t = await runTrial(ns, row.n);
        if (t.inKernel !== row.n || t.failed !== 0)
          throw new Error(`N=${row.n}: ${t.inKernel} routes in the kernel, ${t.failed} failed`);
        row.trials.push(t);
        if (row.n === small) {
          const b = ipBatch(ns, row.n);
          baseline.push(b);
          console.error(
            `N=${label(row.n)} ip -batch: install ${b.install.seconds.toFixed(2)} s (CPU ${b.install.cpu.toFixed(2)}) withdraw ${b.withdraw.seconds.toFixed(2)} s (CPU ${b.withdraw.cpu.toFixed(2)})`,
          );
        }
        console.error(
          `N=${label(row.n)} install ${t.install.seconds.toFixed(2)} s (user ${t.install.user.toFixed(2)} sys ${t.install.sys.toFixed(2)}) withdraw ${t.withdraw.seconds.toFixed(2)} s (user ${t.withdraw.user.toFixed(2)} sys ${t.withdraw.sys.toFixed(2)}) rss ${t.rssMiB.toFixed(0)} MiB`,
        );
      }
    }
  } finally {
    cleanup();
  }
  const lines = [
    '| N | install | routes/s | CPU s | withdraw | routes/s | CPU s | peak RSS |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(({ n, trials }) => {
      const is = median(trials.map((t) => t.install.seconds));
      const ic = median(trials.map((t) => t.install.cpu));
      const ws = median(trials.map((t) => t.withdraw.seconds));
      const wc = median(trials.map((t) => t.withdraw.cpu));
      const rss = median(trials.map((t) => t.rssMiB));
      return `| ${label(n)} | ${is.toFixed(2)} s | ${rate(n, is)} | ${ic.toFixed(2)} | ${ws.toFixed(2)} s | ${rate(n, ws)} | ${wc.toFixed(2)} | ${rss.toFixed(0)} MiB |`;
    }),
  ];
  if (baseline.length > 0) {
    const n = Math.min(...sizes);
    const is = median(baseline.map((b) => b.install.seconds));
    const ws = median(baseline.map((b) => b.withdraw.seconds));
    lines.push(
      `| ${label(n)} \`ip -batch\` | ${is.toFixed(2)} s | ${rate(n, is)} | ${median(baseline.map((b) => b.install.cpu)).toFixed(2)} | ` +
        `${ws.toFixed(2)} s | ${rate(n, ws)} | ${median(baseline.map((b) => b.withdraw.cpu)).toFixed(2)} | |`,
    );
  }
  const text = lines.join('\n');
  console.log(`${where}\n${reps > 1 ? `medians of ${reps}\n` : ''}${text}`);
  if (write) {
    const file = path.join(__dirname, __filename.endsWith('.js') ? '../../../bench/RESULTS.md' : '../RESULTS.md');
    const has = readFileSync(file, 'utf8').includes('\n## fib\n');
    appendFileSync(
      file,
      `${has ? '' : '\n## fib\n'}\n### bench/fib/run.ts: the FIB layer alone, N IPv4 /24s via one next hop\n\n` +
        `Machine: ${where}. \`node dist/bench/fib/run.js ${sizes.join(',')}${reps > 1 ? ` --reps ${reps}` : ''}\`` +
        `${reps > 1 ? `, medians of ${reps}` : ''}.\n\n${text}\n`,
    );
  }
}

const innerAt = process.argv.indexOf('--inner');
const main = innerAt >= 0 ? inner(Number(process.argv[innerAt + 1])) : outer(process.argv.slice(2));
main.catch((e: Error) => {
  console.error(`bench/fib: ${e.message}`);
  process.exit(1);
});
