// The FIB sink's public types (index.ts re-exports them): what the node agent hands over and
// what it can read back. Kept apart so kernel.ts and memory.ts import them without a cycle.

/** One next hop: an address on a connected network, optionally pinned to an interface. */
export interface FibNextHop {
  /** Address text ("192.0.2.1", "2001:db8::1", "fe80::1" with ifindex). */
  gateway: string;
  /** The interface (required for an IPv6 link-local gateway). */
  ifindex?: number;
}

/**
 * The desired route for one prefix. `prefix` is "10.65.1.0/26" or "fd00::/64" (host bits
 * zero); more than one next hop makes one multipath (ECMP) route; a blackhole has none.
 * `device`: a local workload's route, out of interface `device` with scope link and no
 * gateway (`ip route replace 192.168.1.1/32 dev vr... scope link proto 200`); no next hops.
 */
export interface FibRoute {
  prefix: string;
  kind: 'unicast' | 'blackhole' | 'device';
  nextHops: FibNextHop[];
  /** The interface name of a `device` route. */
  device?: string;
}

export interface FibStats {
  /** Routes of ours in the kernel table (including ones found at start and not yet pruned). */
  installed: number;
  /** Routes waiting: queued for the next batch, or held because no next hop is resolvable. */
  pending: number;
  /** Prefixes whose last change the kernel refused (or that could not be encoded). */
  failed: number;
  /** The last such refusal: prefix, errno and the kernel's reason. */
  lastError?: string;
}

export interface FibSink {
  /** Desired state for the prefix: add, or replace in place (batched, async). */
  set(route: FibRoute): void;
  /** The prefix is no longer desired. */
  delete(prefix: string): void;
  /**
   * set() of a unicast route, the prefix given as the RIB keeps it: address words (1 for
   * IPv4, 4 for IPv6; big-endian, host bits zero) and length. A full table is a million
   * routes, so the agent hands BGP's over this way, and no text is made or parsed. `words`
   * is read during the call only; `nextHops` is kept (not copied) and must stay unchanged.
   */
  setWords(v6: boolean, words: ArrayLike<number>, len: number, nextHops: readonly FibNextHop[]): void;
  /** delete() likewise. */
  deleteWords(v6: boolean, words: ArrayLike<number>, len: number): void;
  /**
   * Every session reached End-of-RIB (or a timeout): routes of our protocol found at start
   * and not set since are deleted now, never before.
   */
  syncDone(): void;
  stats(): FibStats;
  /** Why the kernel refused (or we could not make) the route of a prefix; undefined: no failure. */
  failure(prefix: string): string | undefined;
  /**
   * Re-read now: 'links' the interfaces and addresses (a device route's interface was just
   * made), 'table' the kernel table (a route of ours deleted by hand comes back).
   */
  resync(what: 'links' | 'table'): void;
  /** Resolves when everything queued so far has been applied (routes held pending aside). */
  flushed(): Promise<void>;
  /** Stops; routes stay in the kernel (a restart keeps forwarding). */
  close(): Promise<void>;
}

/** A pino-like logger: the FIB logs through whatever the agent gives it. */
export interface FibLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface KernelFibOptions {
  /** Routing table: 'main' (254, the default) or a number 1..2^32-1 (not 0, 253, 255). */
  table?: number | 'main';
  /** rtm_protocol on every route we write, and how we recognise ours: 1..255, default 200. */
  protocol?: number;
  /** RTA_PRIORITY (metric) of our routes; default 32, as BIRD's kernel protocol. */
  metric?: number;
  /** Re-read the table every so many seconds and fix differences; 0: never. Default 60. */
  scanSeconds?: number;
  log: FibLogger;
}
