// Decode benchmark (DESIGN.md "Performance shape"): a stream of packed UPDATEs holding N IPv4
// /24 prefixes in a few attribute sets, built with our builder, is timed through framing,
// decodeUpdate, attribute interning (the RIB's AttrStore) and inserting every prefix into an integer-keyed
// open-addressing table. Prints prefixes/s and MB/s for 10k, 100k and 1M.
// Then `vroute decode` of a 1.1M-prefix full-table capture (full-table.ts, two shapes) beside
// `tshark -T ek` on the same file, interleaved, wall and CPU medians (skipped without tshark).
// Run: npx tsx bench/decode/run.ts [--write] [--runs N] [--baseline DIR] [--no-tshark] [--capture-only]
// (--write puts the results in bench/RESULTS.md; --baseline also times DIR/bin/vroute, e.g. a
// build of an older commit, in the same run).
// `npm run bench -- decode` runs the compiled form (dist/bench/decode/run.js).
import { execFileSync, execSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MessageFramer } from '../../src/bgp/messages/framer';
import { decodeUpdate } from '../../src/bgp/messages/update';
import { forEachIpv4 } from '../../src/bgp/messages/nlri';
import { packAnnouncements } from '../../src/bgp/messages/builder';
import { AFI_IPV4, DEFAULT_CONTEXT, IPV4_UNICAST, type CodecContext } from '../../src/bgp/messages/types';
import type { PathAttributes } from '../../src/bgp/messages/attributes/types';
import type { Prefix } from '../../src/bgp/messages/prefix';
import { AttrStore, ipv4Octets } from '../../src/rib/attrs';
import { toRouteAttrs } from '../../src/rib/ingest';
import { buildFullTable, type TableShape } from './full-table';

const CTX: CodecContext = { ...DEFAULT_CONTEXT, fourOctetAs: true };
const SETS = 4;

function attrSet(k: number): PathAttributes {
  return {
    origin: 0,
    asPath: [{ type: 2, asns: [65001 + k, 65100, 4200000000] }],
    nextHop: 0xc0000201 + k, // 192.0.2.(k+1)
    med: 10 * k,
    localPref: 100,
    communities: [65000 * 65536 + k, 65000 * 65536 + 100],
  };
}

/** The whole stream as 64 KiB chunks, as TCP reads would deliver it. */
function buildStream(n: number): { chunks: Uint8Array[]; bytes: number; messages: number } {
  const perSet: Prefix[][] = Array.from({ length: SETS }, () => []);
  for (let i = 0; i < n; i++) {
    // Blocks of 1000 consecutive /24s per set, like a table dump.
    perSet[Math.floor(i / 1000) % SETS]!.push({ afi: AFI_IPV4, addr: (0x01000000 + i * 256) >>> 0, len: 24 });
  }
  const msgs = perSet.flatMap((ps, k) => packAnnouncements(attrSet(k), IPV4_UNICAST, ps, CTX));
  const total = msgs.reduce((s, m) => s + m.length, 0);
  const all = new Uint8Array(total);
  let off = 0;
  for (const m of msgs) {
    all.set(m, off);
    off += m.length;
  }
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < total; i += 65536) chunks.push(all.subarray(i, Math.min(total, i + 65536)));
  return { chunks, bytes: total, messages: msgs.length };
}

/** Open addressing over typed arrays: key = addr | len (prefix bits never reach the low byte of a /24). */
class PrefixTable {
  keys: Int32Array;
  vals: Int32Array;
  mask: number;
  size = 0;
  constructor(cap: number) {
    let c = 1;
    while (c < cap * 2) c <<= 1;
    this.keys = new Int32Array(c).fill(-1);
    this.vals = new Int32Array(c);
    this.mask = c - 1;
  }
  set(key: number, val: number): void {
    let h = Math.imul(key, 0x9e3779b1) >>> 0;
    for (;;) {
      const i = h & this.mask;
      const k = this.keys[i]!;
      if (k === key) {
        this.vals[i] = val;
        return;
      }
      if (k === -1) {
        this.keys[i] = key;
        this.vals[i] = val;
        this.size++;
        return;
      }
      h = i + 1;
    }
  }
}

interface Result {
  n: number;
  seconds: number;
  bytes: number;
  messages: number;
}

let table: PrefixTable;
let currentSet = 0;
const insert = (addr: number, len: number): void => table.set(addr | len | 0, currentSet);
// Codec-only variant: the same walk, prefixes counted instead of stored.
let seen = 0;
const count = (_addr: number, _len: number): void => {
  seen++;
};

function runOnce(chunks: Uint8Array[], n: number, store: boolean): number {
  table = new PrefixTable(store ? n : 1);
  seen = 0;
  const visit = store ? insert : count;
  const sets = new AttrStore();
  const framer = new MessageFramer();
  const t0 = process.hrtime.bigint();
  for (const c of chunks) {
    framer.push(c);
    for (let f = framer.next(); f !== undefined; f = framer.next()) {
      const u = decodeUpdate(f, CTX);
      // The RIB's own interning, as ingest does it (one AttrStore lookup per UPDATE).
      currentSet = sets.intern(toRouteAttrs(u.attributes, true, ipv4Octets(u.attributes.nextHop!))).id;
      forEachIpv4(u.nlri.bytes, 0, u.nlri.bytes.length, u.nlri.addPath, visit);
    }
  }
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  const got = store ? table.size : seen;
  if (got !== n || sets.size !== SETS) throw new Error(`bench check failed: ${got} prefixes, ${sets.size} sets`);
  return dt;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

function bench(n: number, store: boolean): Result {
  const { chunks, bytes, messages } = buildStream(n);
  const runs = n >= 1_000_000 ? 5 : n >= 100_000 ? 10 : 50;
  runOnce(chunks, n, store); // warm-up
  const times: number[] = [];
  for (let r = 0; r < runs; r++) times.push(runOnce(chunks, n, store));
  return { n, seconds: median(times), bytes, messages };
}

const fmt = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: 2 });

// --- vroute decode vs tshark on a full-table capture ---

interface Timing {
  wall: number;
  cpu: number;
  rssMiB: number;
}

function repoRoot(): string {
  let root = __dirname;
  while (!existsSync(path.join(root, 'package.json')) && path.dirname(root) !== root) root = path.dirname(root);
  return root;
}

/** One run of argv with stdout to /dev/null: wall seconds, user+sys CPU seconds, max RSS (GNU time). */
function timeRun(argv: string[]): Timing {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', ...argv], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr ?? '');
  if (r.status !== 0 || !m) throw new Error(`${argv.join(' ')} failed: ${(r.stderr ?? '').trim().split('\n').pop()}`);
  return { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), rssMiB: Number(m[4]) / 1024 };
}

interface Tool {
  readonly name: string;
  readonly argv: (file: string) => string[];
}

function captureBench(runs: number, baseline: string | undefined, withTshark: boolean): string[] {
  const root = repoRoot();
  const tools: Tool[] = [
    { name: 'vroute decode', argv: (f) => [process.execPath, path.join(root, 'bin', 'vroute'), 'decode', f] },
  ];
  if (baseline !== undefined) {
    tools.push({
      name: `vroute decode (${path.basename(baseline)})`,
      argv: (f) => [process.execPath, path.join(baseline, 'bin', 'vroute'), 'decode', f],
    });
  }
  const tshark = withTshark && spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
  if (tshark) tools.push({ name: 'tshark -T ek', argv: (f) => ['tshark', '-r', f, '-T', 'ek'] });
  else console.log('(tshark not run: missing or --no-tshark)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vroute-decode-bench-'));
  const rows: string[] = [];
  try {
    for (const shape of ['table', 'packed'] as TableShape[]) {
      const t = buildFullTable(shape);
      const file = path.join(dir, `${shape}.pcap`);
      writeFileSync(file, t.bytes);
      const lines = execFileSync(process.execPath, [path.join(root, 'bin', 'vroute'), 'decode', file], {
        maxBuffer: 1 << 30,
      })
        .toString()
        .split('\n')
        .filter((l) => l !== '').length;
      if (lines !== t.updates + 2) throw new Error(`${shape}: ${lines} lines, expected ${t.updates + 2} (2 OPENs)`);
      const got = new Map<string, Timing[]>(tools.map((x) => [x.name, []]));
      for (let r = 0; r < runs; r++) {
        for (const tool of tools) {
          const tm = timeRun(tool.argv(file));
          got.get(tool.name)!.push(tm);
          console.log(
            `  ${shape} run ${r + 1}: ${tool.name}: ${tm.wall.toFixed(2)} s wall, ${tm.cpu.toFixed(2)} s CPU`,
          );
        }
      }
      const ours = median(got.get('vroute decode')!.map((x) => x.wall));
      for (const tool of tools) {
        const ts = got.get(tool.name)!;
        const wall = median(ts.map((x) => x.wall));
        const row =
          `| ${shape} | ${fmt(t.prefixes)} | ${fmt(t.updates)} | ${fmt(t.bytes.length / 1e6)} | ${tool.name} | ` +
          `${wall.toFixed(2)} s | ${median(ts.map((x) => x.cpu)).toFixed(2)} s | ${median(ts.map((x) => x.rssMiB)).toFixed(0)} MiB | ` +
          `${(wall / ours).toFixed(1)}x |`;
        console.log(row);
        rows.push(row);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): void {
  const lines: string[] = [];
  const codec = !process.argv.includes('--capture-only');
  for (const [n, store] of codec
    ? ([
        [10_000, true],
        [100_000, true],
        [1_000_000, true],
        [1_000_000, false],
      ] as const)
    : []) {
    const r = bench(n, store);
    const line =
      `| ${store ? 'all stages' : 'codec only (no table)'} | ${fmt(n)} | ${r.messages} | ${fmt(r.bytes / 1e6)} | ${fmt(r.seconds * 1e3)} | ` +
      `${fmt(n / r.seconds / 1e6)} M | ${fmt(r.bytes / r.seconds / 1e6)} |`;
    console.log(line);
    lines.push(line);
  }
  const runs = Number(argValue('--runs') ?? 3);
  const baseline = argValue('--baseline');
  const rows = captureBench(
    runs,
    baseline === undefined ? undefined : path.resolve(baseline),
    !process.argv.includes('--no-tshark'),
  );
  if (process.argv.includes('--write')) {
    if (codec) writeResults(lines);
    writeCaptureResults(rows, runs, baseline);
  }
}

function machine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? '?';
  const tsharkVersion =
    spawnSync('tshark', ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? 'tshark missing';
  const load = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  return (
    `${execSync('nproc').toString().trim()} CPUs (\`nproc\`), ${cpu}; node ${process.version}; ${tsharkVersion}; ` +
    `${new Date().toISOString().slice(0, 16)}Z; load average at the end ${load}.`
  );
}

function replaceSection(title: string, section: string): void {
  const file = path.join(repoRoot(), 'bench', 'RESULTS.md');
  let text = readFileSync(file, 'utf8');
  const at = text.indexOf(`${title}\n`);
  if (at >= 0) {
    const next = text.indexOf('\n## ', at + 1);
    text = text.slice(0, at) + section + (next >= 0 ? text.slice(next + 1) : '');
  } else {
    text = `${text.trimEnd()}\n\n${section}`;
  }
  writeFileSync(file, text);
}

function writeCaptureResults(rows: string[], runs: number, baseline: string | undefined): void {
  replaceSection(
    '## decode vs tshark',
    [
      '## decode vs tshark',
      '',
      `Machine: ${machine()}`,
      '`vroute decode FILE > /dev/null` (node bin/vroute, start-up included) and `tshark -r FILE -T ek > /dev/null` on',
      'the same synthetic full-table captures (bench/decode/full-table.ts: one eBGP session, 1,000,000 IPv4 + 100,000',
      'IPv6 prefixes, 4-octet AS, loopback-sized TCP segments; `table`: 1-16 prefixes per attribute set, as in a real',
      'table; `packed`: full 4096-octet UPDATEs). Every tool runs once per round, rounds interleaved;',
      `medians of ${runs} (wall, user+sys CPU and max RSS from GNU time).` +
        (baseline ? ` \`${path.basename(baseline)}\`: the same command from ${baseline}.` : ''),
      '`npm run bench -- decode --write`.',
      '',
      '| capture | prefixes | UPDATEs | MB | tool | wall | CPU | max RSS | wall / vroute |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
    ].join('\n'),
  );
}

function writeResults(lines: string[]): void {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? '?';
  replaceSection(
    '## decode',
    [
      '## decode',
      '',
      `Machine: ${execSync('nproc').toString().trim()} CPUs (\`nproc\`), ${cpu}; node ${process.version}; ${new Date().toISOString().slice(0, 16)}Z.`,
      'Framing (MessageFramer over 64 KiB chunks) + decodeUpdate + interning the attribute set',
      "(the RIB's AttrStore, as ingest does: 4 distinct sets) + inserting every /24 into an open-addressing table over",
      'typed arrays. 4-octet AS context, 4096-octet messages packed by packAnnouncements. Median of',
      'several runs after a warm-up, one core. `npx tsx bench/decode/run.ts --write`.',
      '',
      '| stages | prefixes | UPDATEs | MB | ms | prefixes/s | MB/s |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...lines,
      '',
      'Profile (`node --cpu-prof`, whole run, 2026-11-25): ~55% of samples in forEachIpv4 with the',
      'table insert inlined into it (random probes into a 2M-slot table: cache misses grow with N,',
      'hence 10k > 100k > 1M rates), ~6% GC; decodeUpdate, countNlri and the framer ~2%. The',
      '"codec only" row (same walk, prefixes counted, not stored) shows the codec itself runs an',
      'order of magnitude faster than the table: the integer table is the bottleneck.',
      '',
    ].join('\n'),
  );
}

main();
