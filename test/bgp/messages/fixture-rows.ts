// Codec fixture rows (name, object, hex, context), each checked four ways as STYLE.md asks:
// decode, encode to the exact hex, mirror (decode(encode(x)) equals x), and stream (fed
// through MessageFramer in random chunk sizes, alone and all rows back to back).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageFramer } from '../../../src/bgp/messages/framer';
import { decodeMessage, encodeMessage, type BgpMessage } from '../../../src/bgp/messages/message';
import { DEFAULT_CONTEXT, type CodecContext } from '../../../src/bgp/messages/types';

export interface FixtureRow {
  readonly name: string;
  readonly msg: BgpMessage;
  /** The whole message, header included; whitespace allowed. */
  readonly hex: string;
  readonly ctx?: CodecContext;
}

export function bytes(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

export function hexOf(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** The 16-octet marker, for writing fixtures. */
export const MARKER = 'ff'.repeat(16);

/** Small deterministic PRNG (mulberry32) so a failing chunking is reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits `b` into chunks of random size 1..max. */
export function randomChunks(b: Uint8Array, rand: () => number, max = 40): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < b.length; ) {
    const n = 1 + Math.floor(rand() * max);
    out.push(b.slice(i, i + n));
    i += n;
  }
  return out;
}

function drain(f: MessageFramer): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let m = f.next(); m !== undefined; m = f.next()) out.push(m);
  return out;
}

export function checkRows(title: string, rows: readonly FixtureRow[]): void {
  for (const row of rows) {
    const ctx = row.ctx ?? DEFAULT_CONTEXT;
    const wire = bytes(row.hex);
    test(`${title}: ${row.name}: decode`, () => {
      assert.deepEqual(decodeMessage(wire, ctx), row.msg);
    });
    test(`${title}: ${row.name}: encode to exact hex`, () => {
      assert.equal(hexOf(encodeMessage(row.msg, ctx)), hexOf(wire));
    });
    test(`${title}: ${row.name}: mirror`, () => {
      assert.deepEqual(decodeMessage(encodeMessage(row.msg, ctx), ctx), row.msg);
    });
    test(`${title}: ${row.name}: stream in random chunks`, () => {
      const rand = prng(wire.length * 7919 + 1);
      for (let round = 0; round < 20; round++) {
        const f = new MessageFramer(ctx.extendedMessage ? 65535 : 4096);
        const got: Uint8Array[] = [];
        for (const c of randomChunks(wire, rand, 1 + round * 3)) {
          f.push(c);
          got.push(...drain(f));
        }
        assert.equal(got.length, 1);
        assert.deepEqual(decodeMessage(got[0]!, ctx), row.msg);
        assert.equal(f.pending, 0);
      }
    });
  }
  test(`${title}: all rows back to back through one framer`, () => {
    const rand = prng(rows.length);
    const f = new MessageFramer(65535);
    const all = Buffer.concat(rows.map((r) => bytes(r.hex)));
    const got: Uint8Array[] = [];
    for (const c of randomChunks(new Uint8Array(all), rand, 97)) {
      f.push(c);
      got.push(...drain(f));
    }
    assert.equal(got.length, rows.length);
    got.forEach((frame, i) => {
      assert.deepEqual(decodeMessage(frame, rows[i]!.ctx ?? DEFAULT_CONTEXT), rows[i]!.msg);
    });
  });
}
