// Parent side of fib-child.ts: start it in a namespace and talk to it by request/answer.
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { Netns } from '../helpers/netns';

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
