/**
 * src/rib: prefixes, paths, attribute interning, Adj-RIB-In / Loc-RIB / Adj-RIB-Out and the
 * RFC 4271 9.1 decision process.
 */
export {};
