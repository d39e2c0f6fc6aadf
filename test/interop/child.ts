// Parent side of speaker-child.ts: spawn it in a namespace, follow its JSON lines.
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { Netns } from '../helpers/netns';
import type { PeerSessionConfig, SpeakerOptions } from '../../src/bgp/fsm';

export interface ChildSpeaker {
  readonly proc: ChildProcess;
  readonly lines: Record<string, unknown>[];
  /** Current state of a peer, as last reported. */
  state(peer: string): string | undefined;
  status(): Promise<Record<string, unknown>[]>;
  stop(message: string): Promise<void>;
  kill(): void;
}

export async function startChild(
  ns: Netns,
  speaker: Omit<SpeakerOptions, 'logger'>,
  peers: PeerSessionConfig[],
): Promise<ChildSpeaker> {
  // Compiled (npm test: dist/test/interop/*.js) or run from source with tsx.
  const compiled = __filename.endsWith('.js');
  const script = path.join(__dirname, compiled ? 'speaker-child.js' : 'speaker-child.ts');
  const loader = compiled ? [] : ['--import', 'tsx'];
  const proc = ns.spawn(process.execPath, [...loader, script, JSON.stringify({ speaker, peers })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  const states = new Map<string, string>();
  const waiters: ((o: Record<string, unknown>) => void)[] = [];
  readline.createInterface({ input: proc.stdout! }).on('line', (l) => {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(l) as Record<string, unknown>;
    } catch {
      return;
    }
    lines.push(o);
    if (o.ev === 'state') states.set(String(o.peer), String(o.to));
    for (const w of waiters.splice(0)) w(o);
  });
  const next = (ev: string, ms = 10_000): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`child: no ${ev} within ${ms} ms`)), ms);
      const w = (o: Record<string, unknown>): void => {
        if (o.ev === ev) {
          clearTimeout(t);
          resolve(o);
        } else waiters.push(w);
      };
      waiters.push(w);
    });
  await next('ready', 20_000);
  const send = (o: unknown): void => {
    proc.stdin!.write(`${JSON.stringify(o)}\n`);
  };
  return {
    proc,
    lines,
    state: (p) => states.get(p),
    async status() {
      const r = next('status');
      send({ cmd: 'status' });
      return (await r).sessions as Record<string, unknown>[];
    },
    async stop(message) {
      const r = next('stopped');
      send({ cmd: 'stop', message });
      await r;
    },
    kill() {
      if (proc.exitCode === null && proc.pid !== undefined) proc.kill('SIGKILL');
    },
  };
}
