// What the decision process sees of a path received (RFC 4271 9.1.1): the receive rules
// first (RFC 4456 8 cluster / originator loops, RFC 4271 9.1.2 AS loops), then the peer's
// import policy. `why` names the stage that refused the last path, for /routes?rejected and
// the log.
import type { AttrSet, PeerInfo, Policy, PrefixId, PrefixIndex } from '../rib';

export type ImportFilter = (peer: PeerInfo, ix: PrefixIndex, id: PrefixId, attrs: AttrSet) => AttrSet | undefined;

export function importStages(
  receive: ImportFilter,
  byPeer: ReadonlyArray<Policy | undefined>,
): { importFilter: ImportFilter; why: () => string } {
  let why = 'rejected';
  // One closure for both stages (not chainFilters): it runs for every path received, and a
  // full table is ~1M of them.
  const importFilter: ImportFilter = (peer, ix, id, attrs) => {
    // Our own routes (the local pseudo-peer, which may hold an index a departed session had):
    // no receive rules, never that session's policy.
    if (peer.local === true) return attrs;
    const r = receive(peer, ix, id, attrs);
    if (!r) {
      why = peer.ibgp
        ? 'loop: our CLUSTER_ID or ORIGINATOR_ID (RFC 4456 8)'
        : 'loop: our AS in AS_PATH (RFC 4271 9.1.2)';
      return undefined;
    }
    const pol = byPeer[peer.index];
    if (!pol) return r;
    const out = pol.apply(ix, id, r);
    if (!out) why = `import policy ${pol.name}`;
    return out;
  };
  return { importFilter, why: () => why };
}
