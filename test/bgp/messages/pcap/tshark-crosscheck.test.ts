// Reassembly checked against an independent implementation: for captures with split,
// coalesced, retransmitted and out-of-order segments, the per-direction sequence of
// (type, length) that vroute finds must be the one tshark finds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CaptureDecoder, readCapture } from '../../../../src/bgp/messages/pcap';
import { encodeOpen, makeOpen } from '../../../../src/bgp/messages/open';
import { skipReason } from '../../../helpers/env';
import {
  buildCapture,
  concat,
  keepalive,
  splitSegment,
  TcpFlow,
  type CaptureOptions,
  type Segment,
} from '../../../helpers/pcap-writer';

const skip = skipReason('tshark');
const C = '192.0.2.1:40000';
const S = '192.0.2.2:179';

function perDirectionOurs(buf: Uint8Array): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const d = new CaptureDecoder((l) => {
    const o = JSON.parse(l) as { src: string; type: string; length: number };
    const port = o.src.slice(o.src.lastIndexOf(':') + 1);
    out.set(port, [...(out.get(port) ?? []), `${o.type}:${o.length}`]);
  });
  for (const p of readCapture(buf)) d.packet(p);
  d.finish();
  return out;
}

const TYPES: Record<string, string> = {
  '1': 'OPEN',
  '2': 'UPDATE',
  '3': 'NOTIFICATION',
  '4': 'KEEPALIVE',
  '5': 'ROUTE-REFRESH',
};

function perDirectionTshark(buf: Uint8Array): Map<string, string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vroute-tshark-'));
  try {
    const file = path.join(dir, 'x.pcap');
    writeFileSync(file, buf);
    const text = execFileSync(
      'tshark',
      [
        '-r',
        file,
        '-o',
        'tcp.desegment_tcp_streams:TRUE',
        '-o',
        'tcp.reassemble_out_of_order:TRUE',
        '-Y',
        'bgp',
        '-T',
        'fields',
        '-E',
        'occurrence=a',
        '-e',
        'tcp.srcport',
        '-e',
        'bgp.type',
        '-e',
        'bgp.length',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 },
    );
    const out = new Map<string, string[]>();
    for (const line of text.split('\n').filter((l) => l !== '')) {
      const [port, types, lengths] = line.split('\t') as [string, string, string];
      const ls = lengths.split(',');
      const items = types.split(',').map((t, i) => `${TYPES[t] ?? t}:${ls[i]}`);
      out.set(port, [...(out.get(port) ?? []), ...items]);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function open(asn: number): Uint8Array {
  return encodeOpen(makeOpen({ asn, holdTime: 90, bgpId: asn, capabilities: [] }));
}
function notification(n: number): Uint8Array {
  const len = 21 + n;
  return concat(
    new Uint8Array(16).fill(0xff),
    Uint8Array.of(len >> 8, len & 0xff, 3, 6, 2),
    new Uint8Array(n).fill(0x61),
  );
}

function scenario(): Segment[] {
  const f = new TcpFlow(C, S, 4294967000, 77); // the client's sequence numbers wrap
  const hs = f.handshake();
  const o1 = f.send(true, open(65001));
  const o2 = f.send(false, open(65002));
  const coalesced = f.send(true, concat(keepalive(), notification(100), keepalive()));
  const big = f.send(true, notification(2000));
  const [b1, b2, b3] = splitSegment(big, 700, 1400);
  const tail = f.send(true, concat(keepalive(), keepalive()));
  const fromServer = f.send(false, concat(keepalive(), notification(5)));
  return [...hs, o1, o2, o1 /* retransmission */, coalesced, b1!, b3!, b2!, /* out of order */ b2!, tail, fromServer];
}

for (const opts of [
  {},
  { format: 'pcapng', linkTypes: [113] },
  { linkTypes: [276], littleEndian: false },
] as CaptureOptions[]) {
  test(`same messages per direction as tshark (${JSON.stringify(opts)})`, { skip }, () => {
    const buf = buildCapture(scenario(), opts);
    const ours = perDirectionOurs(buf);
    const theirs = perDirectionTshark(buf);
    assert.deepEqual(ours.get('40000'), [
      'OPEN:29',
      'KEEPALIVE:19',
      'NOTIFICATION:121',
      'KEEPALIVE:19',
      'NOTIFICATION:2021',
      'KEEPALIVE:19',
      'KEEPALIVE:19',
    ]);
    assert.deepEqual(ours, theirs);
  });
}
