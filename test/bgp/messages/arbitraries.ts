// fast-check generators for the non-UPDATE messages, shared by the round-trip and fuzz tests.
import fc from 'fast-check';
import {
  CapabilityCode,
  encodeCapabilities,
  type AddPathMode,
  type Capability,
} from '../../../src/bgp/messages/capabilities';
import { encodeOpen, makeOpen, type OpenMessage, type OptionalParameter } from '../../../src/bgp/messages/open';
import { makeNotification } from '../../../src/bgp/messages/notification';
import { makeRouteRefresh } from '../../../src/bgp/messages/route-refresh';
import type { BgpMessage } from '../../../src/bgp/messages/message';
import { KEEPALIVE } from '../../../src/bgp/messages/keepalive';

const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
// Plain objects (fast-check's default null prototype would fail deepStrictEqual).
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>;
}
const KNOWN = new Set([1, 2, 6, 64, 65, 69, 70, 71, 73]);

/** Text that survives UTF-8 both ways and fits a 1-octet length. */
const name = fc
  .string({ unit: 'binary', maxLength: 20 })
  .filter((s) => Buffer.from(s, 'utf8').toString('utf8') === s && Buffer.byteLength(s) <= 255);

export const capabilityArb: fc.Arbitrary<Capability> = fc.oneof(
  rec({ afi: u16, safi: u8 }).map(
    ({ afi, safi }): Capability => ({ kind: 'multiprotocol', code: CapabilityCode.Multiprotocol, afi, safi }),
  ),
  fc.constant<Capability>({ kind: 'route-refresh', code: CapabilityCode.RouteRefresh }),
  fc.constant<Capability>({ kind: 'extended-message', code: CapabilityCode.ExtendedMessage }),
  fc.constant<Capability>({ kind: 'enhanced-route-refresh', code: CapabilityCode.EnhancedRouteRefresh }),
  u32.map((asn): Capability => ({ kind: 'four-octet-as', code: CapabilityCode.FourOctetAs, asn })),
  rec({
    flags: fc.integer({ min: 0, max: 15 }),
    restartTime: fc.integer({ min: 0, max: 4095 }),
    families: fc.array(rec({ afi: u16, safi: u8, flags: u8 }), { maxLength: 5 }),
  }).map((g): Capability => ({ kind: 'graceful-restart', code: CapabilityCode.GracefulRestart, ...g })),
  fc
    .array(rec({ afi: u16, safi: u8, sendReceive: fc.integer({ min: 1, max: 3 }).map((n) => n as AddPathMode) }), {
      maxLength: 5,
    })
    .map((families): Capability => ({ kind: 'add-path', code: CapabilityCode.AddPath, families })),
  fc
    .array(rec({ afi: u16, safi: u8, flags: u8, staleTime: fc.integer({ min: 0, max: 0xffffff }) }), { maxLength: 5 })
    .map(
      (families): Capability => ({
        kind: 'long-lived-graceful-restart',
        code: CapabilityCode.LongLivedGracefulRestart,
        families,
      }),
    ),
  rec({ hostname: name, domain: name }).map(
    ({ hostname, domain }): Capability => ({ kind: 'fqdn', code: CapabilityCode.Fqdn, hostname, domain }),
  ),
  rec({ code: u8.filter((c) => !KNOWN.has(c)), value: fc.uint8Array({ maxLength: 64 }) }).map(
    ({ code, value }): Capability => ({ kind: 'unknown', code, value }),
  ),
);

/** OPENs as makeOpen lays them out (one parameter; RFC 9072 when needed or forced). */
export const madeOpenArb: fc.Arbitrary<OpenMessage> = rec({
  asn: u32,
  holdTime: u16,
  bgpId: u32,
  version: u8,
  extendedOptParams: fc.boolean(),
  capabilities: fc.array(capabilityArb, { maxLength: 20 }),
}).map((o) => makeOpen(o));

/** OPENs with capabilities spread over several parameters, plus other parameter types. */
export const spreadOpenArb: fc.Arbitrary<OpenMessage> = rec({
  base: madeOpenArb,
  groups: fc.array(fc.array(capabilityArb, { maxLength: 4 }), { maxLength: 6 }),
  other: fc.array(rec({ type: u8.filter((t) => t !== 2 && t !== 255), value: fc.uint8Array({ maxLength: 30 }) }), {
    maxLength: 2,
  }),
}).map(({ base, groups, other }) => {
  const params: OptionalParameter[] = groups.map((g) => ({ type: 2, value: encodeCapabilities(g) }));
  const size = params.reduce((n, p) => n + 2 + p.value.length, 0);
  const allOther = size + other.reduce((n, p) => n + 2 + p.value.length, 0) <= 255 || base.extendedOptParams;
  const o: OpenMessage = {
    ...base,
    capabilities: groups.flat(),
    optionalParams: [...params, ...(allOther ? other : [])],
    extendedOptParams: base.extendedOptParams || size > 255,
  };
  return { ...o, length: encodeOpen(o).length };
});

export const notificationArb = rec({ code: u8, subcode: u8, data: fc.uint8Array({ maxLength: 200 }) }).map(
  ({ code, subcode, data }) => makeNotification(code, subcode, data),
);

export const routeRefreshArb = rec({ afi: u16, safi: u8, subtype: u8 }).map(({ afi, safi, subtype }) =>
  makeRouteRefresh(afi, safi, subtype),
);

/** Any non-UPDATE message. */
export const messageArb: fc.Arbitrary<BgpMessage> = fc.oneof(
  madeOpenArb,
  spreadOpenArb,
  notificationArb,
  routeRefreshArb,
  fc.constant<BgpMessage>(KEEPALIVE),
);
