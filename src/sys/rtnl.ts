// The `rtnl` namespace of src/sys's public face (index.ts): rtnetlink numbers, the batch
// encoder and the decoders under one name, as callers use them (`rtnl.RTM_NEWROUTE`,
// `rtnl.decodeRoute`).
export * from './rtnetlink-constants';
export * from './rtnetlink-decode';
export { NlBatch } from './rtnetlink-codec';
