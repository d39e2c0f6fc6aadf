// ROUTE-REFRESH (RFC 2918 3), with the RFC 7313 3 Message Subtype in the octet RFC 2918
// reserved: 0 normal request, 1 Beginning of Route Refresh, 2 End of Route Refresh.
import { BgpError, ErrorCode, RouteRefreshSubcode } from './errors';
import { withHeader } from './header';
import { HEADER_LENGTH, MessageType } from './types';

export const enum RouteRefreshSubtype {
  Request = 0,
  BeginningOfRouteRefresh = 1, // BoRR
  EndOfRouteRefresh = 2, // EoRR
}

export interface RouteRefreshMessage {
  readonly type: MessageType.RouteRefresh;
  readonly length: number;
  readonly afi: number;
  readonly safi: number;
  /** 0..255; RFC 7313 4: subtypes other than 0-2 are to be ignored by the receiver. */
  readonly subtype: number;
}

const RR_LENGTH = HEADER_LENGTH + 4;

export function decodeRouteRefresh(frame: Uint8Array): RouteRefreshMessage {
  if (frame.length !== RR_LENGTH) {
    // RFC 7313 5: ROUTE-REFRESH Message Error / Invalid Message Length, and the Data field
    // carries the complete ROUTE-REFRESH message. RFC 7313 states it for subtypes 1 and 2;
    // we apply it to every subtype, as RFC 2918 3 fixes the body at 4 octets as well.
    throw new BgpError(
      ErrorCode.RouteRefreshMessage,
      RouteRefreshSubcode.InvalidMessageLength,
      `ROUTE-REFRESH of ${frame.length} octets`,
      frame.slice(),
    );
  }
  const b = HEADER_LENGTH;
  return {
    type: MessageType.RouteRefresh,
    length: RR_LENGTH,
    afi: (frame[b]! << 8) | frame[b + 1]!,
    subtype: frame[b + 2]!,
    safi: frame[b + 3]!,
  };
}

export function encodeRouteRefresh(m: Pick<RouteRefreshMessage, 'afi' | 'safi' | 'subtype'>): Uint8Array {
  return withHeader(MessageType.RouteRefresh, Uint8Array.of(m.afi >> 8, m.afi & 0xff, m.subtype, m.safi));
}

export function makeRouteRefresh(
  afi: number,
  safi: number,
  subtype: number = RouteRefreshSubtype.Request,
): RouteRefreshMessage {
  return { type: MessageType.RouteRefresh, length: RR_LENGTH, afi, safi, subtype };
}
