// Shared fixtures for the FSM tests: events with payloads, sessions parked in each state,
// a compact text form of actions so expected lists read like the RFC's bullet lists, and a
// manual clock for the timer wheel.
import {
  BgpError,
  CeaseSubcode,
  DEFAULT_CONTEXT,
  HeaderSubcode,
  IPV4_UNICAST,
  OpenSubcode,
  UpdateSubcode,
  decodeUpdate,
  endOfRib,
  type UpdateMessage,
} from '../../../src/bgp/messages';
import {
  createFsm,
  EVENT_NAMES,
  NO_TIMERS,
  type FsmAction,
  type FsmConfig,
  type FsmEvent,
  type FsmEventType,
  type FsmState,
  type StateName,
  type TimerName,
  type Clock,
} from '../../../src/bgp/fsm';

/** A manual clock for the TimerWheel: its one interval runs only when a test advances time. */
export class FakeClock implements Clock {
  t = 0;
  private fn: (() => void) | undefined;
  private every = 0;
  private nextAt = 0;
  /** setInterval calls so far. */
  intervals = 0;
  now(): number {
    return this.t;
  }
  setInterval(fn: () => void, ms: number): unknown {
    this.fn = fn;
    this.every = ms;
    this.nextAt = this.t + ms;
    this.intervals++;
    return 1;
  }
  clearInterval(): void {
    this.fn = undefined;
  }
  get armed(): boolean {
    return this.fn !== undefined;
  }
  advance(ms: number): void {
    const end = this.t + ms;
    while (this.fn && this.nextAt <= end) {
      this.t = this.nextAt;
      this.nextAt += this.every;
      this.fn();
    }
    this.t = end;
  }
}

export const CONFIG: Partial<FsmConfig> = { localAs: 65000, holdTime: 90 };

export const PEER_OPEN = { asn: 65001, holdTime: 60, bgpId: 0x0a000002 } as const;
export const HEADER_ERR = BgpError.header(HeaderSubcode.BadMessageLength, 'bad length', Uint8Array.of(0x00, 0x0a));
export const OPEN_ERR = BgpError.open(OpenSubcode.BadPeerAs, 'bad peer AS');
export const UPDATE_ERR = BgpError.update(UpdateSubcode.MalformedAttributeList, 'bad attribute list');

/** One event of each of the 28 types, with a payload where the type has one. */
export function sampleEvent(type: FsmEventType): FsmEvent {
  switch (type) {
    case 'BGPOpen':
    case 'BGPOpen_with_DelayOpenTimer_running':
      return { type, ...PEER_OPEN };
    case 'BGPHeaderErr':
      return { type, error: HEADER_ERR };
    case 'BGPOpenMsgErr':
      return { type, error: OPEN_ERR };
    case 'UpdateMsgErr':
      return { type, error: UPDATE_ERR };
    case 'AutomaticStop':
      return { type, subcode: CeaseSubcode.MaxPrefixesReached };
    case 'NotifMsg':
      return { type, code: 6, subcode: 2 };
    case 'NotifMsgVerErr':
      return { type, code: 2, subcode: 1 };
    case 'UpdateMsg':
      return { type, update: AN_UPDATE };
    default:
      return { type } as FsmEvent;
  }
}

/** A real (empty: End-of-RIB) UPDATE, for events that carry one through the FSM untouched. */
export const AN_UPDATE: UpdateMessage = decodeUpdate(endOfRib(IPV4_UNICAST), DEFAULT_CONTEXT);

export const ALL_EVENTS: readonly FsmEventType[] = EVENT_NAMES;

function timers(...on: TimerName[]) {
  const t = { ...NO_TIMERS };
  for (const n of on) t[n] = true;
  return t;
}

/**
 * A session parked in `state` the way the happy path leaves it, with ConnectRetryCounter 2
 * so that reset (0), increment (3) and keep (2) are told apart.
 */
export function parked(state: StateName, config: Partial<FsmConfig> = CONFIG, now = 100_000): FsmState {
  const base = { ...createFsm(config, 0), connectRetryCounter: 2, since: now - 1000 };
  switch (state) {
    case 'Idle':
      return base;
    case 'Connect':
    case 'Active':
      return { ...base, state, timers: timers('connectRetry') };
    case 'OpenSent':
      return { ...base, state, timers: timers('hold') };
    case 'OpenConfirm':
    case 'Established':
      return {
        ...base,
        state,
        timers: timers('keepalive', 'hold'),
        holdTimeMs: 60_000,
        keepaliveMs: 20_000,
        peer: { ...PEER_OPEN },
        internal: false,
        establishedAt: state === 'Established' ? now - 10_000 : undefined,
      };
  }
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/**
 * Actions as short strings: `start:hold:60000` (`~` = jittered), `stop:hold`,
 * `notify:code/subcode/datahex`, `open`, `ka`, `initiate`, `listen`, `drop`, `release`,
 * `up:hold/keepalive`, `down:reason`, `update`.
 */
export function fmt(a: FsmAction): string {
  switch (a.type) {
    case 'startTimer':
      return `start:${a.timer}:${a.ms}${a.jitter ? '~' : ''}`;
    case 'stopTimer':
      return `stop:${a.timer}`;
    case 'sendNotification':
      return `notify:${a.code}/${a.subcode}/${hex(a.data)}`;
    case 'sendOpen':
      return 'open';
    case 'sendKeepalive':
      return 'ka';
    case 'initiateTcp':
      return 'initiate';
    case 'listen':
      return 'listen';
    case 'dropTcp':
      return 'drop';
    case 'releaseResources':
      return 'release';
    case 'sessionUp':
      return `up:${a.holdTimeMs}/${a.keepaliveMs}`;
    case 'sessionDown':
      return `down:${a.reason}`;
    case 'processUpdate':
      return 'update';
  }
}

export function fmtAll(actions: readonly FsmAction[]): string[] {
  return actions.map(fmt);
}
