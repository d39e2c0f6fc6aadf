/**
 * src/datastore: one key-value interface (get, list, compare-and-swap put, delete, txn, watch
 * from a revision, leases) with two implementations (contract 4): embedded (the host's shared
 * file; `memory` for a private in-process store) and etcd v3; the resources of contract 5 on
 * top (validation, documents, keys), the peers a speaker should have (`peersForNode`, the
 * live `PeerSource`), reflector registration and status writers, and block-affinity IPAM.
 * Data flow: CLI / daemons -> resources -> Datastore -> shared file, memory or etcd;
 * watches -> resyncingWatch -> PeerSource -> the reflector / node agent.
 */
export * from './store';
export { EmbeddedDatastore, EmbeddedOptions } from './embedded';
export { EtcdDatastore, EtcdOptions } from './etcd';
export { openDatastore, parseDatastoreUrl, withDatastore, DatastoreUrl, defaultDataDir, embeddedPath, DATASTORE_URL_FORMS } from './open';
export { resyncingWatch, ResyncingWatch, ResyncingWatchOptions } from './resync';
export * from './resources/types';
export { ResourceError, validateResource } from './resources/validate';
export { parseSelector, Selector, Labels, SelectorError } from './resources/selector';
export { parseDocuments, putResource, getResource, listResources, deleteResource, requireKind, encodeStored, decodeStored } from './resources/documents';
export { peersForNode, computePeers, reflectorAsNode, PeerSource, EffectivePeer, PeerChanges, PeerSourceOptions, PeerInputs } from './resources/peers';
export { registerReflector, keepRegistered, retryDelay, reflectorKey, statusKey, StatusWriter, Registration, ReflectorInfo, KeptRegistration, RegistrationOptions, RetryTimers } from './resources/registration';
export { allocate, release, releaseBlock, showBlocks, blocksForNode, IpamError, AllocateOptions, BlockSummary } from './ipam';
export { watchResources, ResourceHandlers } from './resources/watch';
