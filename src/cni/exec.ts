// Running iproute2 and util-linux commands for workload set-up: a handful per workload
// operation (never one per route, DESIGN "Performance shape"), each bounded in time, and a
// failure is one line naming the command and what it printed on stderr.
import { spawnSync } from 'node:child_process';

export class CommandError extends Error {
  readonly expose = true;
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
}

/**
 * Runs `cmd args`, resolves with its stdout; rejects with a CommandError (first stderr line).
 * Synchronous underneath (spawnSync): the plugin and the CLI do one step at a time anyway, and
 * an asynchronous child costs a stream object per pipe and event-loop turns, measurable
 * against the 150 ms an ADD may take (bench/dataplane).
 */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = spawnSync(cmd, args, {
    input: opts.input,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 10_000,
    maxBuffer: 4 << 20,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (r.status === 0 && !r.error) return Promise.resolve(r.stdout);
  const stderr = r.stderr ?? '';
  const why =
    stderr
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .slice(-2)
      .join('; ') || (r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`);
  return Promise.reject(new CommandError(`${[cmd, ...args].join(' ')}: ${why}`, stderr));
}

/** `ip ARGS` in the current network namespace. */
export function ip(args: readonly string[], opts?: RunOptions): Promise<string> {
  return run('ip', args, opts);
}

/** `ip ARGS` inside the network namespace at `netnsPath` (a /run/netns file or /proc/PID/ns/net). */
export function ipIn(netnsPath: string, args: readonly string[], opts?: RunOptions): Promise<string> {
  // A named namespace needs no nsenter: `ip -n NAME` enters it itself (one process less).
  const named = /^\/(?:var\/)?run\/netns\/([^/]+)$/.exec(netnsPath);
  if (named) return run('ip', ['-n', named[1]!, ...args], opts);
  return run('nsenter', [`--net=${netnsPath}`, '--', 'ip', ...args], opts);
}
