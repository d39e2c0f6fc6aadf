// Round-trip properties (fast-check) of OPEN, NOTIFICATION, ROUTE-REFRESH: encode then
// decode gives the same value, and re-encoding gives the same octets.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeMessage, encodeMessage } from '../../../src/bgp/messages/message';
import { MessageFramer } from '../../../src/bgp/messages/framer';
import { makeShutdownNotification, shutdownCommunication } from '../../../src/bgp/messages/notification';
import { CeaseSubcode } from '../../../src/bgp/messages/errors';
import { DEFAULT_CONTEXT } from '../../../src/bgp/messages/types';
import { madeOpenArb, spreadOpenArb, notificationArb, routeRefreshArb, messageArb } from './arbitraries';
import { checkProperty } from '../../helpers/property';
import { prng, randomChunks } from './fixture-rows';

function roundTrip(t: TestContext, arb: fc.Arbitrary<Parameters<typeof encodeMessage>[0]>): void {
  checkProperty(
    t,
    fc.property(arb, (m) => {
      const wire = encodeMessage(m, DEFAULT_CONTEXT);
      assert.equal(wire.length, m.length);
      const back = decodeMessage(wire, DEFAULT_CONTEXT);
      assert.deepEqual(back, m);
      assert.deepEqual(encodeMessage(back, DEFAULT_CONTEXT), wire);
    }),
  );
}

test('property: OPEN from makeOpen with random capability lists round-trips', (t) => roundTrip(t, madeOpenArb));
test('property: OPEN with capabilities over several parameters round-trips', (t) => roundTrip(t, spreadOpenArb));
test('property: NOTIFICATION round-trips', (t) => roundTrip(t, notificationArb));
test('property: ROUTE-REFRESH round-trips', (t) => roundTrip(t, routeRefreshArb));

test('property: shutdown communication round-trips, cut to 255 octets on a character boundary (RFC 9003 2)', (t) => {
  checkProperty(
    t,
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.boolean(), (s, reset) => {
      fc.pre(Buffer.from(s, 'utf8').toString('utf8') === s);
      const n = makeShutdownNotification(
        reset ? CeaseSubcode.AdministrativeReset : CeaseSubcode.AdministrativeShutdown,
        s,
      );
      const back = decodeMessage(encodeMessage(n, DEFAULT_CONTEXT), DEFAULT_CONTEXT);
      const text = shutdownCommunication(back as typeof n);
      assert.ok(text !== undefined);
      assert.ok(Buffer.byteLength(text) <= 255);
      assert.ok(s.startsWith(text));
      if (Buffer.byteLength(s) <= 255) assert.equal(text, s);
      else assert.ok(Buffer.byteLength(s.slice(0, text.length + 2)) > 255 || text.length === s.length);
    }),
  );
});

test('property: any sequence of messages survives the framer in any chunking', (t) => {
  checkProperty(
    t,
    fc.property(fc.array(messageArb, { minLength: 1, maxLength: 8 }), fc.integer(), (msgs, seed) => {
      const stream = Buffer.concat(msgs.map((m) => encodeMessage(m, DEFAULT_CONTEXT)));
      const f = new MessageFramer();
      const got: unknown[] = [];
      for (const c of randomChunks(new Uint8Array(stream), prng(seed), 64)) {
        f.push(c);
        for (let fr = f.next(); fr; fr = f.next()) got.push(decodeMessage(fr, DEFAULT_CONTEXT));
      }
      assert.deepEqual(got, msgs);
    }),
  );
});
