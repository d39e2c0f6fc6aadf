// What a role gives the routing engine: its identity, families, policies, timers, and the
// hooks through which it hears of decisions (a node's FIB, End-of-RIB, routes too large);
// localIdentity() turns them into the LocalIdentity every session's rules use.
import type { Family } from '../bgp/messages';
import { parseIpv4 } from '../net';
import type { Logger } from '../observability';
import type { LocRibChange, Rib } from '../rib';
import { REAL_TIMERS, type EngineTimers } from './graceful-restart';
import { INITIAL_EOR_MAX_MS, type InitialEorBound } from './initial-eor';
import type { PolicyDefs } from './policies';
import type { LocalIdentity } from './rules';
import type { SessionHandle } from './sessions';

export interface EngineOptions {
  readonly asn: number;
  readonly routerId: string;
  /** RFC 4456: reflect with this cluster ID (dotted); absent: a plain speaker. */
  readonly clusterId?: string;
  readonly families?: readonly Family[];
  readonly logger: Logger;
  /** Named prefix lists and policies that SessionSettings refer to. */
  readonly policies?: PolicyDefs;
  /** Timer facility for RFC 4724 / RFC 7313 stale paths (default: real, unref'd timers). */
  readonly timers?: EngineTimers;
  /** RFC 4724 4.2 upper bound on stale paths once the peer is back, and RFC 7313 EoRR wait (default 360 s). */
  readonly staleTimeSeconds?: number;
  /** A route withdrawn from an update group because its attributes fit no UPDATE (a metric). */
  readonly onRouteTooLarge?: (family: Family) => void;
  /** RFC 4271 9.1.2.2 up to (e): also collect the equal-cost paths (LocRibChange.multipath) for ECMP. */
  readonly multipath?: boolean;
  /**
   * Every batch of Loc-RIB changes of a family, as decided (a node agent's FIB reads them).
   * Prefix ids are valid only during the call: format them with rib.prefixes.format() there.
   */
  readonly onLocRibChanges?: (family: Family, rib: Rib, changes: readonly LocRibChange[]) => void;
  /** A stub (node agent): only our own routes go to eBGP peers, nothing learned passes through. */
  readonly ownRoutesOnlyToEbgp?: boolean;
  /** A session's End-of-RIB for a family (RFC 4724 2), after its UPDATEs went into the RIB. */
  readonly onEndOfRib?: (session: SessionHandle, family: Family) => void;
  /**
   * RFC 4724 4.1 Selection_Deferral_Timer (ms): this speaker restarted, so no session is sent
   * routes or End-of-RIB until every peer given to expectPeers() sent its End-of-RIB (peers
   * without graceful restart or with the Restart State bit not waited on) or this long.
   */
  readonly selectionDeferralMs?: number;
}

/**
 * The bound on every session's first End-of-RIB (initial-eor.ts): the selection deferral time
 * where one is configured, else INITIAL_EOR_MAX_MS; `wake` schedules the turn that sends it.
 */
export function initialEorBound(opts: EngineOptions, wake: () => void): InitialEorBound {
  return { ms: opts.selectionDeferralMs ?? INITIAL_EOR_MAX_MS, timers: opts.timers ?? REAL_TIMERS, wake };
}

/** Our identity on every session from the options; RangeError for a routerId that is not IPv4. */
export function localIdentity(opts: EngineOptions): LocalIdentity {
  const routerId = parseIpv4(opts.routerId);
  if (routerId === undefined) throw new RangeError(`routerId ${opts.routerId} is not an IPv4 address`);
  const clusterId = opts.clusterId === undefined ? undefined : parseIpv4(opts.clusterId);
  return {
    asn: opts.asn,
    routerId,
    ...(clusterId === undefined ? {} : { clusterId }),
    ...(opts.ownRoutesOnlyToEbgp ? { ownRoutesOnlyToEbgp: true } : {}),
  };
}
