// Captures -> NDJSON lines: reassembly into messages, each connection's OPENs giving the
// context of later messages, error lines, resync after gaps, bad headers ending a direction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureDecoder, readCapture } from '../../../../src/bgp/messages/pcap';
import { makeOpen, encodeOpen } from '../../../../src/bgp/messages/open';
import { CapabilityCode, type Capability } from '../../../../src/bgp/messages/capabilities';
import { buildCapture, concat, keepalive, splitSegment, TcpFlow, type Segment } from '../../../helpers/pcap-writer';

const C = '192.0.2.1:40000';
const S = '192.0.2.2:179';

function decode(segs: Segment[], linkTypes = [1]): Record<string, unknown>[] {
  const lines: string[] = [];
  const d = new CaptureDecoder((l) => lines.push(l));
  for (const p of readCapture(buildCapture(segs, { linkTypes }))) d.packet(p);
  d.finish();
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

const EXT: Capability = { kind: 'extended-message', code: CapabilityCode.ExtendedMessage };
const AS4 = (asn: number): Capability => ({ kind: 'four-octet-as', code: CapabilityCode.FourOctetAs, asn });

function open(asn: number, caps: Capability[]): Uint8Array {
  return encodeOpen(makeOpen({ asn, holdTime: 90, bgpId: 0x0a000001, capabilities: caps }));
}

function message(type: number, body: number[] | Uint8Array): Uint8Array {
  const len = 19 + body.length;
  return concat(new Uint8Array(16).fill(0xff), Uint8Array.of(len >> 8, len & 0xff, type), Uint8Array.from(body));
}

function notification(dataLength: number): Uint8Array {
  return message(3, [6, 2, ...new Array<number>(dataLength).fill(0x41)]);
}

test('OPEN, KEEPALIVE, NOTIFICATION and ROUTE-REFRESH lines, src/dst first', () => {
  const f = new TcpFlow(C, S);
  const out = decode([
    ...f.handshake(),
    f.send(true, open(65001, [AS4(65001)])),
    f.send(false, open(65002, [])),
    f.send(true, message(5, [0, 1, 0, 1])),
    f.send(false, notification(2)),
  ]);
  assert.deepEqual(out, [
    {
      src: C,
      dst: S,
      type: 'OPEN',
      length: 37,
      version: 4,
      asn: 65001,
      holdTime: 90,
      bgpId: '10.0.0.1',
      capabilities: [65],
    },
    {
      src: S,
      dst: C,
      type: 'OPEN',
      length: 29,
      version: 4,
      asn: 65002,
      holdTime: 90,
      bgpId: '10.0.0.1',
      capabilities: [],
    },
    { src: C, dst: S, type: 'ROUTE-REFRESH', length: 23, afi: 1, safi: 1, subtype: 0 },
    { src: S, dst: C, type: 'NOTIFICATION', length: 23, code: 6, subcode: 2, data: '4141' },
  ]);
  assert.deepEqual(Object.keys(out[0]!).slice(0, 2), ['src', 'dst']);
});

test('coalesced messages in one segment, and one message split over several segments', () => {
  const f = new TcpFlow(C, S);
  const hs = f.handshake();
  const three = f.send(true, concat(keepalive(), open(65001, []), keepalive()));
  const split = splitSegment(f.send(true, open(65001, [AS4(65001)])), 1, 18, 19, 30);
  const out = decode([...hs, three, ...split]);
  assert.deepEqual(
    out.map((o) => o.type),
    ['KEEPALIVE', 'OPEN', 'KEEPALIVE', 'OPEN'],
  );
  assert.deepEqual(out[3]!.capabilities, [65]);
});

test('retransmitted, overlapping and out-of-order segments give each message once, in order', () => {
  const f = new TcpFlow(C, S);
  const hs = f.handshake();
  const a = f.send(true, open(65001, []));
  const b = f.send(true, notification(10));
  const c = f.send(true, keepalive());
  const [b1, b2] = splitSegment(b, 12);
  const overlap: Segment = { ...b, seq: b.seq + 5, payload: b.payload!.subarray(5) };
  const out = decode([...hs, a, a, c, b2!, b1!, overlap, c]);
  assert.deepEqual(
    out.map((o) => o.type),
    ['OPEN', 'NOTIFICATION', 'KEEPALIVE'],
  );
});

test('both OPENs set the context: extended messages (RFC 8654) allowed only when both sides agree', () => {
  const big = notification(5000);
  const run = (clientCaps: Capability[], serverCaps: Capability[]): Record<string, unknown>[] => {
    const f = new TcpFlow(C, S);
    return decode([
      ...f.handshake(),
      f.send(true, big),
      f.send(true, open(65001, clientCaps)),
      f.send(false, open(65002, serverCaps)),
      f.send(true, big),
      f.send(false, big),
    ]);
  };
  const both = run([EXT], [EXT]);
  assert.match(String(both[0]!.error), /length/); // before the OPENs: 4096 is the limit
  assert.equal(both[0]!.hex, Buffer.from(big).toString('hex'));
  assert.deepEqual(
    both.slice(1).map((o) => o.type),
    ['OPEN', 'OPEN', 'NOTIFICATION', 'NOTIFICATION'],
  );
  assert.equal(both[3]!.length, 5021);
  const one = run([EXT], []);
  assert.deepEqual(
    one.map((o) => o.type ?? 'error'),
    ['error', 'OPEN', 'OPEN', 'error', 'error'],
  );
});

test('a malformed but frameable message prints an error line and decoding goes on', () => {
  const f = new TcpFlow(C, S);
  const bad = message(9, [1, 2, 3]);
  const out = decode([...f.handshake(), f.send(true, concat(bad, keepalive()))]);
  assert.deepEqual(Object.keys(out[0]!), ['src', 'dst', 'error', 'hex']);
  assert.equal(out[0]!.src, C);
  assert.equal(out[0]!.hex, Buffer.from(bad).toString('hex'));
  assert.deepEqual(out[1], { src: C, dst: S, type: 'KEEPALIVE', length: 19 });
});

test('a bad header ends that direction only', () => {
  const f = new TcpFlow(C, S);
  const broken = keepalive();
  broken[3] = 0;
  const out = decode([
    ...f.handshake(),
    f.send(true, keepalive()),
    f.send(true, broken),
    f.send(true, keepalive()),
    f.send(false, keepalive()),
    f.send(true, keepalive()),
  ]);
  assert.equal(out.length, 3);
  assert.equal(out[0]!.type, 'KEEPALIVE');
  assert.match(String(out[1]!.error), /marker/);
  assert.equal(out[1]!.hex, Buffer.from(broken).toString('hex'));
  assert.deepEqual(out[2], { src: S, dst: C, type: 'KEEPALIVE', length: 19 });
});

test('after a gap in the capture, decoding resumes at the next marker', () => {
  const f = new TcpFlow(C, S);
  const hs = f.handshake();
  const first = f.send(true, keepalive());
  const lost = f.send(true, notification(40));
  const after = f.send(true, concat(notification(20).subarray(30), keepalive(), open(65001, [])));
  const out = decode([...hs, first, after]); // `lost` never captured
  assert.equal(lost.payload!.length, 61);
  assert.deepEqual(
    out.map((o) => o.type ?? 'error'),
    ['KEEPALIVE', 'error', 'KEEPALIVE', 'OPEN'],
  );
  assert.match(String(out[1]!.error), /TCP gap: 61 octets missing/);
});

test('Ethernet padding after a short frame is not stream data', () => {
  const f = new TcpFlow(C, S);
  const hs = f.handshake();
  const ack = buildCapture([hs[2]!]);
  const frame = readCapture(ack)[0]!.data;
  const padded: Segment = { ...hs[2]!, rawFrame: concat(frame, new Uint8Array(6)) }; // 54 -> 60 octets
  const out = decode([hs[0]!, hs[1]!, padded, f.send(true, keepalive())]);
  assert.deepEqual(out, [{ src: C, dst: S, type: 'KEEPALIVE', length: 19 }]);
});

test('a new connection on the same ports forgets the old OPENs', () => {
  const big = notification(5000);
  const f = new TcpFlow(C, S);
  const g = new TcpFlow(C, S, 90000, 70000);
  const out = decode([
    ...f.handshake(),
    f.send(true, open(1, [EXT])),
    f.send(false, open(2, [EXT])),
    f.send(true, big),
    ...g.handshake(),
    g.send(true, open(1, [EXT])),
    g.send(true, big),
  ]);
  assert.deepEqual(
    out.map((o) => o.type ?? 'error'),
    ['OPEN', 'OPEN', 'NOTIFICATION', 'OPEN', 'error'],
  );
});

test('several connections interleaved keep their own state', () => {
  const f = new TcpFlow(C, S);
  const g = new TcpFlow('[2001:db8::5]:50000', '[2001:db8::6]:179', 1, 2);
  const segs = [
    ...f.handshake(),
    ...g.handshake(),
    f.send(true, open(1, [])),
    g.send(true, keepalive()),
    f.send(false, keepalive()),
    g.send(false, open(2, [])),
  ];
  assert.deepEqual(
    decode(segs).map((o) => `${o.src} ${o.type}`),
    [`${C} OPEN`, '[2001:db8::5]:50000 KEEPALIVE', `${S} KEEPALIVE`, '[2001:db8::6]:179 OPEN'],
  );
});

test('no crash and no out-of-range reads on random stream bytes', () => {
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
  for (let round = 0; round < 50; round++) {
    const f = new TcpFlow(C, S);
    const body = Array.from({ length: 200 }, rnd);
    const msg = concat(
      new Uint8Array(16).fill(0xff),
      Uint8Array.of(0, 19 + (body[0]! % 60), 1 + (body[1]! % 5)),
      Uint8Array.from(body),
    );
    const out = decode([...f.handshake(), f.send(true, msg), f.send(true, keepalive())]);
    assert.ok(out.every((o) => o.src === C && (o.type !== undefined || typeof o.error === 'string')));
  }
});

test('a capture that starts mid-connection, inside a message, decodes from the next marker', () => {
  const f = new TcpFlow(C, S);
  f.handshake(); // not captured
  const partial = f.send(true, concat(notification(30).subarray(25), keepalive()));
  const next = f.send(true, open(65001, []));
  const other = f.send(false, keepalive());
  assert.deepEqual(
    decode([partial, next, other]).map((o) => `${o.src} ${o.type}`),
    [`${C} KEEPALIVE`, `${C} OPEN`, `${S} KEEPALIVE`],
  );
});

function update(asPath: number[], nlri: number[]): Uint8Array {
  const attrs = [0x40, 1, 1, 0, 0x40, 2, asPath.length, ...asPath, 0x40, 3, 4, 192, 0, 2, 1];
  return message(2, [0, 0, 0, attrs.length, ...attrs, ...nlri]);
}
const AS4_PATH = [2, 1, 0xfa, 0x56, 0xea, 0x01]; // AS_SEQUENCE of one 4-octet ASN, 4200000001

test('4-octet AS_PATH only when both OPENs carry the 4-octet AS capability (RFC 6793)', () => {
  const run = (serverCaps: Capability[]): Record<string, unknown> => {
    const f = new TcpFlow(C, S);
    const out = decode([
      ...f.handshake(),
      f.send(true, open(23456, [AS4(4200000001)])),
      f.send(false, open(65002, serverCaps)),
      f.send(true, update(AS4_PATH, [24, 10, 0, 0])),
    ]);
    return out[2]!;
  };
  const both = run([AS4(65002)]);
  assert.deepEqual((both.attributes as Record<string, unknown>).asPath, [{ type: 'AS_SEQUENCE', asns: [4200000001] }]);
  assert.deepEqual(both.nlri, ['10.0.0.0/24']);
  const one = run([]);
  assert.notDeepEqual((one.attributes as Record<string, unknown> | undefined)?.asPath, [
    { type: 'AS_SEQUENCE', asns: [4200000001] },
  ]);
});

test('ADD-PATH path IDs only in the direction that negotiated them (RFC 7911)', () => {
  const addPath = (sendReceive: number): Capability => ({
    kind: 'add-path',
    code: CapabilityCode.AddPath,
    families: [{ afi: 1, safi: 1, sendReceive }],
  });
  const f = new TcpFlow(C, S);
  const out = decode([
    ...f.handshake(),
    f.send(true, open(65001, [addPath(2)])),
    f.send(false, open(65002, [addPath(1)])),
    f.send(true, update([2, 1, 0xfd, 0xe9], [0, 0, 0, 7, 24, 10, 0, 0, 0, 0, 0, 0, 16, 10, 1])),
    f.send(false, update([2, 1, 0xfd, 0xea], [24, 10, 2, 0])),
  ]);
  assert.deepEqual(out[2]!.nlri, ['10.0.0.0/24#7', '10.1.0.0/16#0']);
  assert.deepEqual(out[3]!.nlri, ['10.2.0.0/24']);
});
