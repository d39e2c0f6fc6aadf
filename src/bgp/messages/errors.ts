// Errors are values: every failure the codec reports carries the NOTIFICATION
// it maps to (RFC 4271 4.5, 6) and the RFC 7606 action the receiver must take.

/** NOTIFICATION error codes, RFC 4271 4.5 (+ RFC 6608 FSM error, RFC 7313 ROUTE-REFRESH). */
export const enum ErrorCode {
  MessageHeader = 1,
  OpenMessage = 2,
  UpdateMessage = 3,
  HoldTimerExpired = 4,
  FiniteStateMachine = 5,
  Cease = 6,
  RouteRefreshMessage = 7,
}

/** RFC 4271 6.1 */
export const enum HeaderSubcode {
  ConnectionNotSynchronized = 1,
  BadMessageLength = 2,
  BadMessageType = 3,
}

/** RFC 4271 6.2, RFC 5492 (7), RFC 9234 (11 role mismatch, unused here). */
export const enum OpenSubcode {
  Unspecific = 0, // RFC 4271 6.2: a recognized optional parameter is malformed
  UnsupportedVersionNumber = 1,
  BadPeerAs = 2,
  BadBgpIdentifier = 3,
  UnsupportedOptionalParameter = 4,
  UnacceptableHoldTime = 6,
  UnsupportedCapability = 7,
}

/** RFC 4271 6.3 */
export const enum UpdateSubcode {
  MalformedAttributeList = 1,
  UnrecognizedWellKnownAttribute = 2,
  MissingWellKnownAttribute = 3,
  AttributeFlagsError = 4,
  AttributeLengthError = 5,
  InvalidOriginAttribute = 6,
  InvalidNextHopAttribute = 8,
  OptionalAttributeError = 9,
  InvalidNetworkField = 10,
  MalformedAsPath = 11,
}

/** RFC 6608 */
export const enum FsmSubcode {
  Unspecified = 0,
  UnexpectedInOpenSent = 1,
  UnexpectedInOpenConfirm = 2,
  UnexpectedInEstablished = 3,
}

/** RFC 4486 */
export const enum CeaseSubcode {
  MaxPrefixesReached = 1,
  AdministrativeShutdown = 2,
  PeerDeConfigured = 3,
  AdministrativeReset = 4,
  ConnectionRejected = 5,
  OtherConfigurationChange = 6,
  ConnectionCollisionResolution = 7,
  OutOfResources = 8,
  HardReset = 9, // RFC 8538
}

/** RFC 7313 5 */
export const enum RouteRefreshSubcode {
  InvalidMessageLength = 1,
}

/**
 * What the receiver does about an error (RFC 7606 2). The strongest wins when several
 * apply: session-reset > afi-safi-disable > treat-as-withdraw > attribute-discard.
 */
export type ErrorAction = 'attribute-discard' | 'treat-as-withdraw' | 'afi-safi-disable' | 'session-reset';

const ACTION_RANK: Record<ErrorAction, number> = {
  'attribute-discard': 0,
  'treat-as-withdraw': 1,
  'afi-safi-disable': 2,
  'session-reset': 3,
};

/** The stronger of two actions (RFC 7606 3 (last paragraph)). */
export function strongerAction(a: ErrorAction, b: ErrorAction): ErrorAction {
  return ACTION_RANK[a] >= ACTION_RANK[b] ? a : b;
}

const EMPTY = new Uint8Array(0);

/**
 * The one error type of the codec. `code`/`subcode`/`data` are what goes into the
 * NOTIFICATION when `action` is 'session-reset'.
 */
export class BgpError extends Error {
  override readonly name = 'BgpError';
  constructor(
    readonly code: number,
    readonly subcode: number,
    message: string,
    readonly data: Uint8Array = EMPTY,
    readonly action: ErrorAction = 'session-reset',
  ) {
    super(message);
  }

  withAction(action: ErrorAction): BgpError {
    return new BgpError(this.code, this.subcode, this.message, this.data, action);
  }

  // Named constructors for the common cases.
  static header(subcode: HeaderSubcode, message: string, data: Uint8Array = EMPTY): BgpError {
    return new BgpError(ErrorCode.MessageHeader, subcode, message, data);
  }
  static open(subcode: OpenSubcode, message: string, data: Uint8Array = EMPTY): BgpError {
    return new BgpError(ErrorCode.OpenMessage, subcode, message, data);
  }
  static update(
    subcode: UpdateSubcode,
    message: string,
    data: Uint8Array = EMPTY,
    action: ErrorAction = 'session-reset',
  ): BgpError {
    return new BgpError(ErrorCode.UpdateMessage, subcode, message, data, action);
  }
  static fsm(subcode: FsmSubcode, message: string): BgpError {
    return new BgpError(ErrorCode.FiniteStateMachine, subcode, message);
  }
  static cease(subcode: CeaseSubcode, message: string, data: Uint8Array = EMPTY): BgpError {
    return new BgpError(ErrorCode.Cease, subcode, message, data);
  }
}

export function isBgpError(e: unknown): e is BgpError {
  return e instanceof BgpError;
}
