// Routes this speaker originates itself (a node agent's IPAM blocks and borrowed addresses):
// paths of one pseudo-peer flagged `local` in the PeerTable, so they meet learned paths in
// the same decision process and leave through the same update groups. The export rules treat
// them as originated here (export.ts: to iBGP as they are with LOCAL_PREF, to eBGP with our AS
// prepended and next hop self, RFC 4271 5.1.2 / 5.1.3).
import type { Family } from '../bgp/messages';
import {
  parseNextHop,
  parsePrefix,
  type AttrStore,
  type PeerInfo,
  type PeerTable,
  type Rib,
  type RouteAttrs,
} from '../rib';

/** What a caller may set on an originated route; the rest is RFC 4271's defaults. */
export interface LocalRouteAttrs {
  /** NEXT_HOP: our address on the sessions (iBGP peers forward to it; eBGP gets next hop self anyway). */
  readonly nextHop: string;
  readonly med?: number;
  readonly localPref?: number;
  readonly communities?: readonly number[];
}

/** RFC 4271 4.3: ORIGIN 0, the route is interior to the originating AS. */
const ORIGIN_IGP = 0;

export class LocalRoutes {
  private peer?: PeerInfo;
  /** Originated prefixes by family, as the canonical text the Rib formats. */
  private readonly held = new Map<Family, Set<string>>();

  constructor(
    private readonly ribs: ReadonlyMap<Family, Rib>,
    private readonly peers: PeerTable,
    private readonly store: AttrStore,
    private readonly local: { asn: number; routerId: number },
    private readonly schedule: () => void,
  ) {}

  /** The pseudo-peer's index, registered on first use and never released (so never reused by a session). */
  private source(): PeerInfo {
    this.peer ??= this.peers.add({
      address: 'local',
      asn: this.local.asn,
      localAsn: this.local.asn,
      routerId: this.local.routerId,
      local: true,
    });
    return this.peer;
  }

  /** Index of the local pseudo-peer, or undefined before the first originate(). */
  get index(): number | undefined {
    return this.peer?.index;
  }

  /**
   * Originates (or replaces) a route: ORIGIN IGP, empty AS_PATH (RFC 4271 5.1.1, 5.1.2).
   * Throws RangeError for a family the engine does not carry or a malformed prefix.
   */
  originate(family: Family, prefix: string, attrs: LocalRouteAttrs): string {
    const { rib, p } = this.locate(family, prefix);
    const nextHop = parseNextHop(attrs.nextHop);
    if (!nextHop)
      throw new RangeError(`cannot originate ${prefix}: next hop ${JSON.stringify(attrs.nextHop)} is not an address`);
    const a: RouteAttrs = {
      origin: ORIGIN_IGP,
      asPath: [],
      nextHop,
      ...(attrs.med !== undefined ? { med: attrs.med } : {}),
      ...(attrs.localPref !== undefined ? { localPref: attrs.localPref } : {}),
      ...(attrs.communities !== undefined && attrs.communities.length > 0 ? { communities: attrs.communities } : {}),
    };
    const err = rib.announce(this.source().index, p.words, p.len, 0, this.store.intern(a));
    if (err) throw new RangeError(`cannot originate ${prefix}: ${err.message}`);
    const text = rib.prefixes.format(rib.findText(prefix));
    this.heldOf(family).add(text);
    this.schedule();
    return text;
  }

  /** Withdraws a route originated here; false when none was. */
  withdraw(family: Family, prefix: string): boolean {
    const { rib, p } = this.locate(family, prefix);
    const id = rib.findText(prefix);
    const text = id >= 0 ? rib.prefixes.format(id) : undefined;
    if (this.peer === undefined || text === undefined || !this.heldOf(family).delete(text)) return false;
    rib.withdraw(this.peer.index, p.words, p.len, 0);
    this.schedule();
    return true;
  }

  /** The prefixes originated in a family (canonical text). */
  prefixes(family: Family): string[] {
    return [...this.heldOf(family)];
  }

  private heldOf(family: Family): Set<string> {
    let s = this.held.get(family);
    if (!s) this.held.set(family, (s = new Set()));
    return s;
  }

  private locate(family: Family, prefix: string): { rib: Rib; p: NonNullable<ReturnType<typeof parsePrefix>> } {
    const rib = this.ribs.get(family);
    if (!rib) throw new RangeError(`the engine carries no family ${family}`);
    const p = parsePrefix(prefix, family);
    if (!p) throw new RangeError(`${JSON.stringify(prefix)} is not a prefix of this family`);
    return { rib, p };
  }
}
