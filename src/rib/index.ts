/**
 * src/rib: prefixes, paths, attribute sets, Adj-RIB-In / Loc-RIB and the
 * RFC 4271 9.1 decision process. Pure and sans-IO: no sockets, no timers (the session
 * shell calls peerDown / endOfRib / staleExpired when its timers fire).
 *
 * DOC: a session hands each decoded, validated UPDATE to ingestUpdate() (ingest.ts), which
 * walks its NLRI as integers into the per-family Rib (announce/withdraw, keyed by dense prefix ids
 * from a PrefixIndex over typed-array hash tables, so a full table costs no JS object per
 * prefix per peer). Attribute sets are interned in an AttrStore (one object per distinct
 * set). The import filter (policy.ts, reflector receive rules) runs first; max-prefix
 * returns an RFC 4486 Cease as a value. The Adj-RIBs-In are the PathStore's per-prefix path
 * chains (a peer's path is found by (peer, path ID) on its prefix's chain; no per-peer table). Changes mark prefixes dirty; Rib.decide() re-runs
 * the decision process (decision.ts: one function per RFC 4271 9.1.2.2 step, RFC 4456 9
 * tie-breaks, optional ECMP) on those only and returns Loc-RIB change batches, which
 * src/routing's update groups turn into Adj-RIB-Out buckets and packed UPDATEs (the
 * Adj-RIB-Out half lives there, beside the export rules that fill it).
 *
 * Attributes have one form from the wire to the wire (attrs.ts RouteAttrs): the codec's
 * decoded values as they are (uint32 IDs, AS numbers and communities, next hops as their
 * address octets, attributes we do not interpret as raw octets), interned once per distinct
 * set by the AttrStore (keyed by those values, since policy and export rewrite fields) and
 * encoded back from them by src/routing's packer. Text is made only at the edges.
 *
 * Tables of parallel typed arrays grow through grow.ts (capacityFor / ensureLength / grown:
 * doubling, replaced arrays reported to the growth collector) and reuse freed slots through
 * slots.ts (SlotFreeList threaded through a table's link array; IdPool for dense ids);
 * src/routing's Adj-RIB-Out tables use the same two. Address text is src/net's.
 */
export * from './int-table';
export * from './prefix-index';
export * from './attrs';
export * from './peer';
export * from './decision';
export * from './path-store';
export * from './rib';
export * from './policy';
export * from './ingest';
export {
  capacityFor,
  ensureLength,
  setGrowthCollector,
  grown,
  noteGrowthGarbage,
  widened,
  PEER16_MAX,
  type GrowableArray,
  type PeerIndexArray,
} from './grow';
export { IdPool, SlotFreeList } from './slots';
export { forEachRunScattered } from './scatter';
