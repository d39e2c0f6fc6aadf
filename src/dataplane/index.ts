/**
 * src/dataplane: workload interfaces, routes and ACLs (Felix's job). Not built yet.
 */
export {};
