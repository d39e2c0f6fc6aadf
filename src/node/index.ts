/**
 * src/node: the node agent role, `vroute node` (DESIGN 6): a per-host BGP speaker that
 * advertises the host's workload address blocks and puts every other host's routes into the
 * kernel FIB.
 *
 * DOC: agent.ts (startNode) writes the host's Node resource (node-resource.ts), turns IP
 * forwarding on (forwarding.ts, /proc/sys of its namespace) and joins the parts: PeerSource
 * (src/datastore: the node-to-node mesh, or with the mesh off the registered reflectors, plus
 * the BGPPeers that select it) -> Speaker sessions built by src/routing's session builders,
 * one PeerQueues chain per address -> one RoutingEngine (a plain speaker: nothing learned
 * over iBGP goes to another iBGP peer; towards eBGP only its own routes, RFC 8212 policies).
 * local-blocks.ts follows the IPAM blocks; local-routes.ts originates each affine block and
 * each borrowed address (engine.originate) with its blackhole. fib-feed.ts turns Loc-RIB changes into FIB routes (ECMP over
 * equal-cost best paths) and holds them; route-owner.ts is the one writer of the FibSink
 * (fib/: the interface, memoryFib for `fib: false`, the kernel's rtnetlink sink): per prefix
 * a local workload's device route wins over our block's blackhole, which wins over BGP's
 * route, read back from FibFeed when what overrode it goes; initial-sync.ts says when the
 * FIB may drop what a previous run left (End-of-RIB from every first peer, or a timeout).
 * asn-watch.ts: the AS is read once at start (flag, Node resource, BGPConfiguration default,
 * 64512); a later change in the datastore is logged and shown as /status `asnPending` until
 * the agent is restarted, as FRR and BIRD treat a local-AS change.
 * Status (node-status.ts): the HTTP API (contract 3, plus a `fib` object and a `dataplane`
 * one, Felix's per-node status, null without the dataplane) and status/<node> in the datastore.
 *
 * DOC: `dataplane: true` (local-dataplane.ts) runs src/dataplane for this node's endpoints;
 * it writes its /32 (/128) device routes through the RouteOwner's `routeTable`, and the FIB's
 * stale-route sweep then waits for BGP's initial sync and the dataplane's first apply.
 */
export * from './agent';
export * from './fib';
export { FibFeed } from './fib-feed';
export { desiredLocalRoutes, LocalBlocks, type LocalRoute } from './local-blocks';
export { enableForwarding } from './forwarding';
export { writeNodeResource } from './node-resource';
export { InitialSync } from './initial-sync';
export { effectiveAsn, watchAsn, DEFAULT_ASN, type AsnWatch, type AsnSources } from './asn-watch';
export { RouteOwner, type BgpRoutes } from './route-owner';
export { startLocalDataplane, type LocalDataplane, type LocalDataplaneOptions } from './local-dataplane';
