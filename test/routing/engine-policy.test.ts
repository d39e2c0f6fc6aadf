// The routing engine's per-session settings with fake sessions: import policy before the
// decision (RFC 4271 9.1.1), export policy as part of the update-group signature, ADD-PATH
// send modes where the session negotiated them (RFC 7911), max-prefix (RFC 4486).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  IPV4_UNICAST,
  IPV6_UNICAST,
  decodeUpdate,
  packAnnouncements,
  parsePrefix,
  updateToJson,
  type CodecContext,
  type UpdateMessage,
  type BgpError,
} from '../../src/bgp/messages';
import { parseIpv6 } from '../../src/net';
import type { RoutingEngine, SessionHandle, SessionSettings, PolicyDefs } from '../../src/routing';
import { validateConfig } from '../../src/config';
import { FakeSessionBase } from '../helpers/sessions';
import { ip4 } from '../helpers/addr';
import { testEngine } from '../helpers/engine';

const CTX: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set() };
const CTX_AP: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set([IPV4_UNICAST]) };

class FakeSession extends FakeSessionBase implements SessionHandle {
  readonly written: Uint8Array[] = [];
  readonly failed: BgpError[] = [];
  counts = { received: 0, accepted: 0, advertised: 0 };
  negotiated: { families: number[]; fourOctetAs: boolean; tx: CodecContext };
  readonly config: SessionHandle['config'];
  constructor(
    address: string,
    readonly remoteBgpId: number,
    readonly tx: CodecContext = CTX,
    asn = 65000,
  ) {
    super();
    this.config = { address, asn, routeReflectorClient: asn === 65000 };
    this.negotiated = { families: [IPV4_UNICAST], fourOctetAs: true, tx };
  }
  write(buf: Uint8Array): boolean {
    this.written.push(buf);
    return true;
  }
  setPrefixCounts(c: { received: number; accepted: number; advertised: number }): void {
    this.counts = c;
  }
  fail(err: BgpError): void {
    this.failed.push(err);
  }
  /** Announced NLRI text (with #pathId under ADD-PATH) -> attributes, in arrival order. */
  announced(): Array<[string, Record<string, unknown>]> {
    const out: Array<[string, Record<string, unknown>]> = [];
    for (const b of this.written) {
      const u = updateToJson(decodeUpdate(b, this.tx));
      const at = u.attributes as Record<string, unknown> | undefined;
      const mp = (at?.mpReach as { nlri?: string[] } | undefined)?.nlri ?? [];
      for (const p of [...((u.nlri as string[] | undefined) ?? []), ...mp]) out.push([p, at!]);
    }
    return out;
  }
  announce(prefixes: string[], attrs: Record<string, unknown>): void {
    const ps = prefixes.map((p) => parsePrefix(p)!);
    const nextHop = typeof attrs.nextHop === 'string' ? { nextHop: ip4(attrs.nextHop) } : {};
    const full = { origin: 0, asPath: [], localPref: 100, ...attrs, ...nextHop } as Parameters<
      typeof packAnnouncements
    >[0];
    for (const m of packAnnouncements(full, IPV4_UNICAST, ps, CTX)) this.deliver(decodeUpdate(m, CTX) as UpdateMessage);
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

// Policies as an operator writes them, through the config validator.
const defs: PolicyDefs = validateConfig({
  routerId: '10.0.0.1',
  asn: 65000,
  prefixLists: {
    bogus: [{ action: 'permit', prefix: '10.9.0.0/16', le: 32 }],
    pods: [
      { action: 'permit', prefix: '10.233.0.0/16', ge: 26, le: 32 },
      { action: 'permit', prefix: '2001:db8::/32', ge: 48 },
    ],
  },
  policies: {
    'from-node': [
      { match: { prefixList: 'bogus' }, action: 'reject' },
      { match: { prefixList: 'pods' }, action: 'accept', set: { localPref: 300, communities: { add: ['65000:100'] } } },
      { match: { community: ['65000:666'] }, action: 'reject' },
    ],
    'to-tor': [
      {
        match: { community: ['65000:100'] },
        action: 'accept',
        set: { med: 50, communities: { delete: ['65000:100'] } },
      },
      { action: 'reject' },
    ],
  },
});

function engine(): RoutingEngine {
  return testEngine({ policies: defs });
}

function up(e: RoutingEngine, s: FakeSession, settings?: SessionSettings): FakeSession {
  e.attach(s, settings);
  s.established();
  return s;
}

test('import policy: rejected prefixes never reach the Adj-RIB-In; accepted ones carry the rewrite', async () => {
  const e = engine();
  const a = up(e, new FakeSession('192.0.2.2', 2), { importPolicy: 'from-node' });
  const b = up(e, new FakeSession('192.0.2.3', 3));
  await settle();
  a.announce(['10.9.1.0/24', '10.233.0.0/26', '10.1.0.0/24'], { nextHop: '192.0.2.2' });
  a.announce(['10.2.0.0/24'], { nextHop: '192.0.2.2', communities: [((65000 << 16) | 666) >>> 0] });
  await settle();
  const got = new Map(b.announced());
  assert.deepEqual([...got.keys()].sort(), ['10.1.0.0/24', '10.233.0.0/26']);
  assert.equal(got.get('10.233.0.0/26')!.localPref, 300);
  assert.deepEqual(got.get('10.233.0.0/26')!.communities, ['65000:100']);
  assert.equal(got.get('10.1.0.0/24')!.localPref, 100); // fell off the end: accepted unchanged
  assert.equal(got.get('10.1.0.0/24')!.communities, undefined);
  assert.deepEqual(
    e
      .routes('ipv4-unicast')
      .map((r) => r.prefix)
      .sort(),
    ['10.1.0.0/24', '10.233.0.0/26'],
  );
  assert.equal(a.counts.accepted, 2);
  // The other client's paths are not filtered by a's policy.
  b.announce(['10.9.2.0/24'], { nextHop: '192.0.2.3' });
  await settle();
  assert.deepEqual(new Map(a.announced()).has('10.9.2.0/24'), true);
  e.close();
});

test('export policy: its own update group, filtered and rewritten; others see the plain route', async () => {
  const e = engine();
  const src = up(e, new FakeSession('192.0.2.2', 2), { importPolicy: 'from-node' });
  const tor = up(e, new FakeSession('192.0.2.3', 3), { exportPolicy: 'to-tor' });
  const plain = up(e, new FakeSession('192.0.2.4', 4));
  await settle();
  src.announce(['10.233.0.64/26', '10.1.0.0/24'], { nextHop: '192.0.2.2' });
  await settle();
  const t = new Map(tor.announced());
  assert.deepEqual([...t.keys()], ['10.233.0.64/26']); // only routes tagged 65000:100 pass
  assert.equal(t.get('10.233.0.64/26')!.med, 50);
  assert.equal(t.get('10.233.0.64/26')!.communities, undefined); // the tag is deleted on the way out
  const p = new Map(plain.announced());
  assert.deepEqual([...p.keys()].sort(), ['10.1.0.0/24', '10.233.0.64/26']);
  assert.deepEqual(p.get('10.233.0.64/26')!.communities, ['65000:100']);
  assert.equal(p.get('10.233.0.64/26')!.med, undefined);
  // Peers with different export policies are in different groups; equal settings share one.
  const groups = e as unknown as { groups: Map<number, { groupOf(i: number): unknown }> };
  const g = groups.groups.get(IPV4_UNICAST)!;
  const index = (addr: string) => e.peers.all().find((x) => x.address === addr)!.index;
  assert.notEqual(g.groupOf(index('192.0.2.3')), g.groupOf(index('192.0.2.4')));
  const tor2 = up(e, new FakeSession('192.0.2.5', 5), { exportPolicy: 'to-tor' });
  await settle();
  assert.equal(g.groupOf(index('192.0.2.5')), g.groupOf(index('192.0.2.3')));
  assert.deepEqual(
    tor2.announced().map(([k]) => k),
    ['10.233.0.64/26'],
  );
  assert.throws(
    () => e.attach(new FakeSession('192.0.2.9', 9), { exportPolicy: 'missing' }),
    /policy "missing" is not defined/,
  );
  e.close();
});

test('ADD-PATH send: all paths, best N, or the best only where not negotiated (RFC 7911)', async () => {
  const e = engine();
  const a = up(e, new FakeSession('192.0.2.2', 2));
  const b = up(e, new FakeSession('192.0.2.3', 3));
  const c = up(e, new FakeSession('192.0.2.4', 4));
  const all = up(e, new FakeSession('192.0.2.10', 10, CTX_AP), { addPathSend: 'all' });
  const dflt = up(e, new FakeSession('192.0.2.11', 11, CTX_AP));
  const best2 = up(e, new FakeSession('192.0.2.12', 12, CTX_AP), { addPathSend: 2 });
  const none = up(e, new FakeSession('192.0.2.13', 13), { addPathSend: 'all' }); // not negotiated
  await settle();
  a.announce(['10.5.0.0/24'], { nextHop: '192.0.2.2', localPref: 100 });
  b.announce(['10.5.0.0/24'], { nextHop: '192.0.2.3', localPref: 200 });
  c.announce(['10.5.0.0/24'], { nextHop: '192.0.2.4', localPref: 150 });
  await settle();
  // Current paths per receiver: the last announcement per NLRI text (path IDs included).
  const current = (s: FakeSession) => new Map(s.announced().map(([k, v]) => [k, v.nextHop as string]));
  const hops = (s: FakeSession) => [...current(s).values()].sort();
  assert.deepEqual(hops(all), ['192.0.2.2', '192.0.2.3', '192.0.2.4']);
  assert.ok(
    [...current(all).keys()].every((k) => /^10\.5\.0\.0\/24#\d+$/.test(k)),
    'each path has its own path ID',
  );
  assert.equal(new Set(current(all).keys()).size, 3);
  assert.deepEqual(hops(dflt), ['192.0.2.2', '192.0.2.3', '192.0.2.4']); // default 'all'
  assert.deepEqual(hops(best2), ['192.0.2.3', '192.0.2.4']); // LOCAL_PREF 200 and 150
  assert.deepEqual([...current(none).entries()], [['10.5.0.0/24', '192.0.2.3']]); // best only, no path ID
  e.close();
});

test('max-prefix from the settings: Cease subcode 1 with AFI/SAFI and the limit (RFC 4486 4)', async () => {
  const e = engine();
  const a = up(e, new FakeSession('192.0.2.2', 2), { maxPrefixes: 2 });
  await settle();
  a.announce(['10.1.0.0/24', '10.1.1.0/24', '10.1.2.0/24'], { nextHop: '192.0.2.2' });
  assert.equal(a.failed.length, 1);
  const err = a.failed[0]!;
  assert.deepEqual([err.code, err.subcode], [6, 1]);
  assert.equal(Buffer.from(err.data).toString('hex'), '00010100000002');
  e.close();
});

test('eBGP import policy runs after the receive rules: a LOCAL_PREF it sets survives (RFC 4271 5.1.5 strips the received one)', async () => {
  const e = engine();
  const tor = up(e, new FakeSession('192.0.2.254', 254, CTX, 64512), { importPolicy: 'from-node' });
  const b = up(e, new FakeSession('192.0.2.3', 3));
  await settle();
  const ps = ['10.233.9.0/26', '10.7.0.0/24'].map((p) => parsePrefix(p)!);
  for (const m of packAnnouncements(
    { origin: 0, asPath: [{ type: 2, asns: [64512] }], nextHop: ip4('192.0.2.254'), localPref: 999 },
    IPV4_UNICAST,
    ps,
    CTX,
  ))
    tor.deliver(decodeUpdate(m, CTX) as UpdateMessage);
  await settle();
  const got = new Map(b.announced());
  assert.equal(got.get('10.233.9.0/26')!.localPref, 300, 'set by the policy');
  assert.equal(got.get('10.7.0.0/24')!.localPref, 100, 'the received 999 was ignored; iBGP default');
  e.close();
});

test('IPv6: import policy with the IPv6 half of a prefix list, ADD-PATH all with path IDs in MP_REACH_NLRI', async () => {
  const CTX6: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set() };
  const CTX6_AP: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set([IPV6_UNICAST]) };
  const e = testEngine({ families: [IPV6_UNICAST], policies: defs });
  const v6 = (s: FakeSession) => {
    s.negotiated = { families: [IPV6_UNICAST], fourOctetAs: true, tx: s.tx };
    return s;
  };
  const a = up(e, v6(new FakeSession('2001:db8::2', 2, CTX6)), { importPolicy: 'from-node' });
  const b = up(e, v6(new FakeSession('2001:db8::3', 3, CTX6)));
  const multi = up(e, v6(new FakeSession('2001:db8::4', 4, CTX6_AP)), { addPathSend: 'all' });
  await settle();
  const send = (s: FakeSession, prefixes: string[], hop: string) => {
    const attrs = {
      origin: 0,
      asPath: [],
      localPref: 100,
      mpReach: {
        afi: 2,
        safi: 1,
        nextHop: parseIpv6(hop)!,
        nlri: { afi: 2, safi: 1, addPath: false, bytes: new Uint8Array(0), count: 0 },
      },
    };
    for (const m of packAnnouncements(
      attrs as never,
      IPV6_UNICAST,
      prefixes.map((p) => parsePrefix(p)!),
      CTX6,
    )) {
      s.deliver(decodeUpdate(m, CTX6) as UpdateMessage);
    }
  };
  // 2001:db8:1::/48 is in the `pods` list's IPv6 entry (ge 48): tagged; 2001:db8:100::/40 is not (shorter than ge 48).
  send(a, ['2001:db8:1::/48', '2001:db8:100::/40'], '2001:db8::2');
  send(b, ['2001:db8:1::/48'], '2001:db8::3');
  await settle();
  const m = new Map(multi.announced().map(([k, v]) => [k, (v.mpReach as { nextHops: string[] }).nextHops[0]]));
  const ids = [...m.keys()].filter((k) => k.startsWith('2001:db8:1::/48#'));
  assert.equal(ids.length, 2, `two paths with path IDs: ${[...m.keys()]}`);
  assert.deepEqual(ids.map((k) => m.get(k)).sort(), ['2001:db8::2', '2001:db8::3']);
  const atB = new Map(b.announced());
  assert.deepEqual([...atB.keys()].sort(), ['2001:db8:100::/40', '2001:db8:1::/48']);
  assert.deepEqual(atB.get('2001:db8:1::/48')!.communities, ['65000:100']); // a's path won: LOCAL_PREF 300
  assert.equal(atB.get('2001:db8:100::/40')!.communities, undefined); // outside the list: unchanged
  e.close();
});
