// What a peer's configuration turns into, apart from any live connection: the FSM settings each of its connections starts from, the OPEN we send it, and where we connect to it. Pure functions of the config, separate from peer.ts (which keeps the connections, collisions and session state).
import {
  AddPathMode,
  CapabilityCode,
  familyAfi,
  familySafi,
  makeOpen,
  type Capability,
  type Family,
  type OpenMessage,
} from '../messages';
import { defaultLocalAddress, type ConnectOptions } from './transport';
import { createFsm, type FsmConfig } from './state';

export interface PeerSessionConfig {
  address: string;
  port: number;
  asn: number;
  localAddress?: string;
  passive: boolean;
  holdTime: number;
  keepaliveTime?: number;
  connectRetryTime: number;
  families: Family[];
  addPath?: 'receive' | 'send' | 'both';
  routeReflectorClient: boolean;
  dynamic?: boolean;
  /** RFC 2385 TCP-MD5 key; RFC 5082 GTSM hop count (transport.ts, listener-security.ts). */
  password?: string;
  ttlSecurity?: number;
  /** RFC 9687 send hold time, seconds (default: max(8 minutes, 2 x the negotiated hold time)). */
  sendHoldTime?: number;
  /**
   * RFC 4724 3: set the Forwarding State bit for every family: our forwarding state (a node
   * agent's kernel routes) survives a restart of this process, so the peer may keep our
   * routes until we are back and have sent End-of-RIB.
   */
  forwardingPreserved?: boolean;
  /**
   * RFC 4724 3 Restart State bit, asked at each OPEN: true while this speaker is back from a
   * restart and has not yet synced (the peer must not wait for our End-of-RIB before sending
   * its routes, else each side waits for the other). Only the first OPENs after a restart.
   */
  restartState?: () => boolean;
}

/** RFC 4724 3: 120 s is a common Restart Time; the F bit only where forwardingPreserved says so. */
const GR_RESTART_TIME = 120;
/** RFC 4724 3: Forwarding State bit of an <AFI, SAFI> entry. */
const GR_F_BIT = 0x80;
/** RFC 4724 3: Restart State bit of the 4-bit Restart Flags. */
const GR_R_BIT = 0x8;
const ADD_PATH_MODE = { receive: AddPathMode.Receive, send: AddPathMode.Send, both: AddPathMode.Both } as const;

/** The FSM settings every connection of this peer starts from, checked once (at `now`). */
export function peerFsmConfig(config: PeerSessionConfig, localAs: number, now: number): Partial<FsmConfig> {
  const fsmConfig: Partial<FsmConfig> = {
    localAs,
    holdTime: config.holdTime,
    keepaliveTime: config.keepaliveTime,
    connectRetryTime: config.connectRetryTime,
    passiveTcpEstablishment: config.passive,
    // First reconnect soon, then the 8.1.1 back-off doubles it up to two minutes.
    idleHoldTime: Math.min(5, config.connectRetryTime),
    idleHoldTimeMax: 120,
  };
  // A setting the FSM refuses throws here, to whoever configures the peer, rather than
  // later from a timer or a socket callback (where it would take the process down).
  createFsm(fsmConfig, now);
  return fsmConfig;
}

/** The OPEN we send this peer, with our capabilities for its families. */
export function peerOpen(config: PeerSessionConfig, asn: number, routerId: number): OpenMessage {
  const caps: Capability[] = [];
  for (const f of config.families) {
    caps.push({ kind: 'multiprotocol', code: CapabilityCode.Multiprotocol, afi: familyAfi(f), safi: familySafi(f) });
  }
  caps.push({ kind: 'route-refresh', code: CapabilityCode.RouteRefresh });
  caps.push({ kind: 'enhanced-route-refresh', code: CapabilityCode.EnhancedRouteRefresh });
  caps.push({ kind: 'four-octet-as', code: CapabilityCode.FourOctetAs, asn });
  if (config.addPath) {
    const sendReceive = ADD_PATH_MODE[config.addPath];
    caps.push({
      kind: 'add-path',
      code: CapabilityCode.AddPath,
      families: config.families.map((f) => ({ afi: familyAfi(f), safi: familySafi(f), sendReceive })),
    });
  }
  caps.push({ kind: 'extended-message', code: CapabilityCode.ExtendedMessage });
  caps.push({
    kind: 'graceful-restart',
    code: CapabilityCode.GracefulRestart,
    flags: config.restartState?.() ? GR_R_BIT : 0,
    restartTime: GR_RESTART_TIME,
    families: config.families.map((f) => ({
      afi: familyAfi(f),
      safi: familySafi(f),
      flags: config.forwardingPreserved ? GR_F_BIT : 0,
    })),
  });
  return makeOpen({ asn, holdTime: config.holdTime, bgpId: routerId, capabilities: caps });
}

/** Where and how we connect to this peer (source address, TCP-MD5, GTSM). */
export function peerConnectTarget(c: PeerSessionConfig, listenAddress: string | undefined): ConnectOptions {
  const local = c.localAddress ?? defaultLocalAddress(listenAddress, c.address);
  return {
    address: c.address,
    port: c.port,
    ...(local ? { localAddress: local } : {}),
    ...(c.password !== undefined ? { password: c.password } : {}),
    ...(c.ttlSecurity !== undefined ? { ttlSecurity: c.ttlSecurity } : {}),
  };
}
