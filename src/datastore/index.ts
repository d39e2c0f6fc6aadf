/**
 * src/datastore: where every role's shared state lives (contract 4) and the resources on it
 * (contract 5). One key-value interface shaped after etcd v3 (global revision, per-key
 * create/mod revisions, compare-and-swap by mod revision, watch from a revision, leases) with
 * two implementations; imports nothing of the BGP half (roles and the CLI sit on it).
 *
 * DOC, file by file:
 * - store.ts: the Datastore interface, KeyValue, WatchEvent, Lease, DatastoreError.
 * - embedded.ts: etcd's model without a server, in memory (`memory`) or in the host's shared
 *   file (`embedded[:PATH]`): embedded-file.ts (atomic rename, `<file>.lock` so compare-and-swap
 *   holds across processes), embedded-diff.ts (what other processes changed, as watch events),
 *   embedded-watch.ts (bounded history, compaction floor, in-order delivery per watcher).
 * - etcd.ts: etcd v3 through the `etcd3` package (raw KV Txns carry our revision checks).
 * - etcd-gateway.ts: the same keys and compare-and-swap through etcd's JSON gateway over
 *   node:http, for short-lived commands (the CNI plugin): no gRPC client to load; no watch, no lease.
 * - open.ts: datastore URLs (`embedded`, `embedded:PATH`, `memory`, `etcd://h:p[,h:p]`),
 *   the default data directory, withDatastore for one-shot CLI commands.
 * - resync.ts: resyncingWatch, list-then-watch-then-relist: after a compaction or a lost
 *   stream its consumer sees only the real differences (Kubernetes informers' loop).
 * - resources/: types.ts (calicoctl-shaped documents, keys /vroute/v1/<kind>/<name>),
 *   validate.ts (each error names resource and field; defaults filled in), documents.ts
 *   (YAML/JSON multi-document text <-> stored resources), selector.ts (Calico label
 *   selectors), peers.ts (the BGP peers a speaker should have from BGPPeer / Node /
 *   BGPConfiguration / reflector registrations; PeerSource follows them live), registration.ts
 *   (a reflector's lease-bound record, retried with back-off; the throttled status writer),
 *   watch.ts (typed resource events for daemons).
 * - ipam.ts: Calico's block-affinity IPAM (claim a block, allocate in it, borrow only when
 *   the pool is full), every step one compare-and-swap; cidr.ts: block arithmetic.
 *
 * Data flow: CLI and daemons -> resources (validated) -> Datastore -> shared file, memory or
 * etcd; watches -> resyncingWatch -> PeerSource / watchResources -> the reflector, the node.
 */ export * from './store';
export { EmbeddedDatastore, EmbeddedOptions } from './embedded';
export { EtcdDatastore, EtcdOptions } from './etcd';
export { EtcdGatewayDatastore } from './etcd-gateway';
export {
  openDatastore,
  parseDatastoreUrl,
  withDatastore,
  OpenOptions,
  DatastoreUrl,
  defaultDataDir,
  embeddedPath,
  DATASTORE_URL_FORMS,
} from './open';
export { resyncingWatch, ResyncingWatch, ResyncingWatchOptions } from './resync';
export * from './resources/types';
export { ResourceError, validateResource } from './resources/validate';
export { parseSelector, Selector, Labels, SelectorError } from './resources/selector';
export {
  parseDocuments,
  putResource,
  getResource,
  listResources,
  deleteResource,
  requireKind,
  encodeStored,
  decodeStored,
} from './resources/documents';
export {
  peersForNode,
  computePeers,
  reflectorAsNode,
  PeerSource,
  EffectivePeer,
  PeerChanges,
  PeerSourceOptions,
  PeerInputs,
  ComputeOptions,
} from './resources/peers';
export {
  registerReflector,
  keepRegistered,
  retryDelay,
  reflectorKey,
  statusKey,
  StatusWriter,
  StatusReports,
  Registration,
  ReflectorInfo,
  KeptRegistration,
  RegistrationOptions,
  RetryTimers,
} from './resources/registration';
export {
  allocate,
  allocationOf,
  assign,
  release,
  releaseIfAllocated,
  releaseBlock,
  showBlocks,
  blocksForNode,
  IpamError,
  AllocateOptions,
  AssignOptions,
  BlockSummary,
} from './ipam';
export { watchResources, ResourceHandlers } from './resources/watch';
