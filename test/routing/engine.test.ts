// The routing engine with fake sessions: UPDATEs in, reflected UPDATEs out (RFC 4456 6, 8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  IPV4_UNICAST,
  decodeUpdate,
  packAnnouncements,
  packWithdrawals,
  parsePrefix,
  updateToJson,
  type CodecContext,
  type UpdateMessage,
} from '../../src/bgp/messages';
import { RoutingEngine, type SessionHandle } from '../../src/routing';
import { silentLogger } from '../../src/observability';
import { FakeSessionBase } from '../helpers/sessions';
import { ip4 } from '../helpers/addr';
import { testEngine } from '../helpers/engine';

const CTX: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set() };

class FakeSession extends FakeSessionBase implements SessionHandle {
  readonly written: Uint8Array[] = [];
  counts = { received: 0, accepted: 0, advertised: 0 };
  negotiated = { families: [IPV4_UNICAST], fourOctetAs: true, tx: CTX };
  constructor(
    readonly config: SessionHandle['config'],
    readonly remoteBgpId: number,
    private accept = Infinity,
  ) {
    super();
  }
  write(buf: Uint8Array): boolean {
    this.written.push(buf);
    return this.written.length < this.accept;
  }
  setPrefixCounts(c: { received: number; accepted: number; advertised: number }): void {
    this.counts = c;
  }
  updates(): Array<Record<string, unknown>> {
    return this.written.map((b) => updateToJson(decodeUpdate(b, CTX)));
  }
}

const tick = () => new Promise((r) => setImmediate(r));
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await tick();
}

function client(addr: string, id: number): FakeSession {
  return new FakeSession({ address: addr, asn: 65000, routeReflectorClient: true }, id);
}

test('a route from one client reaches the other with ORIGINATOR_ID and CLUSTER_LIST, then is withdrawn', async () => {
  const engine = testEngine();
  const a = client('192.0.2.2', 0xc0000202);
  const b = client('192.0.2.3', 0xc0000203);
  engine.attach(a);
  engine.attach(b);
  a.established();
  b.established();
  await settle();
  const before = b.written.length;
  const attrs = { origin: 0, asPath: [], nextHop: ip4('192.0.2.2'), localPref: 100 };
  const prefixes = ['10.1.0.0/24', '10.1.1.0/24'].map((p) => parsePrefix(p)!);
  for (const m of packAnnouncements(attrs, IPV4_UNICAST, prefixes, CTX)) a.deliver(decodeUpdate(m, CTX));
  await settle();
  const got = b
    .updates()
    .slice(before)
    .filter((u) => u.nlri);
  assert.equal(got.length, 1);
  assert.deepEqual([...(got[0]!.nlri as string[])].sort(), ['10.1.0.0/24', '10.1.1.0/24']);
  const at = got[0]!.attributes as Record<string, unknown>;
  assert.equal(at.originatorId, '192.0.2.2'); // RFC 4456 8: the originating client's BGP id
  assert.deepEqual(at.clusterList, ['10.0.0.1']); // our cluster ID prepended
  assert.equal(at.nextHop, '192.0.2.2'); // next hop unchanged on reflection
  // Never back to the source.
  assert.equal(a.updates().filter((u) => u.nlri).length, 0);
  assert.equal(a.counts.received, 2);
  assert.equal(b.counts.advertised, 2);
  assert.deepEqual(
    engine
      .routes('ipv4-unicast')
      .map((r) => r.prefix)
      .sort(),
    ['10.1.0.0/24', '10.1.1.0/24'],
  );
  assert.throws(() => engine.routes('ipv9'), RangeError);

  for (const m of packWithdrawals(IPV4_UNICAST, [prefixes[0]!], CTX)) a.deliver(decodeUpdate(m, CTX));
  await settle();
  const w = b.updates().filter((u) => u.withdrawn);
  assert.deepEqual(w.at(-1)!.withdrawn, ['10.1.0.0/24']);

  // Session down: its remaining path goes too.
  a.ended('test');
  await settle();
  assert.deepEqual(
    b
      .updates()
      .filter((u) => u.withdrawn)
      .at(-1)!.withdrawn,
    ['10.1.1.0/24'],
  );
  assert.equal(engine.routes('ipv4-unicast').length, 0);
  engine.close();
});

test('a route carrying our own cluster ID is dropped (RFC 4456 8)', async () => {
  const engine = new RoutingEngine({
    asn: 65000,
    routerId: '10.0.0.1',
    clusterId: '10.0.0.9',
    logger: silentLogger,
    families: [IPV4_UNICAST],
  });
  const a = client('192.0.2.2', 2);
  engine.attach(a);
  a.established();
  const attrs = {
    origin: 0,
    asPath: [],
    nextHop: ip4('192.0.2.2'),
    localPref: 100,
    clusterList: [ip4('10.0.0.9')],
    originatorId: ip4('192.0.2.7'),
  };
  for (const m of packAnnouncements(attrs, IPV4_UNICAST, [parsePrefix('10.9.0.0/16')!], CTX))
    a.deliver(decodeUpdate(m, CTX));
  await settle();
  assert.equal(engine.routes('ipv4-unicast').length, 0);
  engine.close();
});

test('a session whose socket pushes back gets the rest after drain', async () => {
  const engine = testEngine();
  const a = client('192.0.2.2', 2);
  const slow = new FakeSession({ address: '192.0.2.3', asn: 65000, routeReflectorClient: true }, 3, 1);
  engine.attach(a);
  engine.attach(slow);
  a.established();
  slow.established();
  await settle();
  const prefixes: ReturnType<typeof parsePrefix>[] = [];
  for (let i = 0; i < 5000; i++) prefixes.push(parsePrefix(`10.${i >> 8}.${i & 255}.0/24`));
  // 100 attribute sets: at least 100 UPDATEs, more than one pull batch.
  for (let k = 0; k < 100; k++) {
    const part = prefixes.slice(k * 50, (k + 1) * 50).map((p) => p!);
    for (const m of packAnnouncements(
      { origin: 0, asPath: [], nextHop: ip4('192.0.2.2'), localPref: 100 + k },
      IPV4_UNICAST,
      part,
      CTX,
    )) {
      a.deliver(decodeUpdate(m, CTX));
    }
  }
  await settle();
  const stalled = slow.written.length;
  assert.ok(stalled <= 70, `a blocked session is not written to without bound (${stalled})`);
  let n = 0;
  for (
    let i = 0;
    i < 200 && slow.updates().reduce((s, u) => s + ((u.nlri as string[] | undefined)?.length ?? 0), 0) < 5000;
    i++
  ) {
    slow.drained();
    await settle();
    n++;
  }
  const total = slow.updates().reduce((s, u) => s + ((u.nlri as string[] | undefined)?.length ?? 0), 0);
  assert.equal(total, 5000);
  assert.ok(n > 1);
  engine.close();
});

test('an internal error on one session resets that session only (Cease / Out of Resources)', async () => {
  const engine = testEngine();
  const a = client('192.0.2.2', 2);
  const failed: Array<{ code: number; subcode: number }> = [];
  (a as unknown as { fail: (e: { code: number; subcode: number }) => void }).fail = (e) =>
    failed.push({ code: e.code, subcode: e.subcode });
  engine.attach(a);
  a.established();
  // Not an UpdateMessage at all: the engine throws inside, the guard catches it.
  assert.doesNotThrow(() => a.deliver({ bogus: true } as unknown as UpdateMessage));
  assert.deepEqual(failed, [{ code: 6, subcode: 8 }]);
  engine.close();
});
