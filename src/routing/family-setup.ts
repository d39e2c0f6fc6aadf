// The per-family tables the engine builds once at construction: for each address family a
// Rib (with the receive rules and import policies in front of it), the packer that encodes
// its UPDATEs and the update groups that fan its Loc-RIB changes out. Apart from the engine
// so that the constructor reads as "build the families, then the helpers around them".
import type { Family } from '../bgp/messages';
import { Rib, type AttrStore, type PeerTable, type Policy } from '../rib';
import type { EngineLog } from './engine-log';
import { importStages } from './import-stages';
import { receiveFilter, type LocalIdentity } from './rules';
import { UpdateGroups } from './update-groups';
import type { InitialEorBound } from './initial-eor';
import type { TooLarge } from './group-options';
import { SimplePacker } from './wire-encode';

/** The engine's per-family maps, filled by setupFamily(). */
export interface FamilyTables {
  readonly ribs: Map<Family, Rib>;
  readonly groups: Map<Family, UpdateGroups>;
  readonly packers: Map<Family, SimplePacker>;
  /** Compiled import policy by family, then peer index: one array read per path received. */
  readonly importPolicies: Map<Family, Array<Policy | undefined>>;
}

export interface FamilyContext {
  readonly local: LocalIdentity;
  readonly store: AttrStore;
  readonly peers: PeerTable;
  readonly log: EngineLog;
  readonly multipath?: boolean;
  /** The bound on a session's first End-of-RIB (initial-eor.ts). */
  readonly initialEor?: InitialEorBound;
}

/** Builds family `f`'s Rib, packer and update groups into `t`. */
export function setupFamily(t: FamilyTables, f: Family, c: FamilyContext): void {
  // RFC 4456 8 / RFC 4271 9.1.2 receive rules first, then the peer's import policy: what
  // passes is the Adj-RIB-In the decision process sees (RFC 4271 9.1.1).
  const byPeer: Array<Policy | undefined> = [];
  t.importPolicies.set(f, byPeer);
  const { importFilter, why } = importStages(receiveFilter(c.local, c.store), byPeer);
  const rib = new Rib({
    family: f,
    peers: c.peers,
    attrs: c.store,
    importFilter,
    rejectReason: why,
    ...(c.multipath ? { multipath: true } : {}),
    onReject: (peer, prefix, _pathId, reason) =>
      c.log.rejected(c.peers.get(peer).address, () => rib.prefixes.format(prefix), reason),
  });
  t.ribs.set(f, rib);
  const packer = new SimplePacker(f);
  t.packers.set(f, packer);
  const onTooLarge = (tl: TooLarge) => c.log.tooLarge(tl);
  t.groups.set(
    f,
    new UpdateGroups(rib, c.store, c.local, packer, {
      onTooLarge,
      ...(c.initialEor ? { initialEor: c.initialEor } : {}),
    }),
  );
}
