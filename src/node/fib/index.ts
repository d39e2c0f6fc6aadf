/**
 * src/node/fib: the FIB sink of the node agent. The agent says which route it wants for
 * each prefix (`set`, `delete`); the sink makes the kernel's table hold exactly that, through
 * our own rtnetlink code (src/sys), batched and without ever taking a right route away.
 *
 * DOC: behaviour (DESIGN.md contract 6)
 * - Config: `fib: {table: main, protocol: 200}` (table 'main' = 254 or a number; protocol
 *   5..255, default 200; optional `metric`, default 32, and `scanSeconds`, default 60) or
 *   `fib: false`, which is `memoryFib()`: the kernel is untouched and routes are kept to show.
 * - Every route we write carries our protocol number; we recognise ours by it. Routes of
 *   other protocols are never touched, not even for the same prefix: a new route of ours is
 *   added with NLM_F_EXCL, so one of theirs holding the same prefix and metric makes ours
 *   fail with that conflict as its error, instead of being replaced.
 * - Start-up: the table is read; ours found there are remembered. A set() equal to what the
 *   kernel holds sends nothing; a different one replaces in place (NLM_F_REPLACE: no delete,
 *   no gap). Ours not set again go only at syncDone() (End-of-RIB or its timeout).
 * - Changes are coalesced per prefix between batches and sent as batches of up to 2048
 *   requests, each with its own sequence number and no NLM_F_ACK: the kernel answers the
 *   failed ones only, so each route's error is its own (counted in `failed`, last one in
 *   `lastError`, logged rate-limited) and a batch that all went in costs one send and one
 *   recv. Lost answers (a full receive buffer) make the table be read again and the next
 *   batches small and fully ACKed (batch.ts).
 * - A unicast next hop must be on a connected network (an address of an interface that is
 *   up covers it; an IPv6 link-local one needs its ifindex). One that is not is logged once
 *   and its routes are held (`pending`) until a link or address change makes it resolvable
 *   (link and address notifications, polled once a second). A multipath route goes in with
 *   the next hops that resolve.
 * - Nexthop objects (Linux 5.3): each distinct next hop is one kernel nexthop object of our
 *   protocol (ids from protocol * 10^6 + 1), each ECMP set a group over them, and unicast
 *   routes name theirs by RTA_NH_ID (`nhid N` in `ip route`): the kernel checks a next hop
 *   once, not per route. An object is made before the first route through it; ours found at
 *   start are adopted by content (so a restart changes nothing that is right); one is deleted
 *   only after syncDone() and only once no route of any table or protocol names it, since the
 *   kernel deletes the routes through an object with it. The kernel also removes objects
 *   whose link goes down: link changes re-read them, and they and their routes come back. A
 *   kernel that refuses them (and any one object it refuses) keeps next hops inline.
 * - More than one next hop: one multipath (ECMP) route. `blackhole`: RTN_BLACKHOLE. `device`
 *   (a local workload's /32 or /128, from the dataplane through the node's RouteOwner): out
 *   of the named interface, scope link; an interface that does not exist yet is a failure
 *   until the next link change. failure(prefix) tells why a prefix failed; resync('links' |
 *   'table') re-reads at once.
 * - Every `scanSeconds` the table is read again and differences are fixed (a route of ours
 *   someone deleted comes back). close() leaves the routes in place for the next start.
 *
 * DOC: files. kernel.ts the sink (worker loop, set/delete); table.ts the per-prefix state: one
 * slot table per family keyed by dense prefix ids (the RIB's PrefixIndex), desired and
 * installed side by side, flags, the dirty queue, next-hop key ids; target.ts what each prefix
 * should be in the kernel; batch.ts one batch of requests and what its answers mean;
 * outcome.ts what those answers do to the slots; hops.ts next hops against the connected
 * networks (connected.ts) and their keys; table-read.ts the table dump and the link and
 * address dumps; scan.ts a dump applied to the slots, and walks over all slots;
 * nexthop-objects.ts the nexthop objects (probe, adoption, ids, creation) and nexthop-gc.ts
 * their deletion; failures.ts failure texts and the last error; sockets.ts the two rtnetlink
 * sockets; desired.ts
 * what is kept per prefix and the target a batch encodes; prefix-text.ts text prefixes to
 * address words; config.ts the options; memory.ts `fib: false`.
 */
import { KernelFib } from './kernel';
import type { FibSink, KernelFibOptions } from './types';

export type { FibLogger, FibNextHop, FibRoute, FibSink, FibStats, KernelFibOptions } from './types';
export { memoryFib } from './memory';
export { parseFibConfig, type FibConfig } from './config';

/**
 * Opens the kernel FIB: reads the table and starts the sink. Rejects with a clear Error when
 * an option is invalid or the table cannot be read (no rtnetlink, no permission).
 */
export async function openKernelFib(opts: KernelFibOptions): Promise<FibSink> {
  const fib = await KernelFib.open(opts);
  if (fib instanceof Error) throw fib;
  return fib;
}
