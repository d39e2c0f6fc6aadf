// What the RIB knows about a peer: enough for the decision process (RFC 4271 9.1.2.2 (d),
// (f), (g)), the reflection rules (RFC 4456 6) and max-prefix (RFC 4486).
import { parseIp } from '../net';
import { IdPool } from './slots';

export interface PeerConfig {
  /** The peer's address as configured (text). */
  readonly address: string;
  readonly asn: number;
  /** The peer's BGP identifier (from its OPEN) as uint32. */
  readonly routerId: number;
  /** Our AS on this session: iBGP when equal to `asn`. */
  readonly localAsn: number;
  /** RFC 4456: the peer is one of our route reflector clients. */
  readonly rrClient?: boolean;
  /** RFC 4486 Cease subcode 1 when the peer sends more prefixes than this (per family). */
  readonly maxPrefixes?: number;
  /** Not a session: the speaker's own routes (src/routing local-routes.ts), exported as originated by us. */
  readonly local?: boolean;
}

export interface PeerInfo extends PeerConfig {
  /** Small dense index: the RIB stores it in typed arrays. */
  readonly index: number;
  readonly ibgp: boolean;
  /** Sortable form of `address` for 9.1.2.2 (g) (IPv4 sorts before IPv6). */
  readonly addressKey: string;
}

/** A fixed-width hex key so that string order is numeric address order. */
export function addressSortKey(address: string): string {
  const a = parseIp(address);
  // Not an address (config validation keeps these out): after every address, by its text.
  if (!a) return `9${address}`;
  return `${a.length === 4 ? 4 : 6}${Buffer.from(a).toString('hex')}`;
}

export function makePeer(index: number, cfg: PeerConfig): PeerInfo {
  return Object.freeze({ ...cfg, index, ibgp: cfg.asn === cfg.localAsn, addressKey: addressSortKey(cfg.address) });
}

/** The peers the RIBs of every family share, by dense index (indexes are reused). */
export class PeerTable {
  private readonly peers: (PeerInfo | undefined)[] = [];
  private readonly ids = new IdPool();

  add(cfg: PeerConfig): PeerInfo {
    const index = this.ids.take();
    const p = makePeer(index, cfg);
    this.peers[index] = p;
    return p;
  }

  /** Updates what a peer's OPEN told us (router ID) keeping its index. */
  update(index: number, cfg: PeerConfig): PeerInfo {
    const p = makePeer(index, cfg);
    this.peers[index] = p;
    return p;
  }

  get(index: number): PeerInfo {
    const p = this.peers[index];
    if (!p) throw new RangeError(`peer ${index} is not registered`);
    return p;
  }

  /** Forget a peer; call only after its paths are gone from every RIB. */
  remove(index: number): void {
    if (this.peers[index]) {
      this.peers[index] = undefined;
      this.ids.give(index);
    }
  }

  all(): PeerInfo[] {
    return this.peers.filter((p): p is PeerInfo => p !== undefined);
  }
}
