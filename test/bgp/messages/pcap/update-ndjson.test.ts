// The one-pass UPDATE writer of `vroute decode` against the general path it stands in for
// (decodeMessage in wire view + messageToJson + JSON.stringify): for random UPDATEs, well
// formed and damaged, it either writes exactly the general path's line or declines having
// written nothing. Plus the wire view itself (contract 1: AIGP and unnamed types, a
// well-known-flagged one included, go to `unknown`) and the session's unchanged verdict on them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NdjsonOut, writeUpdateLine } from '../../../../src/bgp/messages/pcap';
import { decodeMessage, messageToJson } from '../../../../src/bgp/messages/message';
import { decodeUpdate } from '../../../../src/bgp/messages/update';
import { formatIpv6 as ipv6ToString } from '../../../../src/net';
import { BgpError, UpdateSubcode } from '../../../../src/bgp/messages/errors';
import { validateUpdate } from '../../../../src/bgp/messages/validate-update';
import {
  DEFAULT_CONTEXT,
  IPV4_UNICAST,
  IPV6_UNICAST,
  type CodecContext,
  type Family,
} from '../../../../src/bgp/messages/types';

const SRC = '192.0.2.1:179';
const DST = '[2001:db8::2]:40000';
const HEAD = Buffer.from(`{"src":"${SRC}","dst":"${DST}",`);

/** xorshift32, so a failure names a seed that reproduces it. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return Math.floor((s / 4294967296) * n);
  };
}

function message(body: number[]): Uint8Array {
  const len = 19 + body.length;
  return Uint8Array.from([...new Array<number>(16).fill(0xff), (len >> 8) & 0xff, len & 0xff, 2, ...body]);
}
function attr(flags: number, type: number, value: number[]): number[] {
  return flags & 0x10
    ? [flags, type, value.length >> 8, value.length & 0xff, ...value]
    : [flags, type, value.length, ...value];
}
function update(withdrawn: number[], attrs: number[][], nlri: number[]): Uint8Array {
  const a = attrs.flat();
  return message([
    withdrawn.length >> 8,
    withdrawn.length & 0xff,
    ...withdrawn,
    a.length >> 8,
    a.length & 0xff,
    ...a,
    ...nlri,
  ]);
}

/** The general path's line (error line when it throws), as decode-stream.ts prints it. */
function generalLine(frame: Uint8Array, ctx: CodecContext): string {
  try {
    return JSON.stringify({ src: SRC, dst: DST, ...messageToJson(decodeMessage(frame, ctx, { wireView: true })) });
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

function fastLine(frame: Uint8Array, ctx: CodecContext): string | undefined {
  const out = new NdjsonOut(() => assert.fail('no flush expected'), 4 << 20);
  out.reserve(HEAD.length + frame.length * 16 + 256);
  if (!writeUpdateLine(out, HEAD, frame, ctx)) {
    assert.equal(out.pos, 0, 'a declined message leaves nothing written');
    return undefined;
  }
  const text = out.takeText();
  assert.ok(text.endsWith('}\n'));
  return text.slice(0, -1);
}

// --- Random UPDATEs: mostly well formed, with the irregularities the general path handles. ---

function bytes(r: (n: number) => number, n: number): number[] {
  return Array.from({ length: n }, () => r(256));
}

function v4Prefixes(r: (n: number) => number, addPath: boolean, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    if (addPath) out.push(...(r(4) === 0 ? [0, 0, 0, 0] : bytes(r, 4)));
    const len = [0, 8, 16, 19, 24, 24, 24, 25, 32][r(9)]!;
    out.push(len, ...bytes(r, (len + 7) >> 3));
  }
  return out;
}

function v6Prefixes(r: (n: number) => number, addPath: boolean, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    if (addPath) out.push(...bytes(r, 4));
    const len = [0, 32, 48, 64, 127, 128][r(6)]!;
    const n = (len + 7) >> 3;
    // Zero runs of several lengths, so "::" lands everywhere (RFC 5952 4.2).
    const a = bytes(r, n).map((b) => (r(3) === 0 ? b : 0));
    out.push(len, ...a);
  }
  return out;
}

function segmentsValue(r: (n: number) => number, w: number, confed: boolean): number[] {
  const out: number[] = [];
  const segs = r(3);
  for (let s = 0; s < segs; s++) {
    const n = 1 + r(4);
    out.push(1 + r(confed ? 4 : 2), n);
    for (let k = 0; k < n; k++) out.push(...(w === 4 ? bytes(r, 4) : bytes(r, 2)));
  }
  return out;
}

function randomAttribute(r: (n: number) => number, ctx: CodecContext): number[] {
  const w = ctx.fourOctetAs ? 4 : 2;
  const pick = r(21);
  switch (pick) {
    case 0:
      return attr(0x40, 1, [r(3)]);
    case 1:
      return attr(0x40, 2, segmentsValue(r, w, true));
    case 2:
      return attr(0x40, 3, bytes(r, 4));
    case 3:
      return attr(0x80, 4, bytes(r, 4));
    case 4:
      return attr(0x40, 5, bytes(r, 4));
    case 5:
      return attr(0x40, 6, []);
    case 6:
      return attr(0xc0, 7, bytes(r, ctx.fourOctetAs ? 8 : 6));
    case 7:
      return attr(0xc0, 8, bytes(r, 4 * (1 + r(4))));
    case 8:
      return attr(0x80, 9, bytes(r, 4));
    case 9:
      return attr(0x80, 10, bytes(r, 4 * (1 + r(3))));
    case 10:
      return attr(0xc0, 16, bytes(r, 8 * (1 + r(3))));
    case 11:
      return attr(0xc0, 17, segmentsValue(r, 4, false));
    case 12:
      return attr(0xc0, 18, bytes(r, 8));
    case 13:
      return attr(0xc0, 32, bytes(r, 12 * (1 + r(2))));
    case 14:
    case 15: {
      const v6 = r(2) === 1;
      const fam: Family = v6 ? IPV6_UNICAST : IPV4_UNICAST;
      const ap = ctx.addPath.has(fam);
      const nh = v6 ? [16, 32][r(2)]! : [4, 16, 32][r(3)]!;
      const nlri = v6 ? v6Prefixes(r, ap, r(4)) : v4Prefixes(r, ap, r(4));
      return attr(0x80, 14, [0, v6 ? 2 : 1, 1, nh, ...bytes(r, nh).map((b) => (r(2) ? b : 0)), 0, ...nlri]);
    }
    case 16: {
      const v6 = r(2) === 1;
      const ap = ctx.addPath.has(v6 ? IPV6_UNICAST : IPV4_UNICAST);
      return attr(0x80, 15, [0, v6 ? 2 : 1, 1, ...(v6 ? v6Prefixes(r, ap, r(3)) : v4Prefixes(r, ap, r(3)))]);
    }
    default: {
      // Unnamed types, any flags: AIGP (26), OTC (35), a well-known-flagged 153, 0 and 255.
      const type = [26, 35, 153, 0, 255, 200][r(6)]!;
      const flags = [0x40, 0x80, 0xc0, 0xe0, 0x00][r(5)]!;
      return attr(flags | (r(4) === 0 ? 0x10 : 0), type, bytes(r, r(12)));
    }
  }
}

function randomCase(r: (n: number) => number): { frame: Uint8Array; ctx: CodecContext } {
  const addPath = new Set<Family>();
  if (r(3) === 0) addPath.add(IPV4_UNICAST);
  if (r(3) === 0) addPath.add(IPV6_UNICAST);
  const ctx: CodecContext = { fourOctetAs: r(2) === 1, extendedMessage: r(4) === 0, addPath };
  const ap4 = addPath.has(IPV4_UNICAST);
  const attrs: number[][] = [];
  const n = r(8);
  for (let i = 0; i < n; i++) {
    let a = randomAttribute(r, ctx);
    // Now and then: wrong flags, Extended Length where not needed, or a duplicate.
    if (r(12) === 0) a = [(a[0]! ^ [0x80, 0x40, 0x20][r(3)]!) & 0xff, ...a.slice(1)];
    if (r(12) === 0 && !(a[0]! & 0x10)) a = [a[0]! | 0x10, a[1]!, 0, ...a.slice(2)];
    attrs.push(a);
    if (r(25) === 0) attrs.push(a);
  }
  let frame = update(r(4) === 0 ? v4Prefixes(r, ap4, 1 + r(3)) : [], attrs, v4Prefixes(r, ap4, r(5)));
  if (r(4) === 0) {
    // Damage one octet after the header.
    frame = frame.slice();
    const at = 19 + r(frame.length - 19);
    frame[at] = r(3) === 0 ? 0xff : r(256);
  }
  return { frame, ctx };
}

test("the one-pass writer prints exactly the general path's line, or declines (20,000 random UPDATEs)", () => {
  let taken = 0;
  let declined = 0;
  for (let seed = 1; seed <= 20_000; seed++) {
    const { frame, ctx } = randomCase(rng(seed));
    const want = generalLine(frame, ctx);
    const got = fastLine(frame, ctx);
    if (got === undefined) {
      declined++;
      continue;
    }
    taken++;
    assert.equal(got, want, `seed ${seed}, frame ${Buffer.from(frame).toString('hex')}`);
  }
  // Both branches ran many times, so the comparison means something.
  assert.ok(taken > 8000, `taken ${taken} declined ${declined}`);
  assert.ok(declined > 2000, `declined ${declined}`);
});

test('NdjsonOut: numbers and IPv6 text as String() and ipv6ToString give them', () => {
  const out = new NdjsonOut(() => undefined);
  const r = rng(7);
  const nums = [
    0,
    9,
    10,
    99,
    100,
    255,
    256,
    65535,
    65536,
    99999,
    100000,
    2 ** 30 - 1,
    2 ** 30,
    2 ** 31,
    4200000000,
    4294967295,
  ];
  for (let i = 0; i < 2000; i++) nums.push(r(2 ** 16) * 65536 + r(65536));
  for (const v of nums) {
    out.reserve(16);
    out.uint(v);
    assert.equal(out.takeText(), String(v));
  }
  for (let i = 0; i < 5000; i++) {
    const a = Uint8Array.from(bytes(r, 16).map((b) => (r(2) ? b : 0)));
    if (i % 50 === 0) a.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 0); // IPv4-mapped
    out.reserve(64);
    out.ipv6At(a, 0);
    assert.equal(out.takeText(), ipv6ToString(a, 0));
  }
});

// --- Contract 1's wire view against the session's verdict ---

const ORIGIN = attr(0x40, 1, [0]);
const AS_PATH = attr(0x40, 2, [2, 1, 0xfd, 0xe9]);
const NEXT_HOP = attr(0x40, 3, [192, 0, 2, 1]);
const AIGP = attr(0x80, 26, [1, 0, 11, 0, 0, 0, 0, 0, 0, 0, 100]); // RFC 7311: one AIGP TLV, metric 100
const WELL_KNOWN_153 = attr(0x40, 153, [0xde, 0xad]);

test('decode shows AIGP under unknown; a session still ignores it (RFC 4271 5: optional non-transitive)', () => {
  const frame = update([], [ORIGIN, AS_PATH, NEXT_HOP, AIGP], [24, 10, 0, 0]);
  const wire = decodeUpdate(frame, DEFAULT_CONTEXT, { wireView: true });
  assert.deepEqual(
    wire.attributes.unknown?.map((u) => [u.type, u.flags, Buffer.from(u.value).toString('hex')]),
    [[26, 0x80, '01000b0000000000000064']],
  );
  assert.deepEqual(JSON.parse(fastLine(frame, DEFAULT_CONTEXT)!).attributes.unknown, [
    { type: 26, flags: 128, hex: '01000b0000000000000064' },
  ]);
  const session = decodeUpdate(frame, DEFAULT_CONTEXT);
  assert.equal(session.attributes.unknown, undefined);
  assert.deepEqual(session.errors, []);
  const v = validateUpdate(session, { ebgp: true, peerAs: 65001 });
  assert.equal(v.action, undefined);
  assert.equal(v.attributes.unknown, undefined);
});

test('decode shows a well-known-flagged unnamed type; a session still resets (RFC 4271 6.3)', () => {
  const frame = update([], [ORIGIN, AS_PATH, NEXT_HOP, WELL_KNOWN_153], [24, 10, 0, 0]);
  const line = generalLine(frame, DEFAULT_CONTEXT);
  assert.deepEqual(JSON.parse(line).attributes.unknown, [{ type: 153, flags: 64, hex: 'dead' }]);
  assert.equal(fastLine(frame, DEFAULT_CONTEXT), line);
  assert.throws(
    () => decodeMessage(frame, DEFAULT_CONTEXT),
    (e: unknown) =>
      e instanceof BgpError &&
      e.subcode === UpdateSubcode.UnrecognizedWellKnownAttribute &&
      e.action === 'session-reset',
  );
});
