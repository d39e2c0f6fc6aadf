// bench/dataplane (issue 12): the ACLs of 1,000 and 10,000 endpoints in 100 profiles through
// the dataplane's nft path against the floor (one `nft -f` of the final ruleset), single
// changes, and `vroute-cni ADD`/`DEL`. Each part runs in a child process inside a network
// namespace made for it and deleted afterwards (no veths: the ACL part needs none).
// Run (root): npm run build && node dist/bench/dataplane/run.js [N,N..=1000,10000] [--reps R=7]
//   [--changes C=20] [--cni K=20] [--no-cni] [--no-acl] [--etcd] [--write]
// Targets: from scratch within 2x the floor; one change under 50 ms at 10,000; ADD median
// under 150 ms. --write appends the tables to bench/RESULTS.md under "## dataplane".
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AclResult, Timing } from './acl';
import type { CniResult } from './cni';
import { machineLine } from '../machine';

const TRIAL_TIMEOUT_MS = 900_000;

async function inner(argv: string[]): Promise<void> {
  const [what, a, b, c] = argv;
  if (what === 'acl') {
    const { runAcl } = await import('./acl');
    process.stdout.write(`${JSON.stringify(await runAcl(Number(a), Number(b), Number(c)))}\n`);
  } else {
    const { runCni } = await import('./cni');
    process.stdout.write(`${JSON.stringify(await runCni(Number(a), b === 'etcd' ? 'etcd' : 'embedded'))}\n`);
  }
}

/** Runs `--inner ARGS` in a fresh namespace (lo up), deleted afterwards whatever happens. */
function inNamespace<T>(tag: string, args: string[]): Promise<T> {
  const ns = `vr-dpb-${process.pid}-${tag}`;
  execFileSync('ip', ['netns', 'add', ns]);
  const cleanup = (): void => {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      /* gone */
    }
  };
  process.on('exit', cleanup);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  const script = __filename.endsWith('.js') ? [__filename] : ['--import', 'tsx', __filename];
  return new Promise<T>((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--expose-gc', ...script, '--inner', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), TRIAL_TIMEOUT_MS);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      cleanup();
      process.removeListener('exit', cleanup);
      if (code !== 0) return reject(new Error(`${args.join(' ')}: exit ${code ?? sig}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as T);
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number): number =>
  [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const ms = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);
const label = (n: number): string => (n >= 1000 ? `${n / 1000}k` : String(n));

function machine(): string {
  let nft = '?';
  try {
    nft = execFileSync('nft', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    /* no nft */
  }
  return machineLine(nft);
}

const load = (): string =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

function aclTables(rows: AclResult[]): string {
  const m = (ts: Timing[], k: keyof Timing): number => median(ts.map((t) => t[k]));
  const mean = (xs: number[]): number => xs.reduce((x, y) => x + y, 0) / xs.length;
  // CPU: this process plus its nft children, a view the machine's load does not inflate.
  const cpu = (ts: Timing[]): number => mean(ts.map((t) => t.cpuMs + t.nftCpuMs));
  const scratch = [
    '| endpoints | chains | ours from scratch | of which in nft | floor: one `nft -f` | ratio | paired ratio | CPU ours (JS + nft) | CPU floor | CPU ratio | target <= 2x |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => {
      const ratio = m(r.scratch, 'ms') / median(r.floor);
      // Each repetition's ours over the floor right after it: the machine's load shifts less
      // between the two than across the run.
      const paired = median(r.scratch.map((t, i) => t.ms / r.floor[i]!));
      const cpuRatio = cpu(r.scratch) / mean(r.floorCpu);
      return (
        `| ${label(r.n)} | ${r.chains} | ${ms(m(r.scratch, 'ms'))} | ${ms(m(r.scratch, 'nftMs'))} | ${ms(median(r.floor))} | ${ratio.toFixed(2)}x | ${paired.toFixed(2)}x | ` +
        `${ms(m(r.scratch, 'cpuMs'))} + ${ms(mean(r.scratch.map((t) => t.nftCpuMs)))} | ${ms(mean(r.floorCpu))} | ${cpuRatio.toFixed(2)}x | ` +
        `wall ${ratio <= 2 ? 'met' : 'missed'}, CPU ${cpuRatio <= 2 ? 'met' : 'missed'} |`
      );
    }),
  ];
  const changes = [
    '| endpoints | change | median | p90 | of which nft (median) | CPU ours + nft (mean) | target < 50 ms at 10k |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.flatMap((r) =>
      (['remote-join', 'local-join', 'profile-rule', 'resync'] as const).map((k) => {
        const ts = r.changes[k];
        const med = m(ts, 'ms');
        const verdict =
          k === 'resync' || r.n < 10_000
            ? ''
            : `wall ${med < 50 ? 'met' : 'missed'}, CPU ${cpu(ts) < 50 ? 'met' : 'missed'}`;
        return (
          `| ${label(r.n)} | ${k} | ${ms(med)} | ${ms(
            pct(
              ts.map((t) => t.ms),
              0.9,
            ),
          )} | ${ms(m(ts, 'nftMs'))} | ` +
          `${ms(mean(ts.map((t) => t.cpuMs)))} + ${ms(mean(ts.map((t) => t.nftCpuMs)))} | ${verdict} |`
        );
      }),
    ),
  ];
  return rows.length ? `${scratch.join('\n')}\n\n${changes.join('\n')}` : '(ACL part not run: --no-acl)';
}

function cniTable(rows: CniResult[]): string {
  const lines = [
    '| datastore | `node -e 0` | VERSION (start-up + modules) | ADD median | ADD min | ADD p90 | DEL median | DEL min | CPU: node / VERSION / ADD / DEL | target ADD < 150 ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.datastore} | ${ms(median(r.nodeBare))} | ${ms(median(r.version))} | ${ms(median(r.adds))} | ` +
        `${ms(Math.min(...r.adds))} | ${ms(pct(r.adds, 0.9))} | ${ms(median(r.dels))} | ${ms(Math.min(...r.dels))} | ` +
        `${[r.cpu.nodeBare, r.cpu.version, r.cpu.adds, r.cpu.dels].map((c) => (c.reduce((x, y) => x + y, 0) / c.length).toFixed(0)).join(' / ')} ms | ` +
        `${median(r.adds) < 150 ? 'met' : 'missed'} |`,
    ),
  ];
  const notes = rows.map(
    (r) =>
      `${r.datastore}: requiring the plugin's entry (${r.entry ?? '?'}) takes ${ms(r.requireMs)} (${r.modules} files); ` +
      `with its datastore opened and read: ${r.heavy.length ? `packages ${r.heavy.join(', ')}` : 'no package from node_modules'}` +
      `${r.etcd3Ms !== undefined ? ` (the daemons' \`etcd3\` client, not loaded by the plugin, takes ${ms(r.etcd3Ms)} to require)` : ''}; ` +
      `one ADD starts ${r.execs ? `${r.execs.length} processes (${r.execs.map((e) => path.basename(e)).join(', ')})` : '? processes (no strace)'}.`,
  );
  return `${lines.join('\n')}\n\nCPU: mean milliseconds of user + system time of the process and its children (10 ms ticks).\n${notes.join('\n')}`;
}

async function outer(argv: string[]): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench/dataplane needs root (network namespaces, nft)');
  const opt = (name: string, dflt: number): number => {
    const i = argv.indexOf(name);
    const v = i >= 0 ? Number(argv[i + 1]) : dflt;
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} needs a positive integer`);
    return v;
  };
  const sizesArg = argv.find((x, i) => /^\d[\d,]*$/.test(x) && !argv[i - 1]?.startsWith('--'));
  const sizes = (sizesArg ?? '1000,10000').split(',').map(Number);
  const reps = opt('--reps', 7),
    changes = opt('--changes', 20),
    cniCount = opt('--cni', 20);
  const where = machine(); // ends with the load average at the start
  const acl: AclResult[] = [];
  for (const n of argv.includes('--no-acl') ? [] : sizes) {
    const r = await inNamespace<AclResult>(`a${n}`, ['acl', String(n), String(reps), String(changes)]);
    if (!r.inSync) throw new Error(`N=${n}: the last resync still found changes to make`);
    acl.push(r);
    console.error(`N=${label(n)} done (load ${load()})`);
  }
  const cni: CniResult[] = [];
  if (!argv.includes('--no-cni')) {
    cni.push(await inNamespace<CniResult>('cni', ['cni', String(cniCount), 'embedded']));
    if (argv.includes('--etcd')) cni.push(await inNamespace<CniResult>('cnie', ['cni', String(cniCount), 'etcd']));
  }
  const loadEnd = load();
  const cmd =
    `node dist/bench/dataplane/run.js ${sizes.join(',')} --reps ${reps} --changes ${changes}` +
    `${argv.includes('--no-acl') ? ' --no-acl' : ''}` +
    `${cni.length ? ` --cni ${cniCount}${argv.includes('--etcd') ? ' --etcd' : ''}` : ' --no-cni'}`;
  const text = [
    `Machine: ${where}, at end ${loadEnd}. \`${cmd}\`. ` +
      `From scratch: medians of ${reps}; changes: ${changes} each.`,
    '',
    aclTables(acl),
    ...(cni.length ? ['', `\`vroute-cni\` exec'd ${cniCount} times per row:`, '', cniTable(cni)] : []),
  ].join('\n');
  console.log(text);
  if (argv.includes('--write')) {
    const file = path.join(__dirname, __filename.endsWith('.js') ? '../../../bench/RESULTS.md' : '../RESULTS.md');
    const has = readFileSync(file, 'utf8').includes('\n## dataplane\n');
    appendFileSync(
      file,
      `${has ? '' : '\n## dataplane\n'}\n### bench/dataplane/run.ts, ${new Date().toISOString().slice(0, 16)}Z\n\n${text}\n`,
    );
  }
}

const at = process.argv.indexOf('--inner');
(at >= 0 ? inner(process.argv.slice(at + 1)) : outer(process.argv.slice(2))).catch((e: Error) => {
  console.error(`bench/dataplane: ${e.message}`);
  process.exit(1);
});
