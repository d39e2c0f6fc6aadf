// Writes the synthetic captures in test/pcap-fixtures/ (no daemon sends these attributes, so
// they are built octet by octet with test/helpers/pcap-writer.ts), then each one's expected
// NDJSON with scripts/tshark-to-ndjson.mjs (tshark's reading, never vroute's codec).
//   npx tsx scripts/record-fixtures/synthetic.ts
// Needs tshark. Deterministic: the same files on every run.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildCapture, concat, TcpFlow, type Segment } from '../../test/helpers/pcap-writer';

const REPO = path.join(__dirname, '..', '..');
const FIXTURES = path.join(REPO, 'test', 'pcap-fixtures');

const hex = (s: string): number[] => Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

function message(type: number, body: number[]): Uint8Array {
  const len = 19 + body.length;
  return Uint8Array.from([...new Array<number>(16).fill(0xff), len >> 8, len & 0xff, type, ...body]);
}

/** OPEN: version 4, AS_TRANS, hold 90, id; capabilities MP IPv4 + IPv6 unicast, 4-octet AS. */
function open(asn: number, id: number[]): Uint8Array {
  const caps = [1, 4, 0, 1, 0, 1, 1, 4, 0, 2, 0, 1, 65, 4, asn >>> 24, (asn >>> 16) & 0xff, (asn >>> 8) & 0xff, asn & 0xff];
  return message(1, [4, 0x5b, 0xa0, 0, 90, ...id, caps.length + 2, 2, caps.length, ...caps]);
}

function attr(flags: number, type: number, value: number[]): number[] {
  return flags & 0x10 ? [flags, type, value.length >> 8, value.length & 0xff, ...value] : [flags, type, value.length, ...value];
}

function update(withdrawn: number[], attrs: number[][], nlri: number[]): Uint8Array {
  const a = attrs.flat();
  return message(2, [withdrawn.length >> 8, withdrawn.length & 0xff, ...withdrawn, a.length >> 8, a.length & 0xff, ...a, ...nlri]);
}

const ORIGIN_IGP = attr(0x40, 1, [0]);
const AS_PATH = attr(0x40, 2, [2, 2, ...hex('fa56ea01'), ...hex('0000fde9')]); // 4200000001 65001
const NEXT_HOP = attr(0x40, 3, [192, 0, 2, 1]);
// RFC 7311 3: AIGP, optional non-transitive, one AIGP TLV (type 1, length 11, metric).
const aigp = (metric: number): number[] => attr(0x80, 26, [1, 0, 11, 0, 0, 0, 0, metric >>> 24, (metric >>> 16) & 0xff, (metric >>> 8) & 0xff, metric & 0xff]);

/** aigp-unknown: AIGP and type codes nobody names, one of them claiming to be well-known. */
function aigpUnknown(): Buffer {
  const f = new TcpFlow('192.0.2.1:179', '192.0.2.2:40001');
  const segs: Segment[] = [...f.handshake()];
  segs.push(f.send(true, open(4200000001, [192, 0, 2, 1])), f.send(false, open(4200000002, [192, 0, 2, 2])));
  segs.push(f.send(true, message(4, [])), f.send(false, message(4, [])));
  // AIGP on an IPv4 route.
  segs.push(f.send(true, update([], [ORIGIN_IGP, AS_PATH, NEXT_HOP, aigp(100)], [16, 10, 26])));
  // Type 153 with flags 0x40: well-known by its flags, named by nobody (RFC 4271 6.3 would
  // reset a session; decode shows it).
  segs.push(f.send(true, update([], [ORIGIN_IGP, AS_PATH, NEXT_HOP, attr(0x40, 153, hex('deadbeef'))], [24, 10, 153, 0])));
  // Several at once, wire order kept: AIGP, an optional transitive with Partial (0xe0), an
  // extended-length optional transitive (0xd0), communities between them, two prefixes.
  segs.push(f.send(true, update([], [
    ORIGIN_IGP, AS_PATH, NEXT_HOP, attr(0xc0, 8, hex('fde80064')), aigp(4294967295),
    attr(0xe0, 200, hex('0102')), attr(0xd0, 254, hex('00112233445566778899')), attr(0x40, 153, []),
  ], [24, 10, 200, 1, 23, 10, 200, 2])));
  // IPv6 by MP_REACH (global + link-local next hops) with AIGP; then an ordinary route.
  const mp = [0, 2, 1, 32, ...hex('20010db8000000000000000000000001'), ...hex('fe800000000000000000000000000001'), 0,
    48, ...hex('20010db80026')];
  segs.push(f.send(true, update([], [attr(0x80, 14, mp), ORIGIN_IGP, AS_PATH, aigp(7)], [])));
  segs.push(f.send(false, update([], [ORIGIN_IGP, attr(0x40, 2, [2, 1, ...hex('fa56ea02')]), attr(0x40, 3, [192, 0, 2, 2])],
    [24, 198, 51, 100])));
  // Withdrawals, then the two End-of-RIB markers.
  segs.push(f.send(true, update([24, 10, 153, 0], [], [])));
  segs.push(f.send(true, concat(update([], [], []), update([], [attr(0x80, 15, [0, 2, 1])], []))));
  return buildCapture(segs);
}

const CAPTURES: Record<string, () => Buffer> = { 'aigp-unknown': aigpUnknown };

for (const [name, build] of Object.entries(CAPTURES)) {
  const file = path.join(FIXTURES, `${name}.pcap`);
  writeFileSync(file, build());
  const ndjson = execFileSync(process.execPath, [path.join(REPO, 'scripts', 'tshark-to-ndjson.mjs'), file],
    { encoding: 'utf8' });
  writeFileSync(path.join(FIXTURES, `${name}.ndjson`), ndjson);
  console.log(`${name}: ${ndjson.split('\n').filter(Boolean).length} messages`);
}
