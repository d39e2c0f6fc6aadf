/**
 * src/node/fib: the node agent's FIB sink, the kernel routes it keeps. This file holds the
 * interface the agent codes against and memoryFib() (tests, `fib: false`); the rtnetlink
 * implementation (openKernelFib) is being written in its own branch and replaces the stub
 * below when it lands.
 */
import type { Logger } from '../../observability';
import type { FibSink } from './types';

export type { FibNextHop, FibRoute, FibStats, FibSink } from './types';

/** Not in this build yet: the rtnetlink FIB lands with its own branch. */
export function openKernelFib(_opts: { table?: number | 'main'; protocol?: number; metric?: number; scanSeconds?: number; log: Logger }): Promise<FibSink> {
  return Promise.reject(Object.assign(new Error('fib: the kernel FIB (rtnetlink) is not available in this build yet; set fib: false (routes are shown, the kernel is untouched)'), { expose: true }));
}

export { memoryFib } from './memory';
