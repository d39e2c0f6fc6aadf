/**
 * src/cni: the orchestrator plugin (contracts 7 and 8). It gives a workload an interface and
 * an address and writes its WorkloadEndpoint; the node's dataplane (src/dataplane) does the
 * rest (host-side forwarding, proxy ARP, /32 routes, ACLs).
 *
 * Data flow: `vroute workload add` (src/cli) or a container runtime (bin/vroute-cni ->
 * cni-main -> cni-plugin) -> attach: veth pair (links, via `ip`), address from IPAM
 * (src/datastore/ipam: fixed or lowest free), the workload side configured (ADDR/32, default
 * route via 169.254.1.1 onlink), WorkloadEndpoint written last. Each step registers its undo
 * (undo.ts), so a failure half way leaves nothing behind. `workload add` also makes the named
 * namespace (netns.ts, in the host's mount namespace so it outlives the command).
 * Profiles and endpoint profile lists: profiles.ts. Reported endpoint status: status.ts.
 * Start-up cost matters (a runtime execs the plugin per ADD; issue 12: under 150 ms): the bin
 * loads one bundled file (scripts/bundle-cni.mjs), the datastore is opened `shortLived` (etcd
 * through its JSON gateway, no gRPC client), `ip` runs synchronously (one per namespace).
 * Never imports bgp, rib or routing.
 */
export {
  addWorkload,
  deleteWorkload,
  showWorkload,
  workloadEndpoints,
  WorkloadAddOptions,
  WorkloadDeleted,
  EndpointView,
} from './workload';
export { attach, detach, IpRequest, AttachRequest, Attached, Detached, WorkloadError } from './attach';
export {
  addProfile,
  deleteProfile,
  showProfile,
  listProfiles,
  editEndpointProfiles,
  defaultProfile,
  profileMembers,
  ProfileOp,
  ProfileSpec,
  ProfileView,
  Rule,
} from './profiles';
export { endpointStatus, describeStatus } from './status';
export { hostInterfaceName, workloadMac, endpointId, GATEWAY_V4, HOST_MAC } from './names';
export { createNamedNetns, deleteNamedNetns, hostMountNamespace, netnsPath, isNamespaceFile } from './netns';
export { runCni, CniOutcome } from './cni-plugin';
export { CNI, CniError } from './cni-errors';
export { SUPPORTED_VERSIONS } from './cni-config';
