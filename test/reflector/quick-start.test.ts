// The README's quick start as a new user walks it, with the very files it names: the reflector
// on examples/reflector.yaml, then BIRD on examples/bird-client.conf, then `vroute status`,
// `vroute routes`. First the mistake a new user makes (BIRD's default next hop, its own
// loopback address): the session is up, 3 received, 0 accepted, and `vroute routes --rejected`
// and the log say why, where this used to be a silent 0/0/0. Then the example file as shipped:
// the three routes appear. It runs in a namespace of its own so the example's fixed ports
// (1179, 8179, 11179) are free, and with VROUTE_DATA_DIR in a temp dir so the embedded
// datastore is not the host's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, skipReason } from '../helpers/env';
import { Netns, waitFor } from '../helpers/netns';
import { VROUTE_BIN } from '../helpers/vroute';

const RR_CONF = path.join(REPO_ROOT, 'examples', 'reflector.yaml');
const BIRD_CONF = path.join(REPO_ROOT, 'examples', 'bird-client.conf');

interface Proc {
  child: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

function start(ns: Netns, cmd: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = ns.spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let log = '';
  const keep = (b: Buffer): void => {
    log = (log + b.toString()).slice(-50_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    log: () => log,
    stop: async () => {
      if (!running()) return;
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 5000).unref())]);
      if (running()) {
        child.kill('SIGKILL');
        await gone;
      }
    },
  };
}

test("quick start: a BIRD client with a loopback next hop shows 3/0 and why; the example client's routes appear", {
  skip: skipReason('netns', 'bird'),
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-qs-'));
  const ns = Netns.create(`vrqs${process.pid}`);
  const env = { ...process.env, VROUTE_DATA_DIR: dir };
  const procs: Proc[] = [];
  const vroute = (...args: string[]): string => ns.exec(process.execPath, [VROUTE_BIN, ...args]);
  try {
    // Shell 1: `./bin/vroute reflector --config examples/reflector.yaml` (what `npm start` runs).
    const rr = start(ns, process.execPath, [VROUTE_BIN, 'reflector', '--config', RR_CONF], env);
    procs.push(rr);
    await waitFor('the reflector API', () => (vroute('status').includes('rr1') ? true : undefined), 20_000, 200).catch(
      (e) => {
        throw new Error(`${(e as Error).message}\n${rr.log()}`);
      },
    );

    // Shell 2, the new user's first try: BIRD as it would export by default (its own
    // 127.0.0.2 as NEXT_HOP: the example without its bgp_next_hop line).
    const birdConf = path.join(dir, 'bird.conf');
    const example = readFileSync(BIRD_CONF, 'utf8');
    assert.match(example, /bgp_next_hop = 198\.51\.100\.10;/);
    writeFileSync(birdConf, example.replace(/^.*bgp_next_hop = .*\n/m, ''));
    const sock = path.join(dir, 'bird.ctl');
    const bird = start(ns, 'bird', ['-f', '-c', birdConf, '-s', sock], env);
    procs.push(bird);
    const statusLine = () =>
      vroute('status')
        .split('\n')
        .find((l) => l.startsWith('127.0.0.2')) ?? '';
    const line = await waitFor(
      '3 received, 0 accepted',
      () => (/Established\s+\S+\s+3\/0\/0/.test(statusLine()) ? statusLine() : undefined),
      30_000,
      250,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\nstatus: ${statusLine()}\n${bird.log()}\n${rr.log().slice(-3000)}`);
    });
    assert.match(line, /^127\.0\.0\.2\s+65000\s+Established/);
    assert.doesNotMatch(vroute('routes'), /10\.10\./, 'nothing in the Loc-RIB');
    const rejected = vroute('routes', '--rejected');
    const rows = rejected.split('\n').filter((l) => l.startsWith('10.10.'));
    assert.equal(rows.length, 3, rejected);
    for (const r of rows) assert.match(r, /^10\.10\.[123]\.0\/24\s+127\.0\.0\.2\s+unusable NEXT_HOP 127\.0\.0\.2/);
    // ... and the log says so at info, naming the peer, the prefix and the reason.
    // (The sync execs above keep this process from reading the daemon's stderr: give it turns.)
    const infoLines = () =>
      rr
        .log()
        .split('\n')
        .filter((l) => l.includes('"level":30') && l.includes('path received and not accepted'));
    await waitFor('the info line', () => (infoLines().length > 0 ? true : undefined), 5000, 100).catch(() => undefined);
    const info = infoLines();
    assert.ok(
      info.length >= 1 && info.length <= 5,
      `rate-limited info lines: ${info.length}\n${rr.log().slice(-3000)}`,
    );
    assert.match(info[0]!, /"peer":"127\.0\.0\.2".*"prefix":"10\.10\.[123]\.0\/24".*unusable NEXT_HOP 127\.0\.0\.2/);

    // The README's fix: the example file as shipped (a usable next hop), `birdc configure`.
    writeFileSync(birdConf, example);
    execFileSync('ip', ['netns', 'exec', ns.name, 'birdc', '-s', sock, 'configure'], { encoding: 'utf8' });
    await waitFor(
      '3 routes in `vroute routes`',
      () => {
        const rs = JSON.parse(vroute('routes', '-o', 'json')) as Array<{
          prefix: string;
          nextHop: string;
          from: string;
        }>;
        return rs.length === 3 ? rs : undefined;
      },
      30_000,
      250,
    ).then((rs) => {
      assert.deepEqual(rs.map((r) => r.prefix).sort(), ['10.10.1.0/24', '10.10.2.0/24', '10.10.3.0/24']);
      for (const r of rs) assert.deepEqual([r.nextHop, r.from], ['198.51.100.10', '127.0.0.2']);
    });
    // Received 3, accepted 3, advertised 0: its own routes never go back to it (RFC 4456).
    await waitFor('3/3/0', () => (/Established\s+\S+\s+3\/3\/0/.test(statusLine()) ? true : undefined), 10_000, 250);
    assert.doesNotMatch(vroute('routes', '--rejected'), /10\.10\./);
  } finally {
    for (const p of procs.reverse()) await p.stop();
    ns.delete();
    rmSync(dir, { recursive: true, force: true });
  }
});
