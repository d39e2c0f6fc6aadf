// The README's "Two hosts on one machine" walk-through, run as written: its shell blocks are
// taken from README.md (not copied here) and run with bash from the repository root, all but
// the last in one shell (as a reader pastes them), then the test checks what the reader
// should see: the quick-start reflector (in namespace rr1) has both agents as Established
// clients, each agent's kernel holds the other's block (protocol 200) via the other host and a
// blackhole for its own, and the workload addresses ping each other both ways. Then the last
// block cleans up, and the daemons, namespaces and datastore entries must be gone. The README
// uses fixed names (namespaces lan, rr1, alpha, beta; /tmp/vroute-*.pid): the test skips when
// those namespaces exist, and cleans up in `finally` whatever the walk-through left (daemons by
// the PIDs it wrote). The datastore is a temp dir (VROUTE_DATA_DIR).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, skipReason } from '../helpers/env';

const NAMESPACES = ['alpha', 'beta', 'rr1', 'lan'];
const DAEMONS = ['rr1', 'alpha', 'beta'];
const pidFile = (d: string) => `/tmp/vroute-${d}.pid`;
const logFile = (d: string) => `/tmp/vroute-${d}.log`;

/** The ```sh blocks of the README section titled `title`, in order. */
function shellBlocks(title: string): string[] {
  const md = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const start = md.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no section "## ${title}"`);
  const end = md.indexOf('\n## ', start + 1);
  const section = md.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

function namespacesTaken(): string | false {
  try {
    const list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    const taken = NAMESPACES.filter((n) => new RegExp(`^${n}( |$)`, 'm').test(list));
    return taken.length > 0
      ? `skipped: the README's namespaces exist already (${taken.join(', ')}); delete them to run this`
      : false;
  } catch {
    return false; // skipReason('netns') says why
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(d: string): number | undefined {
  const f = pidFile(d);
  const pid = existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : Number.NaN;
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/** The session lines of `vroute status` tables: peer -> state. */
function sessionStates(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const [, peer, state] of out.matchAll(/^(10\.0\.0\.\d+)\s+\d+\s+(\w+)/gm)) m.set(peer!, state!);
  return m;
}

const skip = skipReason('netns') || namespacesTaken();

test('README "Two hosts on one machine": the quick-start reflector in a namespace reflects two agents\' blocks into each other\'s kernel, their workloads ping both ways; the clean-up leaves nothing', {
  skip,
  timeout: 240_000,
}, () => {
  const blocks = shellBlocks('Two hosts on one machine');
  assert.equal(blocks.length, 5, 'hosts, datastore, daemons, ping, clean-up');
  assert.match(
    blocks[2]!,
    /vroute reflector --config examples\/reflector-netns\.yaml/,
    "the quick-start reflector's command",
  );
  assert.doesNotMatch(blocks.join('\n'), /nodeToNodeMesh: true/);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vr-readme-'));
  const env = { ...process.env, VROUTE_DATA_DIR: dataDir };
  const bash = (script: string): string =>
    execFileSync('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: REPO_ROOT,
      env,
      encoding: 'utf8',
      timeout: 150_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const vroute = (...args: string[]) =>
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'vroute'), ...args], { env, encoding: 'utf8' });
  let pids: number[] = [];
  try {
    let out: string;
    try {
      // The reader's shell: blocks 1-4; then the two variables they set, for the clean-up.
      out = bash(`${blocks.slice(0, 4).join('\n')}\necho "VARS A=$A B=$B"\n`);
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      const logs = DAEMONS.map((d) => (existsSync(logFile(d)) ? readFileSync(logFile(d), 'utf8').slice(-2000) : ''));
      throw new Error(
        `${err.message}\nstdout: ${err.stdout ?? ''}\nstderr: ${err.stderr ?? ''}\n${logs.join('\n----\n')}`,
      );
    }
    pids = DAEMONS.map((d) => readPid(d)).filter((p): p is number => p !== undefined);
    assert.equal(pids.length, 3, 'the reflector and both agents wrote their PIDs');
    const vars = /VARS A=(\S+) B=(\S+)/.exec(out);
    assert.ok(vars, out);
    const [a, b] = [vars[1]!, vars[2]!];
    assert.deepEqual([a, b], ['10.233.0.1', '10.233.0.64'], "each host's first address in its own block");

    // What the reader sees: the reflector's status (both clients), alpha's (the reflector
    // only: the mesh is off) and both pings' summaries.
    const shown = sessionStates(out);
    for (const peer of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) assert.equal(shown.get(peer), 'Established', out);
    assert.match(out, /FIB\s+installed 2\s+pending 0\s+failed 0/, 'the other block and our blackhole');
    assert.equal(out.match(/3 packets transmitted, 3 received/g)?.length, 2, out);

    // The same through the APIs, as JSON: the agents peer with the reflector alone.
    for (const [ns, peers] of [
      ['rr1', ['10.0.0.2', '10.0.0.3']],
      ['alpha', ['10.0.0.1']],
      ['beta', ['10.0.0.1']],
    ] as const) {
      const s = JSON.parse(
        execFileSync('ip', ['netns', 'exec', ns, process.execPath, 'bin/vroute', 'status', '-o', 'json'], {
          cwd: REPO_ROOT,
          env,
          encoding: 'utf8',
        }),
      ) as { asn: number; sessions: { peer: string; state: string; asn: number }[] };
      assert.equal(s.asn, 65000, ns);
      assert.deepEqual(
        s.sessions.map((x) => [x.peer, x.state, x.asn]).sort(),
        peers.map((p) => [p, 'Established', 65000]),
        `${ns}'s sessions`,
      );
    }
    const routes = (ns: string) =>
      execFileSync('ip', ['-n', ns, '-4', 'route', 'show', 'proto', '200'], { encoding: 'utf8' });
    assert.match(routes('alpha'), /^10\.233\.0\.64\/26 nhid 200000001 via 10\.0\.0\.3 dev eth0/m);
    assert.match(routes('alpha'), /^blackhole 10\.233\.0\.0\/26/m);
    assert.match(routes('beta'), /^10\.233\.0\.0\/26 nhid 200000001 via 10\.0\.0\.2 dev eth0/m);
    assert.match(routes('beta'), /^blackhole 10\.233\.0\.64\/26/m);
    assert.equal(routes('rr1'), '', 'the reflector installs nothing');
    assert.match(vroute('get', 'node', '-o', 'json'), /alpha[\s\S]*beta|beta[\s\S]*alpha/);

    // The clean-up block, in a shell that has the walk-through's A and B.
    bash(`A=${a}\nB=${b}\n${blocks[4]}`);
    const list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const n of NAMESPACES) assert.doesNotMatch(list, new RegExp(`^${n}( |$)`, 'm'), `namespace ${n} deleted`);
    for (const pid of pids) assert.ok(!alive(pid), `daemon ${pid} stopped`);
    for (const d of DAEMONS) assert.ok(!existsSync(pidFile(d)), `${pidFile(d)} removed`);
    assert.doesNotMatch(vroute('get', 'node', '-o', 'json'), /alpha|beta/, 'the nodes are gone from the datastore');
    assert.doesNotMatch(vroute('get', 'bgpconfiguration', '-o', 'json'), /default/, 'the BGPConfiguration is gone');
    assert.doesNotMatch(vroute('get', 'ippool', '-o', 'json'), /demo/, 'the pool is gone');
    assert.doesNotMatch(vroute('get', 'ipamblock', '-o', 'json'), /10\.233/, 'the blocks are gone');
    const keys = Object.keys(
      (JSON.parse(readFileSync(path.join(dataDir, 'datastore.json'), 'utf8')) as { keys: object }).keys,
    );
    assert.deepEqual(
      keys.filter((k) => !k.startsWith('/vroute/v1/status/')),
      [],
      "only the daemons' last status records stay (the reflector's registration went with it)",
    );
  } finally {
    // Whatever the walk-through left behind: its daemons (by the PIDs it wrote), namespaces, files.
    for (const d of DAEMONS) {
      const pid = readPid(d);
      if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(pidFile(d), { force: true });
    }
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    for (const n of NAMESPACES) {
      try {
        execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
      } catch {
        /* gone */
      }
    }
    for (const d of DAEMONS) rmSync(logFile(d), { force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
});
