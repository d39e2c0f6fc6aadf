// The expected outputs in this folder are tshark's reading of the captures: for every
// capture, scripts/tshark-to-ndjson.mjs (Wireshark's BGP dissector, converted to contract 1)
// prints exactly the stored .ndjson. A second set of checks pins what each recorded
// scenario must contain, so a re-recording that lost a feature fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, skipReason } from '../helpers/env';

const DIR = path.join(REPO_ROOT, 'test', 'pcap-fixtures');
const SCRIPT = path.join(REPO_ROOT, 'scripts', 'tshark-to-ndjson.mjs');

/** Capture files that have an expected .ndjson beside them. */
const fixtures = readdirSync(DIR)
  .filter((f) => /\.pcap(ng)?$/.test(f))
  .filter((f) => existsSync(path.join(DIR, f.replace(/\.pcap(ng)?$/, '.ndjson'))))
  .sort();

function expected(name: string): Msg[] {
  return readFileSync(path.join(DIR, `${name}.ndjson`), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Msg);
}

test('at least 6 captures with expected NDJSON, one of them pcapng', () => {
  assert.ok(fixtures.length >= 6, `found ${fixtures.join(', ')}`);
  assert.ok(fixtures.some((f) => f.endsWith('.pcapng')));
});

for (const f of fixtures) {
  test(`tshark-to-ndjson ${f} gives the stored .ndjson exactly`, {
    skip: skipReason('tshark'),
    timeout: 60_000,
  }, () => {
    const got = execFileSync(process.execPath, [SCRIPT, path.join(DIR, f)], { encoding: 'utf8', maxBuffer: 256 << 20 });
    const want = readFileSync(path.join(DIR, f.replace(/\.pcap(ng)?$/, '.ndjson')), 'utf8');
    assert.ok(want.length > 0);
    assert.equal(got, want);
  });
}

test('tshark-to-ndjson: a missing file is one line on stderr and exit 1', () => {
  const r = spawnSync(process.execPath, [SCRIPT, path.join(DIR, 'no-such-capture.pcap')], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^tshark-to-ndjson: .*no such file\n$/);
});

// --- What each recorded scenario must show (see README.md) ---

// The NDJSON line shape (contract 1) as far as the checks below read it; every key is optional
// because one type covers every message type and the checks probe keys that may be missing.
interface Segment {
  type: string;
  asns: number[];
}
interface Unknown {
  type: number;
  flags: number;
  hex: string;
}
interface Attrs {
  asPath?: Segment[];
  as4Path?: Segment[];
  med?: number;
  localPref?: number;
  communities?: unknown[];
  extCommunities?: unknown[];
  largeCommunities?: unknown[];
  originatorId?: string;
  clusterList?: string[];
  aggregator?: { asn: number };
  as4Aggregator?: { asn: number };
  atomicAggregate?: boolean;
  mpReach?: { afi: number; nextHops: string[]; nlri: string[] };
  mpUnreach?: { withdrawn?: string[] };
  unknown?: Unknown[];
}
interface Msg {
  type?: string;
  src?: string;
  length?: number;
  error?: unknown;
  asn?: number;
  capabilities?: number[];
  attributes?: Attrs;
  nlri?: string[];
  withdrawn?: string[];
  subtype?: number;
  afi?: number;
  safi?: number;
  code?: number;
  subcode?: number;
  data?: string;
}
const updates = (ms: Msg[]): Msg[] => ms.filter((m) => m.type === 'UPDATE');
const attrs = (ms: Msg[]): Attrs[] => updates(ms).map((m) => m.attributes ?? {});

test('bird-frr-ipv4-as4: 4-octet ASNs, three kinds of communities, MED, withdrawals, shutdown message', () => {
  const ms = expected('bird-frr-ipv4-as4');
  assert.deepEqual(
    ms
      .filter((m) => m.type === 'OPEN')
      .map((m) => m.asn)
      .sort(),
    [4200000001, 4200000002],
  );
  const a = attrs(ms);
  assert.ok(a.some((x) => x.asPath?.[0]?.asns?.[0] === 4200000001));
  assert.ok(
    a.some(
      (x) =>
        x.med === 50 &&
        x.communities?.length === 2 &&
        x.extCommunities?.length === 2 &&
        x.largeCommunities?.length === 2,
    ),
  );
  assert.ok(updates(ms).some((m) => m.withdrawn?.includes('10.10.0.0/16')));
  const n = ms.find((m) => m.type === 'NOTIFICATION');
  assert.deepEqual([n?.code, n?.subcode], [6, 2]);
  // RFC 9003: length octet, then "maintenance" in UTF-8.
  assert.equal(n?.data, `0b${Buffer.from('maintenance').toString('hex')}`);
});

test('ipv6: MP_REACH with global and link-local next hops over IPv6 transport, MP_UNREACH', () => {
  const ms = expected('ipv6');
  assert.match(String(ms[0].src), /^\[2001:db8::[12]\]:\d+$/);
  const reach = attrs(ms)
    .map((x) => x.mpReach)
    .filter((r) => r !== undefined);
  assert.ok(reach.some((r) => r.afi === 2 && r.nextHops.length === 2 && /^fe80::/.test(r.nextHops[1])));
  assert.ok(attrs(ms).some((x) => x.mpUnreach?.withdrawn?.includes('2001:db8:103::1/128')));
});

test('ipv6-over-ipv4: IPv6 NLRI on an IPv4 session', () => {
  const ms = expected('ipv6-over-ipv4');
  assert.match(String(ms[0].src), /^192\.0\.2\.\d:\d+$/);
  assert.ok(attrs(ms).some((x) => x.mpReach?.afi === 2 && x.mpReach.nlri.includes('2001:db8:101::/56')));
});

test('route-reflection: reflected routes carry ORIGINATOR_ID and CLUSTER_LIST, empty iBGP AS_PATH', () => {
  const a = attrs(expected('route-reflection'));
  assert.ok(
    a.some((x) => x.originatorId === '192.0.2.3' && x.clusterList?.[0] === '192.0.2.100' && x.asPath?.length === 0),
  );
});

test('add-path: several path ids per prefix', () => {
  const ms = expected('add-path');
  const ids = updates(ms)
    .flatMap((m) => (m.nlri ?? []) as string[])
    .filter((p) => p.startsWith('198.51.100.0/24#'));
  assert.ok(new Set(ids).size >= 2, ids.join(' '));
});

test('route-refresh: requests and BoRR / EoRR (RFC 7313) for both families', () => {
  const rr = expected('route-refresh').filter((m) => m.type === 'ROUTE-REFRESH');
  for (const subtype of [0, 1, 2])
    for (const afi of [1, 2]) {
      assert.ok(
        rr.some((m) => m.subtype === subtype && m.afi === afi && m.safi === 1),
        `afi ${afi} subtype ${subtype}`,
      );
    }
});

test('notifications: Bad Peer AS, Cease with a message from each side, Hold Timer Expired', () => {
  const ns = expected('notifications')
    .filter((m) => m.type === 'NOTIFICATION')
    .map((m) => `${m.code}/${m.subcode}`);
  assert.ok(ns.includes('2/2') && ns.includes('4/0'), ns.join(' '));
  assert.ok(ns.filter((n) => n === '6/2').length >= 2, ns.join(' '));
});

test('as2: AS_TRANS with AS4_PATH and AS4_AGGREGATOR, AS_SET, ATOMIC_AGGREGATE', () => {
  const ms = expected('as2');
  assert.ok(ms.filter((m) => m.type === 'OPEN').some((m) => !(m.capabilities as number[]).includes(65)));
  const a = attrs(ms);
  assert.ok(a.some((x) => x.asPath?.[0]?.asns?.includes(23456) && x.as4Path?.[0]?.asns?.includes(4200000099)));
  assert.ok(a.some((x) => x.aggregator?.asn === 23456 && x.as4Aggregator?.asn === 4200000002));
  assert.ok(a.some((x) => x.asPath?.some((s) => s.type === 'AS_SET')));
  assert.ok(a.some((x) => x.atomicAggregate === true));
});

test('roles-otc: Role capability in both OPENs, OTC as an unknown attribute with its flags and bytes', () => {
  const ms = expected('roles-otc');
  assert.ok(ms.filter((m) => m.type === 'OPEN').every((m) => (m.capabilities as number[]).includes(9)));
  const otc = attrs(ms).flatMap((x) => x.unknown ?? []);
  assert.deepEqual(otc[0], { type: 35, flags: 0xc0, hex: (65001).toString(16).padStart(8, '0') });
});

test('large-update: 1200 prefixes in UPDATEs longer than one TCP segment, then all withdrawn', () => {
  const ms = updates(expected('large-update')).filter((m) => String(m.src).startsWith('192.0.2.1:'));
  const announced = new Set(ms.flatMap((m) => (m.nlri ?? []) as string[]).filter((p) => p.startsWith('10.')));
  const withdrawn = new Set(ms.flatMap((m) => (m.withdrawn ?? []) as string[]));
  assert.equal(announced.size, 1200);
  assert.deepEqual([...withdrawn].sort(), [...announced].sort());
  // MSS 536 at MTU 576: anything longer was reassembled from several segments.
  assert.ok(expected('large-update').some((m) => m.type === 'UPDATE' && (m.length as number) > 536 * 2));
});

test('confederation: AS_CONFED_SEQUENCE before AS_SEQUENCE, LOCAL_PREF across member ASes', () => {
  const a = attrs(expected('confederation'));
  assert.ok(
    a.some(
      (x) =>
        x.asPath?.[0]?.type === 'AS_CONFED_SEQUENCE' &&
        x.asPath?.[1]?.type === 'AS_SEQUENCE' &&
        x.localPref !== undefined,
    ),
  );
});

test('aigp-unknown: AIGP and unnamed type codes, a well-known-flagged one included, shown as unknown with their flags', () => {
  const ms = expected('aigp-unknown');
  const unknown = attrs(ms).flatMap((x) => x.unknown ?? []);
  // RFC 7311: AIGP TLV type 1, length 11, metric 100.
  assert.deepEqual(unknown[0], { type: 26, flags: 0x80, hex: '01000b0000000000000064' });
  assert.ok(unknown.some((u) => u.type === 153 && u.flags === 0x40 && u.hex === 'deadbeef'));
  assert.ok(
    unknown.some((u) => u.type === 200 && u.flags === 0xe0) && unknown.some((u) => u.type === 254 && u.flags === 0xd0),
  );
  assert.ok(attrs(ms).some((x) => x.mpReach?.afi === 2 && x.unknown?.[0]?.type === 26));
  assert.ok(ms.every((m) => m.error === undefined));
});
