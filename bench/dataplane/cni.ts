// bench/dataplane, the CNI part: `vroute-cni ADD` and `DEL` exec'd as a runtime does (the
// bin itself, CNI_* variables, the network config on stdin), from inside a network
// namespace of our own standing in for the node (the parent makes and deletes it), on
// container namespaces made here and deleted after. Where the time goes: a bare `node` start,
// the plugin answering VERSION (start-up and module loading, no work), what its module graph
// loads, and the processes one ADD starts (strace, when installed).
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, __filename.endsWith('.js') ? '../../..' : '../..');
const CNI_BIN = path.join(ROOT, 'bin', 'vroute-cni');
const VROUTE = path.join(ROOT, 'bin', 'vroute');
const NETWORK = 'bench-net';
const POOL = '10.66.0.0/16';

export interface CniResult {
  datastore: string;
  adds: number[];
  dels: number[];
  nodeBare: number[];
  version: number[];
  /** CPU milliseconds (user + system, the process and its children) of each run, same order. */
  cpu: { adds: number[]; dels: number[]; nodeBare: number[]; version: number[] };
  /** Milliseconds to require the plugin's entry (`entry`), and the packages loaded once its datastore is read. */
  requireMs: number;
  entry?: string;
  heavy: string[];
  /** Files in the require cache after that (ours and packages'). */
  modules: number;
  /** Milliseconds to require the `etcd3` package (etcd rows only; the daemons' client, not the plugin's). */
  etcd3Ms?: number;
  /** Processes one ADD started (execve by the plugin and its children), undefined without strace. */
  execs?: string[];
}

/** CPU milliseconds of waited-for children (cutime + cstime of /proc/self/stat, 10 ms ticks). */
function childCpuMs(): number {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[13]) + Number(f[14])) * 10;
}

function timeSpawn(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input: string,
  cpu?: number[],
): { ms: number; out: string; code: number | null } {
  const c0 = childCpuMs();
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { env, input, encoding: 'utf8', timeout: 30_000 });
  const ms = performance.now() - t0;
  cpu?.push(childCpuMs() - c0);
  return { ms, out: r.stdout, code: r.status };
}

const vars = (cmd: string, id: string, ns?: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  CNI_COMMAND: cmd,
  CNI_CONTAINERID: id,
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
  ...(ns ? { CNI_NETNS: `/run/netns/${ns}` } : {}),
});

async function startEtcd(dir: string): Promise<{ url: string; proc: ChildProcess }> {
  // Inside our own namespace: 127.0.0.1 and these ports are private to it.
  const proc = spawn(
    'etcd',
    [
      '--name',
      'b',
      '--data-dir',
      path.join(dir, 'etcd'),
      '--listen-client-urls',
      'http://127.0.0.1:2379',
      '--advertise-client-urls',
      'http://127.0.0.1:2379',
      '--listen-peer-urls',
      'http://127.0.0.1:2380',
      '--log-level',
      'error',
      '--logger',
      'zap',
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((r) => {
      const s = net.connect(2379, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (up) return { url: 'etcd://127.0.0.1:2379', proc };
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error('etcd did not listen within 10 s');
}

function countExecs(id: string, ns: string, conf: string): string[] | undefined {
  if (!['/usr/bin/strace', '/bin/strace'].some((p) => existsSync(p))) return undefined;
  const log = path.join(os.tmpdir(), `vr-dpbench-strace-${process.pid}`);
  try {
    spawnSync('strace', ['-f', '-qq', '-e', 'trace=execve', '-e', 'signal=none', '-o', log, CNI_BIN], {
      env: vars('ADD', id, ns),
      input: conf,
      encoding: 'utf8',
      timeout: 60_000,
    });
    return readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => /execve\(.*= 0$/.test(l))
      .map((l) => /execve\("([^"]+)"/.exec(l)?.[1] ?? '?');
  } finally {
    rmSync(log, { force: true });
  }
}

export async function runCni(count: number, store: 'embedded' | 'etcd'): Promise<CniResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vr-dpbench-cni-'));
  const made: string[] = [];
  let etcd: ChildProcess | undefined;
  try {
    let url = `embedded:${path.join(dir, 'store.json')}`;
    if (store === 'etcd') ({ url, proc: etcd } = await startEtcd(dir));
    const vr = (args: string[], input?: string): void => {
      const r = spawnSync(process.execPath, [VROUTE, ...args, '--datastore', url], {
        input,
        encoding: 'utf8',
        timeout: 30_000,
      });
      if (r.status !== 0) throw new Error(`vroute ${args.join(' ')}: ${r.stderr}`);
    };
    vr(['apply', '-f', '-'], `apiVersion: vroute/v1\nkind: IPPool\nmetadata: {name: bench}\nspec: {cidr: ${POOL}}\n`);
    vr(['profile', 'add', NETWORK]);
    const conf = JSON.stringify({
      cniVersion: '1.0.0',
      name: NETWORK,
      type: 'vroute-cni',
      datastore: url,
      nodename: 'bench',
      ipam: { pool: POOL },
    });
    const res: CniResult = {
      datastore: store,
      adds: [],
      dels: [],
      nodeBare: [],
      version: [],
      requireMs: 0,
      heavy: [],
      modules: 0,
      cpu: { adds: [], dels: [], nodeBare: [], version: [] },
    };
    for (let i = 0; i < count; i++) {
      res.nodeBare.push(timeSpawn(process.execPath, ['-e', '0'], {}, '', res.cpu.nodeBare).ms);
      const v = timeSpawn(CNI_BIN, [], vars('VERSION', 'x'), '{"cniVersion":"1.0.0"}', res.cpu.version);
      if (v.code !== 0) throw new Error(`VERSION: ${v.out}`);
      res.version.push(v.ms);
    }
    // What the bin loads (the one-file bundle of `npm run build` when fresh, else the compiled
    // modules), then the datastore opened and read as the plugin does: which packages come in.
    const bundle = path.join(ROOT, 'dist/cni/vroute-cni.js');
    const modules = path.join(ROOT, 'dist/src/cni/cni-main.js');
    const mtime = (f: string): number => (existsSync(f) ? statSync(f).mtimeMs : -1);
    const entry = mtime(bundle) >= mtime(modules) ? bundle : modules;
    const probe = spawnSync(
      process.execPath,
      [
        '-e',
        `const t=performance.now();require(${JSON.stringify(entry)});` +
          'const ms=performance.now()-t;const modules=Object.keys(require.cache).length;' +
          `const ds=require(${JSON.stringify(path.join(ROOT, 'dist/src/datastore/open.js'))})` +
          `.openDatastore(${JSON.stringify(url)},process.env,{shortLived:true});` +
          "ds.list('/vroute/v1/').then(()=>ds.close()).then(()=>{const ks=Object.keys(require.cache);" +
          'const heavy=[...new Set(ks.map((k)=>/node_modules[/]((@[^/]+[/])?[^/]+)/.exec(k)?.[1]).filter(Boolean))];' +
          'console.log(JSON.stringify({ms,heavy,modules}))})',
      ],
      { encoding: 'utf8' },
    );
    const p = JSON.parse(probe.stdout) as { ms: number; heavy: string[]; modules: number };
    res.requireMs = p.ms;
    res.modules = p.modules;
    res.heavy = p.heavy;
    res.entry = path.relative(ROOT, entry);
    if (store === 'etcd') {
      // What the etcd3 (gRPC) client would cost on top: the daemons' client, not the plugin's.
      const e = spawnSync(
        process.execPath,
        [
          '-e',
          `const t=performance.now();require(require.resolve('etcd3',{paths:[${JSON.stringify(ROOT)}]}));` +
            'console.log(performance.now()-t)',
        ],
        { encoding: 'utf8' },
      );
      res.etcd3Ms = Number(e.stdout.trim());
    }
    const ids: [string, string][] = [];
    for (let i = 0; i < count; i++) {
      const ns = `vrc-dpb${process.pid}-${i}`;
      execFileSync('ip', ['netns', 'add', ns]);
      made.push(ns);
      const id = `c${i}`;
      const r = timeSpawn(CNI_BIN, [], vars('ADD', id, ns), conf, res.cpu.adds);
      if (r.code !== 0) throw new Error(`ADD ${id}: ${r.out}`);
      res.adds.push(r.ms);
      ids.push([id, ns]);
    }
    for (const [id, ns] of ids) {
      const r = timeSpawn(CNI_BIN, [], vars('DEL', id, ns), conf, res.cpu.dels);
      if (r.code !== 0) throw new Error(`DEL ${id}: ${r.out}`);
      res.dels.push(r.ms);
    }
    // One more ADD under strace (not timed): which processes it starts.
    const ns = `vrc-dpb${process.pid}-s`;
    execFileSync('ip', ['netns', 'add', ns]);
    made.push(ns);
    res.execs = countExecs('traced', ns, conf);
    spawnSync(CNI_BIN, [], { env: vars('DEL', 'traced', ns), input: conf });
    return res;
  } finally {
    for (const ns of made) spawnSync('ip', ['netns', 'del', ns]);
    if (etcd && etcd.exitCode === null) etcd.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
