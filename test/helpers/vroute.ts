// Our own binary inside a test's namespaces: the reflector daemon as operators start it
// (`vroute reflector --config FILE`), `vroute ... -o json` against its API on the namespace's
// loopback (no curl needed), and `vroute decode` of a capture (contract 1).
import { execFileSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Netns } from './netns';
import { REPO_ROOT } from './env';

export const VROUTE_BIN = path.join(REPO_ROOT, 'bin', 'vroute');

export interface ReflectorProcess {
  readonly child: ChildProcess;
  /** The last 20 kB of its stdout and stderr (pino lines), for failure messages. */
  log(): string;
  /** SIGKILL unless it already exited. */
  kill(): void;
  /** SIGTERM (the daemon sends Cease to its peers), SIGKILL after `ms`; resolves once it is gone. */
  stop(ms?: number): Promise<void>;
}

/** Writes `config` to DIR/rr.json and starts `vroute reflector --config` on it inside `ns`. */
export function spawnReflector(ns: Netns, dir: string, config: unknown, file = 'rr.json'): ReflectorProcess {
  const conf = path.join(dir, file);
  writeFileSync(conf, typeof config === 'string' ? config : JSON.stringify(config));
  return spawnVroute(ns, ['reflector', '--config', conf]);
}

/** `vroute node ARGS` inside `ns` (flags or `--config FILE`), as operators start it. */
export function spawnNode(ns: Netns, args: readonly string[]): ReflectorProcess {
  return spawnVroute(ns, ['node', ...args]);
}

/**
 * `vroute node` with both address families in host `h` of a lab: its IPv4 and IPv6 address,
 * `datastore` (`embedded:FILE`), no FIB, its API on 127.0.0.1:8179 (the dual-stack tests).
 */
export function spawnDualStackNode(
  h: { ns: Netns; ipv4: string; ipv6: string },
  name: string,
  datastore: string,
): ReflectorProcess {
  return spawnNode(h.ns, [
    '--name',
    name,
    '--ip',
    h.ipv4,
    '--ip6',
    h.ipv6,
    '--datastore',
    datastore,
    '--no-fib',
    '--api',
    '127.0.0.1:8179',
  ]);
}

/** A long-running `vroute SUBCOMMAND ...` inside `ns`, its output kept for failure messages. */
export function spawnVroute(ns: Netns, args: readonly string[]): ReflectorProcess {
  const child = ns.spawn(process.execPath, [VROUTE_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (b: Buffer): void => {
    log = (log + b.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    log: () => log,
    kill: () => {
      if (running()) child.kill('SIGKILL');
    },
    stop: async (ms = 5000) => {
      if (!running()) return;
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, ms).unref())]);
      if (running()) {
        child.kill('SIGKILL');
        await gone;
      }
    },
  };
}

/** `vroute ARGS -o json` inside `ns`, parsed. */
export function vrouteJson<T = unknown>(ns: Netns, ...args: string[]): T {
  return JSON.parse(ns.exec(process.execPath, [VROUTE_BIN, ...args, '-o', 'json'])) as T;
}

export interface RouteView {
  prefix: string;
  nextHop: string;
  from: string;
  best: boolean;
  stale?: boolean;
  localPref?: number;
  communities?: string[];
}

/** The daemon's /routes (contract 3) through `vroute routes`, from inside its namespace. */
export function routesIn(ns: Netns, api = '127.0.0.1:8179', family = 'ipv4-unicast'): RouteView[] {
  return vrouteJson<RouteView[]>(ns, 'routes', '--api', api, '--family', family);
}

export interface DecodedMessage {
  src?: string;
  dst?: string;
  type?: string;
  subtype?: number;
  nlri?: string[];
  withdrawn?: string[];
  attributes?: Record<string, unknown>;
}

/** A capture decoded by our own `vroute decode` (contract 1: one JSON object per message). */
export function decodeWithVroute(file: string): DecodedMessage[] {
  const out = execFileSync(process.execPath, [VROUTE_BIN, 'decode', file], { encoding: 'utf8', timeout: 20_000 });
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as DecodedMessage);
}
