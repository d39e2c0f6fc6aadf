// What two OPENs agree on (RFC 5492 and each capability's RFC): the codec context for each
// direction, hold and keepalive times, families, refresh and restart options. Pure: the
// session layer calls it once when the peer's OPEN is accepted.
import {
  AddPathMode,
  findCapabilities,
  findCapability,
  type GracefulRestartCapability,
  type LongLivedGracefulRestartCapability,
  type Capability,
} from './capabilities';
import { BgpError, OpenSubcode } from './errors';
import { openAsn, type OpenMessage } from './open';
import { family, IPV4_UNICAST, type CodecContext, type Family } from './types';

function has(open: OpenMessage, kind: Capability['kind']): boolean {
  return open.capabilities.some((c) => c.kind === kind);
}

/** ADD-PATH families of one OPEN whose Send/Receive value includes `bit`. */
function addPathFamilies(open: OpenMessage, bit: AddPathMode.Receive | AddPathMode.Send): Set<Family> {
  const out = new Set<Family>();
  for (const c of findCapabilities(open.capabilities, 'add-path')) {
    for (const f of c.families) if ((f.sendReceive & bit) !== 0) out.add(family(f.afi, f.safi));
  }
  return out;
}

/**
 * The context for decoding messages that `sender` sends to `receiver` (and for encoding
 * them on the sender's side):
 * - fourOctetAs: both carry capability 65 (RFC 6793 4);
 * - extendedMessage: both carry capability 6 (RFC 8654 3);
 * - addPath: families the sender can send (2|3) and the receiver can receive (1|3) (RFC 7911 4).
 */
export function codecContextFor(senderOpen: OpenMessage, receiverOpen: OpenMessage): CodecContext {
  const send = addPathFamilies(senderOpen, AddPathMode.Send);
  const recv = addPathFamilies(receiverOpen, AddPathMode.Receive);
  const addPath = new Set<Family>([...send].filter((f) => recv.has(f)));
  return Object.freeze({
    fourOctetAs: has(senderOpen, 'four-octet-as') && has(receiverOpen, 'four-octet-as'),
    extendedMessage: has(senderOpen, 'extended-message') && has(receiverOpen, 'extended-message'),
    addPath,
  });
}

/** Families an OPEN announces; none at all means IPv4 unicast only (RFC 4760 8). */
export function openFamilies(open: OpenMessage): Family[] {
  const mp = findCapabilities(open.capabilities, 'multiprotocol');
  if (mp.length === 0) return [IPV4_UNICAST];
  const out: Family[] = [];
  for (const c of mp) {
    const f = family(c.afi, c.safi);
    if (!out.includes(f)) out.push(f);
  }
  return out;
}

export interface NegotiatedSession {
  /** The peer's AS (4-octet capability when present). */
  readonly peerAs: number;
  readonly peerBgpId: number;
  /** Seconds; the smaller proposal, 0 (no keepalives) or >= 3 (RFC 4271 4.2). */
  readonly holdTime: number;
  /** Seconds between KEEPALIVEs: one third of the hold time (RFC 4271 10), 0 when hold is 0. */
  readonly keepaliveTime: number;
  /** Families both announced, in our OPEN's order. */
  readonly families: readonly Family[];
  readonly fourOctetAs: boolean;
  readonly extendedMessage: boolean;
  /** Both sides announced route refresh (RFC 2918 4). */
  readonly routeRefresh: boolean;
  /** Both sides announced enhanced route refresh (RFC 7313 4). */
  readonly enhancedRouteRefresh: boolean;
  /** The peer's graceful restart capability, when it sent one (RFC 4724). */
  readonly gracefulRestart?: GracefulRestartCapability;
  /** The peer's long-lived graceful restart capability, when it sent one (RFC 9494). */
  readonly longLivedGracefulRestart?: LongLivedGracefulRestartCapability;
  /** Decoding what the peer sends us. */
  readonly rx: CodecContext;
  /** Encoding what we send the peer. */
  readonly tx: CodecContext;
}

/**
 * Everything both OPENs agree on. `local` is the OPEN we sent, `remote` the one we received
 * (already accepted by validateOpen). Throws BgpError Unacceptable Hold Time if our own
 * configured hold time of 1 or 2 would win.
 */
export function negotiateSession(local: OpenMessage, remote: OpenMessage): NegotiatedSession {
  const holdTime = Math.min(local.holdTime, remote.holdTime);
  if (holdTime === 1 || holdTime === 2) {
    throw BgpError.open(OpenSubcode.UnacceptableHoldTime, `negotiated hold time ${holdTime}`);
  }
  const theirs = new Set(openFamilies(remote));
  const rx = codecContextFor(remote, local);
  const tx = codecContextFor(local, remote);
  const gr = findCapability(remote.capabilities, 'graceful-restart');
  const llgr = findCapability(remote.capabilities, 'long-lived-graceful-restart');
  return {
    peerAs: openAsn(remote),
    peerBgpId: remote.bgpId,
    holdTime,
    keepaliveTime: Math.floor(holdTime / 3),
    families: openFamilies(local).filter((f) => theirs.has(f)),
    fourOctetAs: rx.fourOctetAs,
    extendedMessage: rx.extendedMessage,
    routeRefresh: has(local, 'route-refresh') && has(remote, 'route-refresh'),
    enhancedRouteRefresh: has(local, 'enhanced-route-refresh') && has(remote, 'enhanced-route-refresh'),
    ...(gr ? { gracefulRestart: gr } : {}),
    ...(llgr ? { longLivedGracefulRestart: llgr } : {}),
    rx,
    tx,
  };
}
