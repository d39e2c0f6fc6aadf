// Parent side of fib-child.ts: start it in a namespace and talk to it by request/answer; and
// what the kernel FIB tests (fib.test.ts, fib-nexthop.test.ts) share: routes to set, a lab
// namespace per test, and `ip monitor` in it.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { createLab, type Lab, type Netns } from '../helpers/netns';
import type { FibRoute } from '../../src/node/fib';

/** Sink options for the tests: no periodic re-read of the table. */
export const OPTS = { scanSeconds: 0 };

export const uni = (prefix: string, ...gws: string[]): FibRoute => ({
  prefix,
  kind: 'unicast',
  nextHops: gws.map((gateway) => ({ gateway })),
});
export const hole = (prefix: string): FibRoute => ({ prefix, kind: 'blackhole', nextHops: [] });

/**
 * Host 0 of a two-host lab (192.0.2.1/24 and 2001:db8::1/64 on vr0) for `fn`, with `open()`
 * starting sink children in it; children ended and the lab removed after, whatever happens.
 */
export async function withFib(
  labName: string,
  fn: (ns: Netns, open: () => Promise<FibChild>) => Promise<void>,
): Promise<void> {
  const lab: Lab = createLab(2, labName);
  const children: FibChild[] = [];
  try {
    await fn(lab.hosts[0]!.ns, async () => {
      const c = await startFibChild(lab.hosts[0]!.ns);
      children.push(c);
      return c;
    });
  } finally {
    for (const c of children) await c.end();
    lab.cleanup();
  }
}

/**
 * `ip monitor OBJECTS` in the namespace; `stop()` returns every line it printed (a multipath
 * route's continuation lines joined to it), with `nhid N` taken out unless `keepNhid`.
 */
export async function monitor(
  ns: Netns,
  objects: string[] = ['route'],
  keepNhid = false,
): Promise<{ stop(): Promise<string[]> }> {
  const child = spawn('ip', ['netns', 'exec', ns.name, 'ip', 'monitor', ...objects], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let text = '';
  child.stdout.on('data', (b: Buffer) => {
    text += b.toString();
  });
  await new Promise((r) => setTimeout(r, 300)); // the subscription is up before anything changes
  return {
    async stop() {
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGTERM');
      const lines = text.replace(/\n\s+/g, ' ').split('\n').filter(Boolean);
      return keepNhid ? lines : lines.map((l) => l.replace(/ nhid \d+/, ''));
    },
  };
}

export interface FibChild {
  /** Sends one command; resolves with its `ok` value, rejects with its `error`. */
  call<T = unknown>(cmd: string, args?: object): Promise<T>;
  /** Log lines the FIB wrote so far. */
  readonly logs: { level: string; msg?: string; [k: string]: unknown }[];
  /** Closes stdin and waits for the exit (SIGKILL after 5 s). */
  end(): Promise<void>;
}

export async function startFibChild(ns: Netns): Promise<FibChild> {
  const compiled = __filename.endsWith('.js');
  const script = path.join(__dirname, compiled ? 'fib-child.js' : 'fib-child.ts');
  const loader = compiled ? [] : ['--import', 'tsx'];
  const proc = ns.spawn(process.execPath, [...loader, script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const logs: FibChild['logs'] = [];
  const answers: ((o: Record<string, unknown>) => void)[] = [];
  let ready: () => void;
  const isReady = new Promise<void>((r) => {
    ready = r;
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  readline.createInterface({ input: proc.stdout! }).on('line', (l) => {
    const o = JSON.parse(l) as Record<string, unknown>;
    if (o.ready) ready();
    else if (o.log) logs.push(o.log as FibChild['logs'][number]);
    else answers.shift()?.(o);
  });
  await Promise.race([
    isReady,
    exited.then(() => {
      throw new Error('fib child exited before ready');
    }),
  ]);
  return {
    logs,
    call<T>(cmd: string, args: object = {}): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`fib child: no answer to ${cmd} within 30 s`)), 30_000);
        answers.push((o) => {
          clearTimeout(t);
          if ('error' in o) reject(new Error(String(o.error)));
          else resolve(o.ok as T);
        });
        proc.stdin!.write(`${JSON.stringify({ cmd, ...args })}\n`);
      });
    },
    async end() {
      proc.stdin!.end();
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
