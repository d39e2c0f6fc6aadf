/**
 * src/dataplane: Felix's job on every compute host (contract 7). Run by `vroute node`
 * through `startDataplane({store, nodeName, log, routes})`; never imports bgp, rib or routing.
 *
 * DOC: how data flows
 *   datastore (resyncing watches on WorkloadEndpoint and Profile)
 *     -> model.ts (documents parsed; every rule field checked, a bad one named)
 *     -> desired state, kept incrementally (desired-acl.ts: chains, tag sets, map entries)
 *        beside what the kernel holds (delta.ts, Felix's delta tracker)
 *     -> one throttled apply loop (apply-loop.ts: coalesced changes, back-off on failure,
 *        a kernel re-read every `resyncMs`, the first one started with the dataplane so nft
        lists our table while the datastore loads) that programs, in order:
 *        interfaces (interfaces.ts: /proc/sys writes, one `ip -batch` for link state and
 *        neighbour entries), routes (routes.ts: the RouteTable shared with the FIB sink),
 *        ACLs (nft-script.ts + nft-driver.ts: one `nft -f` transaction per apply)
 *     -> status.ts: per endpoint and per node, back to the datastore.
 *
 * DOC: nftables layout (table `inet vroute`, ours alone)
 *   fwd-from-ep (forward, priority 0): ct established,related accept; invalid drop;
 *       iifname vmap @from-ep   -> goto pl-out-L (the sending endpoint's outbound chain)
 *   fwd-to-ep (forward, priority 1): the same, oifname vmap @to-ep -> goto pl-in-L
 *   in-from-ep (input): workloads to their own host -> wl-to-host (DHCP, NDP, then deny,
 *       or accept with workloadToHost: 'allow')
 *   pl-in-L / pl-out-L: `jump pi-P` / `jump po-P` for each profile of list L in order, then
 *       drop; L is a hash of the list, and endpoints with the same list share its chains (a
 *       chain per endpoint would make every nft run read 20,000 chains at 10,000 endpoints)
 *   pi-P / po-P: the profile's inbound / outbound rules; allow = accept, deny = drop
 *   sets tag4-T / tag6-T: the addresses of every endpoint (any node) carrying tag T
 * Every rule carries `comment "vr:HASH"` (chained hash): only chains whose hashes differ from
 * the kernel's are rewritten (flushed and refilled inside the one transaction); rules without
 * our comment are others', and a chain the last kernel read found them in keeps them (ours
 * there are deleted by handle). Chains, sets and maps not named like ours are never touched.
 * The base chains exist only while the node has a local endpoint.
 *
 * DOC: routes
 *   `routes: RouteTable` (required) is the table the node agent shares with its FIB sink:
 *   src/node's RouteOwner over the rtnetlink sink (src/node/fib, protocol 200), one owner per
 *   prefix, where a local workload's device route wins over a BGP route for the same prefix
 *   and its removal puts BGP's back. The dataplane writes no route by itself.
 *
 * DOC: status keys (under contract 4's `status/<node>`)
 *   /vroute/v1/status/<node>/dataplane             {node, lastApply, lastApplyMs, applies,
 *                                                   failures, consecutiveFailures, lastError, endpoints}
 *   /vroute/v1/status/<node>/endpoint/<endpoint>   {endpoint, node, state: up|down|error, reason}
 */
export { startDataplane, Dataplane, DataplaneOptions, DataplaneStatus } from './dataplane';
export { RouteTable, FakeRouteTable } from './routes';
export { InterfaceDriver, IfaceConfig, FakeInterfaces, hostInterfaces, HostInterfaceOptions } from './interfaces';
export { NftRunner, nftBinary } from './nft-driver';
export { compileRuleset, RulesetInput } from './compile';
export { parseProfile, parseEndpoint, parseRule, Endpoint, Profile, Rule } from './model';
export { dataplaneStatusKey, endpointStatusKey, EndpointStatus, EndpointState, NodeDataplaneStatus } from './status';
export { ApplyLoop, ApplyLoopOptions, Timers } from './apply-loop';
export { TABLE as NFT_TABLE } from './names';
