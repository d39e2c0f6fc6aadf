// UpdateGroups: the per-family registry that puts peers into update groups by export signature and fans Loc-RIB changes out to them; kept apart from update-group.ts, which is the single group's log/catch-up machinery.
import type { AttrStore, LocRibChange, PeerInfo, Rib } from '../rib';
import type { UpdatePacker } from './wire-encode';
import { type ExportSignature, signatureKey } from './export';
import type { LocalIdentity } from './rules';
import { UpdateGroup, type GroupOptions } from './update-group';

/** The update groups of one family's RIB: peers join by signature, changes fan out. */
export class UpdateGroups {
  private readonly groups = new Map<string, UpdateGroup>();
  private readonly byPeer = new Map<number, UpdateGroup>();

  constructor(
    private readonly rib: Rib,
    private readonly store: AttrStore,
    private readonly local: LocalIdentity,
    private readonly packer: UpdatePacker,
    private readonly opts: GroupOptions = {},
  ) {}

  get size(): number {
    return this.groups.size;
  }

  /**
   * Puts the peer in the group for `sig` (made on first use); it gets the full table.
   *
   * A peer that negotiated extended messages (RFC 8654) joins an existing group whose
   * signature differs only in not having them: 4096-octet UPDATEs are valid for it too, and
   * a group of its own would keep a second Adj-RIB-Out (state and pending arrays per prefix,
   * ~25 bytes each) and encode every change twice. The price: a route whose attributes fit
   * only an extended message is withdrawn from it as from the group's other members.
   */
  join(peer: PeerInfo, sig: ExportSignature): UpdateGroup {
    this.leave(peer.index);
    let key = signatureKey(sig);
    if (sig.ctx.extendedMessage && !this.groups.has(key)) {
      const plain = signatureKey({ ...sig, ctx: { ...sig.ctx, extendedMessage: false } });
      if (this.groups.has(plain)) key = plain;
    }
    let g = this.groups.get(key);
    if (!g) {
      g = new UpdateGroup(sig, this.rib, this.store, this.local, this.packer, this.opts);
      // A new group starts from the current Loc-RIB (in chunks: no array of the whole table).
      let seed: LocRibChange[] = [];
      const group = g;
      this.rib.forEachBest((prefix, best) => {
        seed.push({ prefix, best, bestChanged: true });
        if (seed.length === 4096) {
          group.apply(seed, true);
          seed = [];
        }
      });
      g.apply(seed, true);
      this.groups.set(key, g);
    }
    g.join(peer.index);
    this.byPeer.set(peer.index, g);
    return g;
  }

  leave(peer: number): void {
    const g = this.byPeer.get(peer);
    if (!g) return;
    g.leave(peer);
    this.byPeer.delete(peer);
    if (g.memberCount === 0) {
      g.close();
      this.groups.delete(g.key);
    }
  }

  groupOf(peer: number): UpdateGroup | undefined {
    return this.byPeer.get(peer);
  }

  apply(changes: readonly LocRibChange[]): void {
    for (const g of this.groups.values()) g.apply(changes);
  }

  pull(peer: number, max?: number): Buffer[] {
    return this.byPeer.get(peer)?.pull(peer, max) ?? [];
  }

  hasWork(peer: number): boolean {
    return this.byPeer.get(peer)?.hasWork(peer) ?? false;
  }

  /** The peer sent a ROUTE-REFRESH: resend it everything. */
  refresh(peer: number): void {
    this.byPeer.get(peer)?.refresh(peer);
  }
}
