// Cross-check of our UPDATE decoding against Wireshark's dissector on the real captures in
// test/pcap-fixtures: for every UPDATE, the length, withdrawn routes, NLRI (with ADD-PATH
// ids), attribute type codes, ORIGIN, AS_PATH and AS4_PATH ASNs, NEXT_HOP, MED, LOCAL_PREF,
// AGGREGATOR / AS4_AGGREGATOR, COMMUNITIES, ORIGINATOR_ID, CLUSTER_LIST and the MP_REACH /
// MP_UNREACH prefixes must agree. Messages are compared as multisets per capture (tshark goes frame by frame, we go
// per TCP direction). Needs tshark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, skipReason } from '../../helpers/env';
import { decodeCapture } from '../../../src/bgp/messages/pcap';

const DIR = path.join(REPO_ROOT, 'test', 'pcap-fixtures');
const CODES: Record<string, number> = {
  origin: 1,
  asPath: 2,
  nextHop: 3,
  med: 4,
  localPref: 5,
  atomicAggregate: 6,
  aggregator: 7,
  communities: 8,
  originatorId: 9,
  clusterList: 10,
  mpReach: 14,
  mpUnreach: 15,
  extCommunities: 16,
  as4Path: 17,
  as4Aggregator: 18,
  largeCommunities: 32,
};

interface Summary {
  length: number;
  withdrawn: string[];
  nlri: string[];
  types: number[];
  origin?: number;
  asns?: number[];
  nextHop?: string;
  med?: number;
  mpReach?: string[];
  mpUnreach?: string[];
  localPref?: number;
  communities?: string[];
  originatorId?: string;
  clusterList?: string[];
  aggregator?: string;
  as4Path?: number[];
  as4Aggregator?: string;
}
type Obj = Record<string, unknown>;
const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
// tshark names ADD-PATH prefixes "10.0.0.0/24 PathId 7 "; ours are "10.0.0.0/24#7".
const prefixKeys = (o: unknown): string[] =>
  Object.keys((o ?? {}) as Obj)
    .filter((k) => k.includes('/'))
    .map((k) => k.replace(/ PathId (\d+)\s*$/, '#$1'));

function fromTshark(m: Obj): Summary {
  const s: Summary = {
    length: Number(m['bgp.length']),
    withdrawn: prefixKeys(m['bgp.update.withdrawn_routes']),
    nlri: prefixKeys(m['bgp.update.nlri']),
    types: [],
  };
  const attrs = list(
    (m['bgp.update.path_attributes'] as Obj | undefined)?.['bgp.update.path_attribute'] as Obj | Obj[],
  );
  for (const a of attrs) {
    const t = Number(a['bgp.update.path_attribute.type_code']);
    s.types.push(t);
    const f = (k: string): unknown => a[`bgp.update.path_attribute.${k}`];
    if (t === 1) s.origin = Number(f('origin'));
    const asns = (): number[] =>
      list(f('as_path_segment') as Obj | Obj[]).flatMap((g) =>
        list(
          (g['bgp.update.path_attribute.as_path_segment.as4'] ?? g['bgp.update.path_attribute.as_path_segment.as2']) as
            | string
            | string[],
        ).map(Number),
      );
    const agg = (): string => `${String(f('aggregator_as'))} ${String(f('aggregator_origin'))}`;
    if (t === 2) s.asns = asns();
    if (t === 5) s.localPref = Number(f('local_pref'));
    if (t === 7) s.aggregator = agg();
    if (t === 8) {
      // tshark lists well-known communities (RFC 1997 NO_EXPORT...) under their own key, so
      // wire order is lost there: compare communities as sorted lists.
      const cs = f('communities') as Obj;
      s.communities = [
        ...list(cs['bgp.update.path_attribute.community'] as Obj | Obj[]).map(
          (c) =>
            `${String(c['bgp.update.path_attribute.community_as'])}:${String(c['bgp.update.path_attribute.community_value'])}`,
        ),
        ...list(cs['bgp.update.path_attribute.community_wellknown'] as string | string[]).map((h) => {
          const v = Number(h);
          return `${v >>> 16}:${v & 0xffff}`;
        }),
      ].sort();
    }
    if (t === 9) s.originatorId = String(f('originator_id'));
    if (t === 10)
      s.clusterList = list(
        (a['bgp.path_attribute.cluster_list'] as Obj)['bgp.path_attribute.cluster_id'] as string | string[],
      );
    if (t === 17) s.as4Path = asns();
    if (t === 18) s.as4Aggregator = agg();
    if (t === 3) s.nextHop = String(f('next_hop'));
    if (t === 4) s.med = Number(f('multi_exit_disc'));
    if (t === 14) s.mpReach = prefixKeys(f('mp_reach_nlri'));
    if (t === 15) s.mpUnreach = prefixKeys(f('mp_unreach_nlri'));
  }
  s.types.sort((x, y) => x - y);
  return s;
}

function fromOurs(j: Obj): Summary {
  const a = (j.attributes ?? {}) as Obj;
  const s: Summary = {
    length: j.length as number,
    withdrawn: (j.withdrawn ?? []) as string[],
    nlri: (j.nlri ?? []) as string[],
    types: Object.keys(a)
      .flatMap((k) => (k === 'unknown' ? (a.unknown as Obj[]).map((u) => u.type as number) : [CODES[k]!]))
      .sort((x, y) => x - y),
  };
  if (a.origin !== undefined) s.origin = ['IGP', 'EGP', 'INCOMPLETE'].indexOf(a.origin as string);
  if (a.asPath !== undefined) s.asns = (a.asPath as { asns: number[] }[]).flatMap((g) => g.asns);
  if (a.nextHop !== undefined) s.nextHop = a.nextHop as string;
  if (a.med !== undefined) s.med = a.med as number;
  if (a.mpReach !== undefined) s.mpReach = (a.mpReach as Obj).nlri as string[];
  if (a.mpUnreach !== undefined) s.mpUnreach = (a.mpUnreach as Obj).withdrawn as string[];
  if (a.localPref !== undefined) s.localPref = a.localPref as number;
  const agg = (g: unknown): string => `${String((g as Obj).asn)} ${String((g as Obj).address)}`;
  if (a.aggregator !== undefined) s.aggregator = agg(a.aggregator);
  if (a.communities !== undefined) s.communities = [...(a.communities as string[])].sort();
  if (a.originatorId !== undefined) s.originatorId = a.originatorId as string;
  if (a.clusterList !== undefined) s.clusterList = a.clusterList as string[];
  if (a.as4Path !== undefined) s.as4Path = (a.as4Path as { asns: number[] }[]).flatMap((g) => g.asns);
  if (a.as4Aggregator !== undefined) s.as4Aggregator = agg(a.as4Aggregator);
  return s;
}

function tsharkUpdates(file: string): Summary[] {
  const out = execFileSync('tshark', ['-r', file, '-Y', 'bgp.type == 2', '-T', 'json', '--no-duplicate-keys'], {
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 256 << 20,
    timeout: 60_000,
  }).toString();
  const packets = JSON.parse(out) as { _source: { layers: Obj } }[];
  return packets
    .flatMap((p) => list(p._source.layers.bgp as Obj | Obj[]))
    .filter((m) => m['bgp.type'] === '2')
    .map(fromTshark);
}

async function ourUpdates(file: string): Promise<Summary[]> {
  const lines: Obj[] = [];
  await decodeCapture(createReadStream(file), {
    line: (l) => lines.push(JSON.parse(l) as Obj),
    drain: async () => undefined,
  });
  return lines.filter((l) => l.type === 'UPDATE').map(fromOurs);
}

const ORDER: (keyof Summary)[] = [
  'length',
  'withdrawn',
  'nlri',
  'types',
  'origin',
  'asns',
  'nextHop',
  'med',
  'mpReach',
  'mpUnreach',
  'localPref',
  'communities',
  'originatorId',
  'clusterList',
  'aggregator',
  'as4Path',
  'as4Aggregator',
];
const canon = (xs: Summary[]): string[] => xs.map((x) => JSON.stringify(x, ORDER)).sort();

const files = (() => {
  try {
    return readdirSync(DIR).filter((f) => /\.pcap(ng)?$/.test(f) && statSync(path.join(DIR, f)).size > 24);
  } catch {
    return [];
  }
})();

for (const f of files) {
  test(`UPDATE contents agree with tshark: ${f}`, { skip: skipReason('tshark') }, async (t) => {
    const theirs = tsharkUpdates(path.join(DIR, f));
    const ours = await ourUpdates(path.join(DIR, f));
    t.diagnostic(`${theirs.length} UPDATEs`);
    assert.deepEqual(canon(ours), canon(theirs));
  });
}
