// OpenBGPD (Debian's openbgpd 7.7) as a bench/reflect reflector. `bgpd -d -f FILE` stays in
// the foreground and logs to stderr; its parent process starts a session engine, a route
// decision engine and an RTR process, so the bench measures the whole process tree (run.ts).
// bgpd drops privileges to the _openbgpd user and chroots to its home, /run/openbgpd, which
// systemd would create (RuntimeDirectory=); outside systemd we create it when it is missing
// and remove it afterwards if we made it. The control socket lives in the trial's temp dir.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { openbgpdReflector, type Layout } from './configs';
import { canConnect, processTree, sleep, spawnLogged, stopChild, waitFor } from './proc';

export const OPENBGPD = '/usr/sbin/bgpd';
/** The _openbgpd user's home (sysusers.d/openbgpd.conf): bgpd's chroot. */
const CHROOT = '/run/openbgpd';

export interface OpenBgpd {
  child: ChildProcess;
  /** The parent and every process it started (session engine, RDE, RTR), looked up now. */
  pids(): number[];
  /** Stops the parent by PID (SIGTERM: Cease to every peer), then any child it left behind. */
  stop(): Promise<void>;
}

/** Writes DIR/bgpd.conf, checks it with `bgpd -n`, starts bgpd and waits for its listener. */
export async function startOpenbgpd(l: Layout, dir: string, log: string): Promise<OpenBgpd> {
  const conf = path.join(dir, 'bgpd.conf');
  writeFileSync(conf, openbgpdReflector(l, path.join(dir, 'bgpd.sock')));
  const check = spawnSync(OPENBGPD, ['-n', '-f', conf], { encoding: 'utf8', timeout: 10000 });
  if (check.status !== 0) throw new Error(`bgpd -n rejected the config: ${check.stderr}${check.stdout}`);
  const madeChroot = !existsSync(CHROOT);
  if (madeChroot) mkdirSync(CHROOT, { mode: 0o755 });
  const child = spawnLogged(OPENBGPD, ['-d', '-f', conf], log);
  let helpers: number[] = [];
  const stop = async (): Promise<void> => {
    // The helpers are looked up while the parent still lives (afterwards they are orphans).
    helpers = child.pid !== undefined ? processTree(child.pid).slice(1) : [];
    await stopChild(child);
    for (let i = 0; i < 50 && helpers.some(alive); i++) await sleep(100);
    for (const pid of helpers.filter(alive)) process.kill(pid, 'SIGKILL');
    if (madeChroot) {
      try {
        rmdirSync(CHROOT);
      } catch {
        /* not empty or already gone: leave it */
      }
    }
  };
  if (!(await waitFor(() => child.exitCode === null && canConnect('127.0.0.1', l.port), 15000, 50))) {
    await stop();
    throw new Error(`OpenBGPD did not start: ${readFileSync(log, 'utf8').slice(-1500)}`);
  }
  return { child, pids: () => processTree(child.pid!), stop };
}

/** Whether PID still exists (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
