// Damaged captures never crash: mutated or cut files fail only with CaptureError, and
// whatever frames come out decode to lines without exceptions (time-bounded properties).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CaptureDecoder, CaptureError, CaptureReader } from '../../../../src/bgp/messages/pcap';
import { encodeOpen, makeOpen } from '../../../../src/bgp/messages/open';
import { CapabilityCode } from '../../../../src/bgp/messages/capabilities';
import { checkProperty } from '../../../helpers/property';
import { buildCapture, concat, keepalive, TcpFlow, type CaptureOptions } from '../../../helpers/pcap-writer';

const f = new TcpFlow('10.0.0.1:1000', '10.0.0.2:179');
const OPEN = encodeOpen(
  makeOpen({
    asn: 65001,
    holdTime: 90,
    bgpId: 1,
    capabilities: [{ kind: 'four-octet-as', code: CapabilityCode.FourOctetAs, asn: 65001 }],
  }),
);
const SEGS = [
  ...f.handshake(),
  f.send(true, OPEN),
  f.send(false, OPEN),
  f.send(true, concat(keepalive(), keepalive())),
  f.send(false, keepalive()),
];

function run(bytes: Uint8Array, chunk: number): void {
  const r = new CaptureReader();
  const d = new CaptureDecoder((l) => assert.equal(typeof JSON.parse(l), 'object'));
  try {
    for (let i = 0; i < bytes.length; i += chunk) {
      r.push(bytes.subarray(i, i + chunk));
      for (let p = r.next(); p; p = r.next()) d.packet(p);
    }
    r.end();
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
  }
  d.finish();
}

const variants: CaptureOptions[] = [
  { format: 'pcap' },
  { format: 'pcap', littleEndian: false, linkTypes: [113] },
  { format: 'pcapng' },
  { format: 'pcapng', littleEndian: false, linkTypes: [276] },
  { linkTypes: [0] },
];

test('mutated and cut captures fail only with CaptureError', (t) => {
  const base = variants.map((v) => buildCapture(SEGS, v));
  checkProperty(
    t,
    fc.property(
      fc.nat(base.length - 1),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      fc.nat(),
      fc.integer({ min: 1, max: 300 }),
      (which, flips, cut, chunk) => {
        const b = Uint8Array.from(base[which]!);
        for (const [pos, v] of flips) b[pos % b.length] = v;
        run(b.subarray(0, b.length - (cut % 40)), chunk);
      },
    ),
  );
});

test('random bytes after a valid capture header fail only with CaptureError', (t) => {
  const heads = [buildCapture([], { format: 'pcap' }), buildCapture([], { format: 'pcapng' })];
  checkProperty(
    t,
    fc.property(fc.boolean(), fc.uint8Array({ maxLength: 400 }), (ng, tail) =>
      run(concat(heads[ng ? 1 : 0]!, tail), 64),
    ),
  );
});
