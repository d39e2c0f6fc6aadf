// Capture readers and dissection: every link type, pcap and pcapng, both byte orders,
// micro and nanosecond pcap, several pcapng interfaces, chunked input, bad files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureDecoder, CaptureError, CaptureReader, dissect, readCapture } from '../../../../src/bgp/messages/pcap';
import {
  buildCapture,
  concat,
  keepalive,
  TcpFlow,
  type CaptureOptions,
  type Segment,
} from '../../../helpers/pcap-writer';

const V4 = new TcpFlow('10.0.0.1:40000', '10.0.0.2:179');
const V4_SEGS = [...V4.handshake(), V4.send(true, keepalive()), V4.send(false, keepalive())];
const V6 = new TcpFlow('[2001:db8::1]:40001', '[2001:db8:0:0:1::2]:179');
const V6_SEGS = [...V6.handshake(), V6.send(true, keepalive()), V6.send(false, keepalive())];

function decodeAll(buf: Uint8Array): string[] {
  const lines: string[] = [];
  const d = new CaptureDecoder((l) => lines.push(l));
  for (const p of readCapture(buf)) d.packet(p);
  d.finish();
  return lines;
}

function expectKeepalives(lines: string[], a: string, b: string): void {
  assert.deepEqual(
    lines.map((l) => JSON.parse(l)),
    [
      { src: a, dst: b, type: 'KEEPALIVE', length: 19 },
      { src: b, dst: a, type: 'KEEPALIVE', length: 19 },
    ],
  );
}

const LINK_TYPES = [1, 113, 276, 101, 228, 229, 0, 108];

for (const format of ['pcap', 'pcapng'] as const) {
  for (const littleEndian of [true, false]) {
    for (const lt of LINK_TYPES) {
      const name = `${format} ${littleEndian ? 'LE' : 'BE'} link type ${lt}`;
      test(name, () => {
        const v4 = lt !== 229;
        const segs = v4 ? V4_SEGS : V6_SEGS;
        const buf = buildCapture(segs, { format, littleEndian, linkTypes: [lt] });
        const pkts = readCapture(buf);
        assert.equal(pkts.length, 5);
        assert.ok(pkts.every((p) => p.linkType === lt));
        const seg = dissect(lt, pkts[3]!.data);
        assert.ok(typeof seg !== 'string', `dissect failed: ${String(seg)}`);
        assert.equal(seg.src, v4 ? '10.0.0.1:40000' : '[2001:db8::1]:40001');
        assert.equal(seg.dst, v4 ? '10.0.0.2:179' : '[2001:db8::1:0:0:2]:179');
        assert.equal(seg.seq, v4 ? 1001 : 1001);
        assert.deepEqual([...seg.payload], [...keepalive()]);
        const [a, b] = v4 ? ['10.0.0.1:40000', '10.0.0.2:179'] : ['[2001:db8::1]:40001', '[2001:db8::1:0:0:2]:179'];
        expectKeepalives(decodeAll(buf), a, b);
      });
    }
  }
}

test('IPv6 endpoints over every link type that carries IPv6', () => {
  for (const lt of [1, 113, 276, 101, 229, 0, 108]) {
    expectKeepalives(
      decodeAll(buildCapture(V6_SEGS, { linkTypes: [lt] })),
      '[2001:db8::1]:40001',
      '[2001:db8::1:0:0:2]:179',
    );
  }
});

test('IPv4 options, IPv6 hop-by-hop header, TCP options and a VLAN tag are skipped over', () => {
  const opts: CaptureOptions = { ipv4Options: true, ipv6HopByHop: true, tcpOptions: true, vlan: true };
  expectKeepalives(decodeAll(buildCapture(V4_SEGS, opts)), '10.0.0.1:40000', '10.0.0.2:179');
  expectKeepalives(decodeAll(buildCapture(V6_SEGS, opts)), '[2001:db8::1]:40001', '[2001:db8::1:0:0:2]:179');
});

test('pcap timestamps: microsecond and nanosecond magic', () => {
  const micro = readCapture(buildCapture(V4_SEGS, { nano: false }));
  const nano = readCapture(buildCapture(V4_SEGS, { nano: true, littleEndian: false }));
  assert.equal(micro[2]!.timestamp, 1700000000.002);
  assert.equal(nano[2]!.timestamp, 1700000000.002);
});

test('pcapng: several interfaces with different link types, and Simple Packet Blocks', () => {
  const segs: Segment[] = V4_SEGS.map((s, i) => ({ ...s, iface: i % 3 }));
  const buf = buildCapture(segs, { format: 'pcapng', linkTypes: [1, 113, 101] });
  const pkts = readCapture(buf);
  assert.deepEqual(
    pkts.map((p) => p.linkType),
    [1, 113, 101, 1, 113],
  );
  assert.deepEqual(
    pkts.map((p) => p.interfaceId),
    [0, 1, 2, 0, 1],
  );
  expectKeepalives(decodeAll(buf), '10.0.0.1:40000', '10.0.0.2:179');
  const spb = buildCapture(V4_SEGS, { format: 'pcapng', simpleBlocks: true, littleEndian: false });
  expectKeepalives(decodeAll(spb), '10.0.0.1:40000', '10.0.0.2:179');
});

test('a second pcapng section restarts interface numbering and may change byte order', () => {
  const a = buildCapture(V4_SEGS.slice(0, 4), { format: 'pcapng', linkTypes: [1] });
  const b = buildCapture([V4_SEGS[4]!], { format: 'pcapng', linkTypes: [101], littleEndian: false });
  const pkts = readCapture(Buffer.concat([a, b]));
  assert.deepEqual(
    pkts.map((p) => p.linkType),
    [1, 1, 1, 1, 101],
  );
  expectKeepalives(decodeAll(Buffer.concat([a, b])), '10.0.0.1:40000', '10.0.0.2:179');
});

test('input fed one octet at a time gives the same frames', () => {
  for (const format of ['pcap', 'pcapng'] as const) {
    const buf = buildCapture(V4_SEGS, { format });
    const r = new CaptureReader();
    const got: number[] = [];
    for (let i = 0; i < buf.length; i++) {
      r.push(buf.subarray(i, i + 1));
      for (let p = r.next(); p; p = r.next()) got.push(p.data.length);
    }
    r.end();
    assert.deepEqual(
      got,
      readCapture(buf).map((p) => p.data.length),
    );
    assert.equal(r.format, format);
  }
});

function captureError(bytes: Uint8Array): CaptureError {
  try {
    readCapture(bytes);
  } catch (e) {
    assert.ok(e instanceof CaptureError, `expected CaptureError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a CaptureError');
}

test('truncated captures: inside a record, inside a header, inside the file header', () => {
  for (const format of ['pcap', 'pcapng'] as const) {
    const buf = buildCapture(V4_SEGS, { format });
    assert.equal(captureError(buf.subarray(0, buf.length - 1)).kind, 'truncated');
    assert.equal(captureError(buf.subarray(0, buf.length - 70)).kind, 'truncated');
    assert.equal(captureError(buf.subarray(0, 10)).kind, 'truncated');
  }
});

test('not a capture: text, too short, empty', () => {
  const e = captureError(Buffer.from('root:x:0:0:root:/root:/bin/bash\n'));
  assert.equal(e.kind, 'not-a-capture');
  assert.match(e.message, /not a pcap or pcapng capture/);
  assert.equal(captureError(Buffer.from('ab')).kind, 'not-a-capture');
  assert.equal(captureError(new Uint8Array(0)).kind, 'not-a-capture');
});

test('corrupt pcapng block length and oversized pcap record are errors, not crashes', () => {
  const ng = Buffer.from(buildCapture(V4_SEGS, { format: 'pcapng' }));
  ng.writeUInt32LE(13, 28 + 4); // IDB length not a multiple of 4
  assert.equal(captureError(ng).kind, 'corrupt');
  const p = Buffer.from(buildCapture(V4_SEGS));
  p.writeUInt32LE(0x7fffffff, 24 + 8); // first record's captured length
  assert.equal(captureError(p).kind, 'corrupt');
});

test('frames that are not TCP/IP are counted and skipped', () => {
  const arp = Uint8Array.from([...new Array(12).fill(1), 0x08, 0x06, ...new Array(28).fill(0)]);
  const frag = buildCapture([V4_SEGS[3]!], {});
  const fragFrame = readCapture(frag)[0]!.data.slice();
  fragFrame[14 + 6] = 0x20; // More Fragments
  const udp = readCapture(buildCapture([V4_SEGS[3]!]))[0]!.data.slice();
  udp[14 + 9] = 17;
  const segs: Segment[] = [
    { ...V4_SEGS[0]!, rawFrame: arp },
    { ...V4_SEGS[0]!, rawFrame: fragFrame },
    { ...V4_SEGS[0]!, rawFrame: udp },
    { ...V4_SEGS[0]!, rawFrame: new Uint8Array(3) },
  ];
  const d = new CaptureDecoder(() => assert.fail('no line expected'));
  for (const p of readCapture(buildCapture(segs))) d.packet(p);
  d.finish();
  assert.deepEqual(d.counters.skipped, { 'link-type': 0, 'not-ip': 2, malformed: 0, fragment: 1, 'not-tcp': 1 });
  assert.equal(dissect(147, new Uint8Array(40)), 'link-type');
});

test('IPv6 fragment header: an atomic fragment is whole, a real fragment is skipped', () => {
  const frame = readCapture(buildCapture([V6_SEGS[3]!], { linkTypes: [229] }))[0]!.data;
  const withFrag = (offsetAndFlags: number): Uint8Array => {
    const f = new Uint8Array(frame.length + 8);
    f.set(frame.subarray(0, 40), 0);
    f[6] = 44; // Next Header: Fragment (RFC 8200 4.5)
    const plen = ((frame[4]! << 8) | frame[5]!) + 8;
    f[4] = plen >> 8;
    f[5] = plen & 0xff;
    f.set([6, 0, offsetAndFlags >> 8, offsetAndFlags & 0xff, 0, 0, 0, 1], 40);
    f.set(frame.subarray(40), 48);
    return f;
  };
  const atomic = dissect(229, withFrag(0));
  assert.ok(typeof atomic !== 'string');
  assert.deepEqual([...atomic.payload], [...keepalive()]);
  assert.equal(dissect(229, withFrag(1)), 'fragment'); // M flag
  assert.equal(dissect(229, withFrag(8 << 3)), 'fragment'); // offset 8
});

test('BSD loopback (NULL) family in either host byte order; IPv6 family values 24, 28, 30', () => {
  const ip4 = readCapture(buildCapture([V4_SEGS[3]!], { linkTypes: [101] }))[0]!.data;
  const ip6 = readCapture(buildCapture([V6_SEGS[3]!], { linkTypes: [101] }))[0]!.data;
  const framed = (head: number[], ip: Uint8Array): Uint8Array => concat(Uint8Array.from(head), ip);
  for (const [head, ip] of [
    [[0, 0, 0, 2], ip4],
    [[2, 0, 0, 0], ip4],
    [[0, 0, 0, 24], ip6],
    [[28, 0, 0, 0], ip6],
    [[0, 0, 0, 30], ip6],
  ] as const) {
    const seg = dissect(0, framed([...head], ip));
    assert.ok(typeof seg !== 'string', `family ${head.join('.')}: ${String(seg)}`);
    assert.deepEqual([...seg.payload], [...keepalive()]);
  }
  assert.equal(dissect(0, framed([0, 0, 0, 7], ip4)), 'not-ip');
});
