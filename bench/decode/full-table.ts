// A synthetic full-table capture for timing `vroute decode` against tshark: one eBGP session
// (4-octet AS and IPv4 + IPv6 unicast in both OPENs, as on today's Internet) whose sender
// announces 1,000,000 IPv4 and 100,000 IPv6 prefixes, then End-of-RIB for both. Prefixes come
// in runs sharing one attribute set (shape `table`: run length 1..16, mean ~6.5, so ~170k
// UPDATEs, as a real table has many distinct paths; shape `packed`: full UPDATEs); each set has ORIGIN,
// an AS_SEQUENCE of 2-8 4-octet ASNs, NEXT_HOP (IPv4) or MP_REACH with global + link-local
// next hops (IPv6), MED on a third, 0-5 communities, large communities on a fifth. Lengths
// follow a table's mix (/24 most, /19-/23 the rest; /48 most, /29-/44 the rest for IPv6). Deterministic
// (fixed seed); no two prefixes overlap. TCP segments of up to 65483 octets, as on loopback (the
// reflect bench's sessions), so UPDATEs span segments.
import { writeFileSync } from 'node:fs';
import { encodeMessage } from '../../src/bgp/messages/message';
import { makeOpen } from '../../src/bgp/messages/open';
import { endOfRib, packAnnouncements } from '../../src/bgp/messages/builder';
import { CapabilityCode } from '../../src/bgp/messages/capabilities';
import {
  AFI_IPV4,
  AFI_IPV6,
  DEFAULT_CONTEXT,
  IPV4_UNICAST,
  IPV6_UNICAST,
  type CodecContext,
} from '../../src/bgp/messages/types';
import type { PathAttributes } from '../../src/bgp/messages/attributes/types';
import type { Prefix } from '../../src/bgp/messages/prefix';
import { buildCapture, TcpFlow, type Segment } from '../../test/helpers/pcap-writer';

const CTX: CodecContext = { ...DEFAULT_CONTEXT, fourOctetAs: true };
// Segments as a loopback capture shows them (MTU 65536 less IPv4, TCP and timestamp headers).
const MSS = 65483;

/** xorshift32: the same capture on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function open(asn: number, id: number): Uint8Array {
  return encodeMessage(
    makeOpen({
      asn,
      holdTime: 90,
      bgpId: id,
      capabilities: [
        { kind: 'multiprotocol', code: CapabilityCode.Multiprotocol, afi: AFI_IPV4, safi: 1 },
        { kind: 'multiprotocol', code: CapabilityCode.Multiprotocol, afi: AFI_IPV6, safi: 1 },
        { kind: 'route-refresh', code: CapabilityCode.RouteRefresh },
        { kind: 'four-octet-as', code: CapabilityCode.FourOctetAs, asn },
      ],
    }),
    DEFAULT_CONTEXT,
  );
}

function attrSet(r: () => number, v6: boolean): PathAttributes {
  const n = 2 + Math.floor(r() * 7);
  const asns = [4200000001];
  for (let i = 1; i < n; i++) asns.push(r() < 0.7 ? 1 + Math.floor(r() * 65000) : 131072 + Math.floor(r() * 300000));
  const a: { -readonly [K in keyof PathAttributes]: PathAttributes[K] } = {
    origin: r() < 0.9 ? 0 : 2,
    asPath: [{ type: 2, asns }],
  };
  if (v6) {
    const nh = new Uint8Array(32);
    nh.set([0x20, 0x01, 0x0d, 0xb8], 0);
    nh[15] = 1; // 2001:db8::1
    nh.set([0xfe, 0x80], 16);
    nh[30] = 0x12;
    nh[31] = 0x34; // fe80::1234
    a.mpReach = {
      afi: AFI_IPV6,
      safi: 1,
      nextHop: nh,
      nlri: { afi: AFI_IPV6, safi: 1, addPath: false, bytes: nh.subarray(0, 0), count: 0 },
    };
  } else {
    a.nextHop = 0xc0000201; // 192.0.2.1
  }
  if (r() < 0.33) a.med = Math.floor(r() * 1000);
  const nc = Math.floor(r() * 6);
  if (nc > 0)
    a.communities = Array.from({ length: nc }, () => ((asns[1]! & 0xffff) * 65536 + Math.floor(r() * 65536)) >>> 0);
  if (r() < 0.2) a.largeCommunities = [[4200000001, Math.floor(r() * 100), Math.floor(r() * 1000)]];
  return a;
}

const V4_LENGTHS = [24, 24, 24, 24, 24, 24, 24, 24, 23, 22, 22, 21, 20, 19];
const V6_LENGTHS = [48, 48, 48, 48, 48, 44, 40, 36, 32, 29];

export interface FullTable {
  readonly bytes: Buffer;
  readonly prefixes: number;
  readonly updates: number;
}

/**
 * `table`: runs of 1..16 prefixes per attribute set (~170k UPDATEs), like a real table;
 * `packed`: 50,000 prefixes per set, so nearly every UPDATE is full (4096 octets).
 */
export type TableShape = 'table' | 'packed';

export function buildFullTable(shape: TableShape = 'table', v4 = 1_000_000, v6 = 100_000): FullTable {
  const r = rng(0x5eed);
  const flow = new TcpFlow('192.0.2.1:179', '192.0.2.2:40179');
  const segs: Segment[] = flow.handshake();
  segs.push(flow.send(true, open(4200000001, 0xc0000201)), flow.send(false, open(4200000002, 0xc0000202)));
  const msgs: Uint8Array[] = [];
  let updates = 0;
  // Distinct prefixes: IPv4 walks the space in steps of the largest length used; IPv6 too.
  let base4 = 0x01000000;
  let base6 = 0;
  for (let sent = 0; sent < v4 + v6; ) {
    const v6run = sent >= v4;
    const want = shape === 'packed' ? 50_000 : 1 + Math.floor(r() * 11) + (r() < 0.1 ? 5 : 0);
    const run = Math.min(want, (v6run ? v4 + v6 : v4) - sent);
    const ps: Prefix[] = [];
    for (let k = 0; k < run; k++) {
      if (v6run) {
        const addr = new Uint8Array(16);
        addr.set([0x2a, 0x00 | (base6 >>> 24), (base6 >>> 16) & 0xff, (base6 >>> 8) & 0xff, base6 & 0xff], 0);
        base6++;
        const len = V6_LENGTHS[Math.floor(r() * V6_LENGTHS.length)]!;
        ps.push({ afi: AFI_IPV6, addr, len });
      } else {
        const len = V4_LENGTHS[Math.floor(r() * V4_LENGTHS.length)]!;
        const size = 2 ** (32 - len);
        base4 = Math.ceil(base4 / size) * size; // aligned, no two prefixes overlap
        ps.push({ afi: AFI_IPV4, addr: base4 >>> 0, len });
        base4 += size;
      }
    }
    const batch = packAnnouncements(attrSet(r, v6run), v6run ? IPV6_UNICAST : IPV4_UNICAST, ps, CTX);
    updates += batch.length;
    msgs.push(...batch);
    sent += run;
  }
  msgs.push(endOfRib(IPV4_UNICAST), endOfRib(IPV6_UNICAST));
  updates += 2;
  const stream = Buffer.concat(msgs);
  for (let off = 0; off < stream.length; off += MSS) segs.push(flow.send(true, stream.subarray(off, off + MSS)));
  return { bytes: buildCapture(segs), prefixes: v4 + v6, updates };
}

if (require.main === module) {
  const out = process.argv[2] ?? 'full-table.pcap';
  const t = buildFullTable(process.argv[3] === 'packed' ? 'packed' : 'table');
  writeFileSync(out, t.bytes);
  console.log(`${out}: ${t.prefixes} prefixes, ${t.updates} UPDATEs, ${(t.bytes.length / 1e6).toFixed(1)} MB`);
}
