/**
 * src/node: the node agent (peers from the datastore, local block advertisement, FIB
 * programming). Not built yet.
 */
export {};
