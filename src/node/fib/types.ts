// The FIB sink's public types (index.ts re-exports them), apart so memory.ts and the kernel
// sink import them without a cycle through index.ts.

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
