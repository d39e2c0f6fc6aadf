/**
 * src/datastore: one key-value interface (get, list, compare-and-swap put, delete, watch,
 * leases) with an embedded and an etcd v3 implementation; resources and IPAM on top.
 */
export {};
