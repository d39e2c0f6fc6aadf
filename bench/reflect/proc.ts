// Child processes for the benchmarks: spawn with output to a log file, CPU seconds and peak
// RSS read from /proc (Linux), bounded waits, and stop by PID (SIGTERM, then SIGKILL).
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync, readdirSync, closeSync } from 'node:fs';
import * as net from 'node:net';

/** Linux USER_HZ; /proc/PID/stat utime and stime are in these ticks. */
const CLK_TCK = 100;

export function spawnLogged(cmd: string, args: string[], log: string, env?: NodeJS.ProcessEnv): ChildProcess {
  const fd = openSync(log, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], ...(env ? { env } : {}) });
  closeSync(fd);
  return child;
}

/** utime + stime of PID in seconds (fields 14 and 15 of /proc/PID/stat), or NaN once gone. */
export function cpuSeconds(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** Peak resident set (VmHWM) of PID in MiB, or NaN once gone. */
export function peakRssMiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Parent PID of PID (field 4 of /proc/PID/stat), or NaN once gone. */
function parentPid(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return NaN;
  }
}

/**
 * PID and all its descendants, found by scanning /proc for parent links (this kernel has no
 * /proc/PID/task/TID/children). Multi-process daemons (OpenBGPD: parent, session engine,
 * route decision engine, RTR process) are measured as the sum over this set.
 */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (/^\d+$/.test(name)) parents.set(Number(name), parentPid(Number(name)));
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

/** Sum of cpuSeconds over PIDS (NaN if any is gone: a process died mid-measurement). */
export const sumCpuSeconds = (pids: number[]): number => pids.reduce((a, p) => a + cpuSeconds(p), 0);

/**
 * Sum of each process's own peak RSS over PIDS, in MiB. An upper bound of the set's peak
 * together (the peaks need not coincide, and shared library pages count once per process).
 */
export const sumPeakRssMiB = (pids: number[]): number => pids.reduce((a, p) => a + peakRssMiB(p), 0);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `ok` every `everyMs` until true or `timeoutMs` passes; returns whether it became true. */
export async function waitFor(ok: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await ok()) return true;
    if (Date.now() >= end) return false;
    await sleep(everyMs);
  }
}

/** SIGTERM, up to `graceMs` for the exit, then SIGKILL. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = new Promise<boolean>((r) => setTimeout(() => r(false), graceMs).unref());
  if (await Promise.race([exited.then(() => true), timer])) return;
  child.kill('SIGKILL');
  await Promise.race([exited, sleep(2000)]);
}

/** A TCP port free on `host` right now (the kernel picks it). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host, port: 0 }, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Accepts TCP on host:port? (the daemon's listener is up) */
export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
