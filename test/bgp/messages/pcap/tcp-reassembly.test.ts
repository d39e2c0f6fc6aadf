// TCP reassembly by sequence number: split, coalesced, retransmitted, overlapping and
// out-of-order segments, missing SYN, gaps, sequence wrap, a new connection on old ports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpReassembler, type TcpSegment } from '../../../../src/bgp/messages/pcap';

const A = '10.0.0.1:40000';
const B = '10.0.0.2:179';
const SYN = 0x02;

class Recorder {
  data = new Map<string, number[]>();
  events: string[] = [];
  readonly r: TcpReassembler;
  constructor(maxHeldBytes?: number) {
    this.r = new TcpReassembler(
      {
        onData: (dir, bytes) => {
          const list = this.data.get(dir.key) ?? [];
          list.push(...bytes);
          this.data.set(dir.key, list);
          this.events.push(`data ${dir.src} ${bytes.length}`);
        },
        onGap: (dir, missing) => this.events.push(`gap ${dir.src} ${missing}`),
        onRestart: (dir) => this.events.push(`restart ${dir.src}`),
      },
      { maxHeldBytes },
    );
  }
  seg(src: string, dst: string, seq: number, payload: number[] | Uint8Array, flags = 0x18): this {
    const s: TcpSegment = { src, dst, seq: seq >>> 0, flags, payload: Uint8Array.from(payload) };
    this.r.segment(s);
    return this;
  }
  bytes(src = A, dst = B): number[] {
    return this.data.get(`${src}>${dst}`) ?? [];
  }
}

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => (from + i) & 0xff);

test('in-order data after a SYN starts at ISN+1', () => {
  const t = new Recorder().seg(A, B, 100, [], SYN).seg(A, B, 101, range(0, 10)).seg(A, B, 111, range(10, 5));
  assert.deepEqual(t.bytes(), range(0, 15));
});

test('directions are separate streams', () => {
  const t = new Recorder()
    .seg(A, B, 100, [], SYN)
    .seg(B, A, 900, [], SYN | 0x10)
    .seg(A, B, 101, [1, 2])
    .seg(B, A, 901, [9, 8])
    .seg(A, B, 103, [3]);
  assert.deepEqual(t.bytes(A, B), [1, 2, 3]);
  assert.deepEqual(t.bytes(B, A), [9, 8]);
});

test('exact retransmission is dropped', () => {
  const t = new Recorder()
    .seg(A, B, 100, [], SYN)
    .seg(A, B, 101, range(0, 10))
    .seg(A, B, 101, range(0, 10))
    .seg(A, B, 111, range(10, 4));
  assert.deepEqual(t.bytes(), range(0, 14));
});

test('overlapping retransmission delivers only the new tail; first copy wins', () => {
  const t = new Recorder()
    .seg(A, B, 100, [], SYN)
    .seg(A, B, 101, range(0, 10))
    .seg(A, B, 106, [...new Array<number>(5).fill(0xee), ...range(10, 5)]); // 5 old octets (altered) + 5 new
  assert.deepEqual(t.bytes(), range(0, 15));
});

test('out-of-order segments are held until the gap fills', () => {
  const t = new Recorder().seg(A, B, 100, [], SYN).seg(A, B, 111, range(10, 10)).seg(A, B, 121, range(20, 5));
  assert.deepEqual(t.bytes(), []);
  t.seg(A, B, 101, range(0, 10));
  assert.deepEqual(t.bytes(), range(0, 25));
});

test('held segments that overlap each other and duplicates of held data', () => {
  const t = new Recorder()
    .seg(A, B, 100, [], SYN)
    .seg(A, B, 111, range(10, 10))
    .seg(A, B, 111, range(10, 10))
    .seg(A, B, 115, range(14, 10))
    .seg(A, B, 111, range(10, 3));
  t.seg(A, B, 101, range(0, 12)); // also overlaps the first held segment by two octets
  assert.deepEqual(t.bytes(), range(0, 24));
});

test('a message split over many one-octet segments in reverse order', () => {
  const t = new Recorder().seg(A, B, 7, [], SYN);
  for (let i = 19; i >= 0; i--) t.seg(A, B, 8 + i, [i]);
  assert.deepEqual(t.bytes(), range(0, 20));
});

test('a stream without its SYN starts at its first data segment', () => {
  const t = new Recorder().seg(A, B, 5000, range(0, 4)).seg(A, B, 5004, range(4, 4));
  assert.deepEqual(t.bytes(), range(0, 8));
  assert.deepEqual(new Recorder().seg(A, B, 5000, [], 0x10).seg(A, B, 5000, [1]).bytes(), [1]);
});

test('sequence numbers wrap around 2^32', () => {
  const t = new Recorder()
    .seg(A, B, 0xfffffff0, [], SYN)
    .seg(A, B, 0xfffffffb, range(10, 10))
    .seg(A, B, 0xfffffff1, range(0, 10))
    .seg(A, B, 0x00000005, range(20, 3));
  assert.deepEqual(t.bytes(), range(0, 23));
});

test('data carried on the SYN follows it (TCP Fast Open)', () => {
  assert.deepEqual(new Recorder().seg(A, B, 50, [1, 2, 3], SYN).seg(A, B, 54, [4]).bytes(), [1, 2, 3, 4]);
});

test('a gap that never fills is given up at the end of the capture', () => {
  const t = new Recorder().seg(A, B, 100, [], SYN).seg(A, B, 101, range(0, 5)).seg(A, B, 116, range(15, 5));
  assert.deepEqual(t.bytes(), range(0, 5));
  t.r.finish();
  assert.deepEqual(t.bytes(), [...range(0, 5), ...range(15, 5)]);
  assert.deepEqual(t.events, [`data ${A} 5`, `gap ${A} 10`, `data ${A} 5`]);
});

test('held bytes are bounded: past the bound the gap is given up at once', () => {
  const t = new Recorder(100).seg(A, B, 100, [], SYN).seg(A, B, 101, range(0, 10));
  for (let i = 0; i < 5; i++) t.seg(A, B, 1111 + i * 30, range(i * 30, 30)); // 150 octets held after a hole
  assert.ok(t.events.includes(`gap ${A} 1000`), t.events.join(', '));
  assert.equal(t.bytes().length, 10 + 150);
  t.seg(A, B, 111, range(0, 1000)); // the late hole filler is old data now
  assert.equal(t.bytes().length, 160);
});

test('a SYN with a new ISN is a new connection; a repeated SYN is not', () => {
  const t = new Recorder().seg(A, B, 100, [], SYN).seg(A, B, 101, [1, 2]).seg(A, B, 100, [], SYN).seg(A, B, 103, [3]);
  assert.deepEqual(t.bytes(), [1, 2, 3]);
  t.seg(A, B, 7000, [], SYN).seg(A, B, 7001, [9]);
  assert.deepEqual(t.bytes(), [1, 2, 3, 9]);
  assert.ok(t.events.includes(`restart ${A}`));
  assert.equal(t.events.filter((e) => e.startsWith('restart')).length, 1);
});

test('held segments are copies: the caller may reuse its buffer', () => {
  const t = new Recorder().seg(A, B, 100, [], SYN);
  const buf = Uint8Array.from(range(5, 5));
  t.r.segment({ src: A, dst: B, seq: 106, flags: 0x18, payload: buf });
  buf.fill(0);
  t.seg(A, B, 101, range(0, 5));
  assert.deepEqual(t.bytes(), range(0, 10));
});
