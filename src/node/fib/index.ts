/**
 * src/node/fib: the node agent's FIB sink, the kernel routes it keeps. This file holds the
 * interface the agent codes against and memoryFib() (tests, `fib: false`); the rtnetlink
 * implementation (openKernelFib) is being written in its own branch and replaces the stub
 * below when it lands.
 */
import type { Logger } from '../../observability';

export interface FibNextHop { gateway: string; ifindex?: number }
/** prefix: canonical text; more than one next hop: one ECMP (multipath) route. */
export interface FibRoute { prefix: string; kind: 'unicast' | 'blackhole'; nextHops: FibNextHop[] }
export interface FibStats { installed: number; pending: number; failed: number; lastError?: string }
export interface FibSink {
  /** Adds or replaces the route of `route.prefix` (in place: never a delete first). */
  set(route: FibRoute): void;
  delete(prefix: string): void;
  /** The initial resync is over: routes of ours that were not set since the start may go. */
  syncDone(): void;
  stats(): FibStats;
  /** Resolves once everything set or deleted so far has been applied (or failed). */
  flushed(): Promise<void>;
  close(): Promise<void>;
}

/** Not in this build yet: the rtnetlink FIB lands with its own branch. */
export function openKernelFib(_opts: { table?: number | 'main'; protocol?: number; metric?: number; scanSeconds?: number; log: Logger }): Promise<FibSink> {
  return Promise.reject(Object.assign(new Error('fib: the kernel FIB (rtnetlink) is not available in this build yet; set fib: false (routes are shown, the kernel is untouched)'), { expose: true }));
}

export { memoryFib } from './memory';
