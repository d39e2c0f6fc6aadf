// The README's "Two hosts on one machine" walk-through, run as written: its shell blocks are
// taken from README.md (not copied here) and run with bash from the repository root, all but
// the last in one shell (as a reader pastes them), then the test checks what the reader
// should see: each namespace's kernel holds the other's block (protocol 200) and a blackhole
// for its own, and the workload addresses ping each other. Then the last block cleans up, and
// the agents and namespaces must be gone. The README uses fixed names (namespaces `alpha` and
// `beta`, /tmp/vroute-*.pid): the test skips when those namespaces exist, and cleans up in
// `finally` whatever the walk-through left. The datastore is a temp dir (VROUTE_DATA_DIR).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, skipReason } from '../helpers/env';

const NAMESPACES = ['alpha', 'beta'];
const PID_FILES = ['/tmp/vroute-alpha.pid', '/tmp/vroute-beta.pid'];

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

const skip = skipReason('netns') || namespacesTaken();

test('README "Two hosts on one machine": two agents in namespaces learn each other\'s blocks into the kernel and their workloads ping; the clean-up leaves nothing', {
  skip,
  timeout: 180_000,
}, () => {
  const blocks = shellBlocks('Two hosts on one machine');
  assert.equal(blocks.length, 5, 'links, addresses, agents, ping, clean-up');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vr-readme-'));
  const env = { ...process.env, VROUTE_DATA_DIR: dataDir };
  const bash = (script: string): string =>
    execFileSync('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: REPO_ROOT,
      env,
      encoding: 'utf8',
      timeout: 120_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  let pids: number[] = [];
  try {
    let out: string;
    try {
      // The reader's shell: blocks 1-4; then the two variables they set, for the clean-up.
      out = bash(`${blocks.slice(0, 4).join('\n')}\necho "VARS A=$A B=$B"\n`);
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      const logs = ['alpha', 'beta']
        .map((n) =>
          existsSync(`/tmp/vroute-${n}.log`) ? readFileSync(`/tmp/vroute-${n}.log`, 'utf8').slice(-2000) : '',
        )
        .join('\n----\n');
      throw new Error(`${err.message}\nstdout: ${err.stdout ?? ''}\nstderr: ${err.stderr ?? ''}\n${logs}`);
    }
    pids = PID_FILES.map((f) => Number(readFileSync(f, 'utf8').trim()));
    const vars = /VARS A=(\S+) B=(\S+)/.exec(out);
    assert.ok(vars, out);
    const [a, b] = [vars[1]!, vars[2]!];
    assert.deepEqual([a, b], ['10.233.0.1', '10.233.0.64'], "each host's first address in its own block");
    // What the reader sees: the status line and both pings' summaries.
    assert.match(out, /192\.0\.2\.2\s+64512\s+Established/);
    assert.match(out, /FIB\s+installed 2\s+pending 0\s+failed 0/, 'the other block and our blackhole');
    assert.equal(out.match(/3 packets transmitted, 3 received/g)?.length, 2, out);
    const routes = (ns: string) =>
      execFileSync('ip', ['-n', ns, '-4', 'route', 'show', 'proto', '200'], { encoding: 'utf8' });
    assert.match(routes('alpha'), /^10\.233\.0\.64\/26 via 192\.0\.2\.2 dev vr-alpha/m);
    assert.match(routes('alpha'), /^blackhole 10\.233\.0\.0\/26/m);
    assert.match(routes('beta'), /^10\.233\.0\.0\/26 via 192\.0\.2\.1 dev vr-beta/m);
    assert.match(routes('beta'), /^blackhole 10\.233\.0\.64\/26/m);

    // The clean-up block, in a shell that has the walk-through's A and B.
    bash(`A=${a}\nB=${b}\n${blocks[4]}`);
    const list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const n of NAMESPACES) assert.doesNotMatch(list, new RegExp(`^${n}( |$)`, 'm'), `namespace ${n} deleted`);
    for (const pid of pids) assert.ok(!alive(pid), `agent ${pid} stopped`);
    const left = execFileSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'vroute'), 'get', 'node', '-o', 'json'], {
      env,
      encoding: 'utf8',
    });
    assert.doesNotMatch(left, /alpha|beta/, 'the nodes are gone from the datastore');
  } finally {
    // Whatever the walk-through left behind: its agents (by the PIDs it wrote), namespaces, files.
    for (const f of PID_FILES) {
      const pid = existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : NaN;
      if (Number.isInteger(pid) && pid > 1 && alive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(f, { force: true });
    }
    for (const n of NAMESPACES) {
      try {
        execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
      } catch {
        /* gone */
      }
    }
    for (const n of NAMESPACES) rmSync(`/tmp/vroute-${n}.log`, { force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
});
