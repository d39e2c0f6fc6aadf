// The session record of RFC 4271 section 8: the mandatory attributes (State,
// ConnectRetryCounter, the timer "times") and the optional attributes of 8.1.1, held as
// one immutable value that `step` maps to the next one. Times in the config are in
// seconds, as the RFC and our config file give them; actions carry milliseconds.

/** The six states of RFC 4271 8.2.2, by their RFC names (also the /status contract). */
export type StateName = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export const STATE_NAMES: readonly StateName[] = [
  'Idle',
  'Connect',
  'Active',
  'OpenSent',
  'OpenConfirm',
  'Established',
];

/** The FSM's timers: the three mandatory ones (RFC 4271 8) and the two optional (8.1.1). */
export type TimerName = 'connectRetry' | 'hold' | 'keepalive' | 'delayOpen' | 'idleHold';

/** Order in which running timers are stopped on teardown (stable, so action lists are exact). */
export const TIMER_NAMES: readonly TimerName[] = ['connectRetry', 'delayOpen', 'hold', 'keepalive', 'idleHold'];

/** Which timers the FSM believes are armed. */
export type RunningTimers = Readonly<Record<TimerName, boolean>>;

export const NO_TIMERS: RunningTimers = Object.freeze({
  connectRetry: false,
  hold: false,
  keepalive: false,
  delayOpen: false,
  idleHold: false,
});

/**
 * Per-peer configuration: RFC 4271 8 mandatory times plus the 8.1.1 optional attributes.
 * AcceptConnectionsUnconfiguredPeers is a listener matter (dynamic neighbors), not the FSM's.
 */
export interface FsmConfig {
  /** Our AS, to tell internal from external peers on BGPOpen (8.2.2 OpenSent). */
  readonly localAs: number;
  /** HoldTime we offer, seconds: 0 or >= 3 (RFC 4271 4.2). Default 90 (RFC 4271 10). */
  readonly holdTime: number;
  /**
   * KeepaliveTime, seconds; undefined = one third of the negotiated hold time (RFC 4271 10).
   * 0 = no KEEPALIVEs at all, which RFC 4271 4.4 allows only with a negotiated hold time of
   * 0: so it needs holdTime 0 (the OPEN then offers 0, and min(0, theirs) is 0).
   */
  readonly keepaliveTime?: number;
  /** ConnectRetryTime, seconds. Default 120 (RFC 4271 10). */
  readonly connectRetryTime: number;
  /** The "large value" for the HoldTimer in OpenSent, seconds: 4 minutes (RFC 4271 8.2.2). */
  readonly largeHoldTime: number;
  readonly allowAutomaticStart: boolean;
  readonly allowAutomaticStop: boolean;
  readonly passiveTcpEstablishment: boolean;
  /** Damp peer oscillations with the IdleHoldTimer and an exponential back-off. */
  readonly dampPeerOscillations: boolean;
  /** First IdleHoldTime, seconds; doubles on each flap up to idleHoldTimeMax. */
  readonly idleHoldTime: number;
  readonly idleHoldTimeMax: number;
  /** A session that stayed Established this long (seconds) resets the back-off. */
  readonly idleHoldResetTime: number;
  readonly delayOpen: boolean;
  /** DelayOpenTime, seconds. */
  readonly delayOpenTime: number;
  readonly collisionDetectEstablishedState: boolean;
  readonly sendNotificationWithoutOpen: boolean;
  /** TrackTcpState: the shell reports TcpConnection_Valid / Tcp_CR_Invalid (Events 14, 15). */
  readonly trackTcpState: boolean;
}

export const DEFAULT_CONFIG: FsmConfig = Object.freeze({
  localAs: 0,
  holdTime: 90,
  keepaliveTime: undefined,
  connectRetryTime: 120,
  largeHoldTime: 240,
  allowAutomaticStart: true,
  allowAutomaticStop: true,
  passiveTcpEstablishment: false,
  dampPeerOscillations: true,
  idleHoldTime: 5,
  idleHoldTimeMax: 120,
  idleHoldResetTime: 120,
  delayOpen: false,
  delayOpenTime: 5,
  collisionDetectEstablishedState: false,
  sendNotificationWithoutOpen: false,
  trackTcpState: false,
});

/** What the peer's OPEN told us (BGPOpen / BGPOpen_with_DelayOpenTimer_running). */
export interface PeerOpen {
  readonly asn: number;
  /** Hold Time field of the peer's OPEN, seconds. */
  readonly holdTime: number;
  /** BGP Identifier as an unsigned 32-bit integer. */
  readonly bgpId: number;
}

/** The session record: `step` never mutates it, it returns a new one. */
export interface FsmState {
  readonly state: StateName;
  readonly config: FsmConfig;
  /** RFC 4271 8: how many times the peer session was tried and failed since the last start. */
  readonly connectRetryCounter: number;
  readonly timers: RunningTimers;
  /** Negotiated hold time, ms: min(ours, theirs), 0 = no hold and keepalive timers (4.2). */
  readonly holdTimeMs: number;
  /** Keepalive interval, ms (0 when the hold time is 0). */
  readonly keepaliveMs: number;
  /** The IdleHoldTime the next damped transition to Idle will use, seconds. */
  readonly idleHoldTime: number;
  /** The peer's OPEN once received, else undefined. */
  readonly peer?: PeerOpen;
  /** Internal (same AS) or external connection, known after the peer's OPEN. */
  readonly internal?: boolean;
  /** `now` at the last state change (for uptime). */
  readonly since: number;
  /** `now` when the session last reached Established, for the damping reset. */
  readonly establishedAt?: number;
}

/** A fresh session in Idle (RFC 4271 8.2.2: "Initially, the BGP peer FSM is in the Idle state"). */
export function createFsm(config: Partial<FsmConfig> = {}, now = 0): FsmState {
  const merged: FsmConfig = Object.freeze({ ...DEFAULT_CONFIG, ...stripUndefined(config) });
  checkConfig(merged);
  return {
    state: 'Idle',
    config: merged,
    connectRetryCounter: 0,
    timers: NO_TIMERS,
    holdTimeMs: 0,
    keepaliveMs: 0,
    idleHoldTime: merged.idleHoldTime,
    since: now,
  };
}

/**
 * Local configuration mistakes (not peer input) are thrown as RangeError naming the field.
 * RFC 4271 4.2: a Hold Time is 0 or at least 3 seconds, and fits the OPEN's 16 bits.
 */
function checkConfig(c: FsmConfig): void {
  const bad = (field: keyof FsmConfig, why: string): never => {
    throw new RangeError(`fsm config ${field}: ${why} (got ${String(c[field])})`);
  };
  if (!Number.isInteger(c.holdTime) || c.holdTime < 0 || c.holdTime > 0xffff || c.holdTime === 1 || c.holdTime === 2) {
    bad('holdTime', 'must be 0 or an integer from 3 to 65535 seconds');
  }
  if (c.keepaliveTime !== undefined) {
    if (!(Number.isInteger(c.keepaliveTime) && c.keepaliveTime >= 0))
      bad('keepaliveTime', 'must be a whole number of seconds >= 0');
    // RFC 4271 4.4: without KEEPALIVEs a peer holding us to a non-zero hold time drops us.
    if (c.keepaliveTime === 0 && c.holdTime !== 0)
      bad('keepaliveTime', 'of 0 (no KEEPALIVEs) needs holdTime 0 (RFC 4271 4.4)');
  }
  for (const f of [
    'connectRetryTime',
    'largeHoldTime',
    'idleHoldTime',
    'delayOpenTime',
    'idleHoldResetTime',
  ] as const) {
    if (!(Number.isFinite(c[f]) && c[f] > 0)) bad(f, 'must be > 0 seconds');
  }
  if (!(c.idleHoldTimeMax >= c.idleHoldTime)) bad('idleHoldTimeMax', 'must be >= idleHoldTime');
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/**
 * Hold time negotiation, RFC 4271 4.2: the smaller of the two offers; 0 means neither
 * hold nor keepalive timer runs. Keepalive is a third of the hold time (RFC 4271 10) or the
 * configured KeepaliveTime when that is shorter.
 */
export function negotiateHoldTime(
  ourHold: number,
  theirHold: number,
  keepaliveTime?: number,
): { holdTimeMs: number; keepaliveMs: number } {
  const hold = Math.min(ourHold, theirHold);
  if (hold <= 0) return { holdTimeMs: 0, keepaliveMs: 0 };
  const holdTimeMs = hold * 1000;
  let keepaliveMs = Math.floor(holdTimeMs / 3);
  if (keepaliveTime !== undefined && keepaliveTime > 0) keepaliveMs = Math.min(keepaliveMs, keepaliveTime * 1000);
  return { holdTimeMs, keepaliveMs };
}
