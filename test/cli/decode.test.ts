// `vroute decode` through the real built CLI (node bin/vroute): output, stdin, exit codes
// and stderr text, a large capture with bounded memory, and the tshark-checked fixtures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../helpers/env';
import { buildCapture, concat, keepalive, TcpFlow, type Segment } from '../helpers/pcap-writer';

const BIN = path.join(REPO_ROOT, 'bin', 'vroute');
const BUILT = existsSync(path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'));
const skip = BUILT ? false : 'needs `npm run build` (dist/ missing)';
const dir = mkdtempSync(path.join(tmpdir(), 'vroute-decode-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
function vroute(args: string[], input?: Uint8Array): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function lines(s: string): Record<string, unknown>[] {
  return s
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
function file(name: string, bytes: Uint8Array): string {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
}
function assertOneCleanLine(stderr: string, re: RegExp): void {
  const l = stderr.split('\n').filter((x) => x !== '');
  assert.equal(l.length, 1, `expected one stderr line, got: ${stderr}`);
  assert.match(l[0]!, re);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

const A = '10.1.0.1:33000';
const B = '10.1.0.2:179';
function session(a = A, b = B): Segment[] {
  const f = new TcpFlow(a, b);
  return [...f.handshake(), f.send(true, keepalive()), f.send(false, keepalive()), f.send(true, keepalive())];
}

test('decodes a pcap file: one JSON object per message, exit 0, nothing on stderr', { skip }, () => {
  const r = vroute(['decode', file('s.pcap', buildCapture(session()))]);
  assert.equal(r.code, 0);
  assert.equal(r.stderr, '');
  assert.deepEqual(lines(r.stdout), [
    { src: A, dst: B, type: 'KEEPALIVE', length: 19 },
    { src: B, dst: A, type: 'KEEPALIVE', length: 19 },
    { src: A, dst: B, type: 'KEEPALIVE', length: 19 },
  ]);
});

test('reads pcapng from stdin with -; IPv6 endpoints in brackets', { skip }, () => {
  const segs = session('[2001:db8:0:0:0:0:0:a]:33000', '[2001:db8::b]:179');
  const r = vroute(['decode', '-'], buildCapture(segs, { format: 'pcapng', littleEndian: false, linkTypes: [113] }));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    lines(r.stdout).map((o) => `${o.src} ${o.dst}`),
    [
      '[2001:db8::a]:33000 [2001:db8::b]:179',
      '[2001:db8::b]:179 [2001:db8::a]:33000',
      '[2001:db8::a]:33000 [2001:db8::b]:179',
    ],
  );
});

test('missing file: one line on stderr, exit 1', { skip }, () => {
  const r = vroute(['decode', path.join(dir, 'nope.pcap')]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assertOneCleanLine(r.stderr, /^vroute decode: .*nope\.pcap: no such file$/);
});

test('not a capture (text file, empty file, directory): one line on stderr, exit 1', { skip }, () => {
  for (const [p, re] of [
    [file('t.txt', Buffer.from('hello world\n')), /not a pcap or pcapng capture/],
    [file('e.pcap', new Uint8Array(0)), /not a capture \(empty input\)/],
    [dir, /is a directory/],
  ] as const) {
    const r = vroute(['decode', p]);
    assert.equal(r.code, 1, p);
    assert.equal(r.stdout, '');
    assertOneCleanLine(r.stderr, re);
  }
  const r = vroute(['decode', '-'], Buffer.from('GET / HTTP/1.1\r\n'));
  assert.equal(r.code, 1);
  assertOneCleanLine(r.stderr, /^vroute decode: stdin: not a pcap or pcapng capture$/);
});

test('truncated capture: every message up to the cut, then one line on stderr, exit 1', { skip }, () => {
  for (const format of ['pcap', 'pcapng'] as const) {
    const whole = buildCapture(session(), { format });
    const cut = whole.subarray(0, whole.length - 30); // inside the last record
    const r = vroute(['decode', file(`cut.${format}`, cut)]);
    assert.equal(r.code, 1);
    assert.equal(lines(r.stdout).length, 2);
    assertOneCleanLine(r.stderr, new RegExp(`truncated ${format} capture`));
    const s = vroute(['decode', '-'], cut);
    assert.equal(s.code, 1);
    assert.equal(lines(s.stdout).length, 2);
  }
});

test('malformed messages print error lines; exit 0', { skip }, () => {
  const f = new TcpFlow(A, B);
  const bad = concat(new Uint8Array(16).fill(0xff), Uint8Array.of(0, 20, 42, 0));
  const r = vroute([
    'decode',
    file('bad.pcap', buildCapture([...f.handshake(), f.send(true, concat(bad, keepalive()))])),
  ]);
  assert.equal(r.code, 0);
  const out = lines(r.stdout);
  assert.deepEqual(Object.keys(out[0]!), ['src', 'dst', 'error', 'hex']);
  assert.equal(out[0]!.hex, Buffer.from(bad).toString('hex'));
  assert.equal(out[1]!.type, 'KEEPALIVE');
});

test('IP fragments are skipped with a note on stderr; exit 0', { skip }, () => {
  const segs = session();
  const frame = Buffer.from(buildCapture([segs[3]!]).subarray(24 + 16)); // the frame of one KEEPALIVE
  frame[14 + 6] = 0x20; // IPv4 More Fragments (RFC 791 3.1)
  const r = vroute([
    'decode',
    file('frag.pcap', buildCapture([...segs.slice(0, 3), { ...segs[3]!, rawFrame: frame }])),
  ]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '');
  assertOneCleanLine(r.stderr, /^vroute decode: note: 1 IP fragments skipped \(not reassembled\)$/);
});

/** An UPDATE (RFC 4271 4.3) with ORIGIN, AS_PATH, NEXT_HOP and /24 NLRI 10.x.y.0. */
function update(first: number, count: number): Uint8Array {
  const attrs = [0x40, 1, 1, 0, 0x40, 2, 4, 2, 1, 0xfd, 0xe9, 0x40, 3, 4, 192, 0, 2, 1];
  const nlri = new Uint8Array(count * 4);
  for (let i = 0; i < count; i++) {
    const n = first + i;
    nlri.set([24, 10 + (n >> 16), (n >> 8) & 0xff, n & 0xff], i * 4);
  }
  const len = 19 + 4 + attrs.length + nlri.length;
  return concat(
    new Uint8Array(16).fill(0xff),
    Uint8Array.of(len >> 8, len & 0xff, 2, 0, 0, 0, attrs.length),
    Uint8Array.from(attrs),
    nlri,
  );
}

test('a capture of 2M prefixes streams with bounded memory', { skip, timeout: 120_000 }, async () => {
  const PREFIXES = 2_000_000;
  const PER_UPDATE = 1000; // 4041-octet UPDATEs
  const f = new TcpFlow(A, B);
  const segs: Segment[] = f.handshake();
  let stream: Uint8Array[] = [];
  for (let n = 0; n < PREFIXES; n += PER_UPDATE) stream.push(update(n, PER_UPDATE));
  const bytes = concat(...stream);
  stream = [];
  for (let off = 0; off < bytes.length; off += 1448) segs.push(f.send(true, bytes.subarray(off, off + 1448)));
  const p = file('big.pcap', buildCapture(segs));
  const started = Date.now();
  // The heap cap makes the run fail if output or input were held whole (~40 MB of output).
  const child = spawn(
    '/usr/bin/time',
    ['-f', 'maxrss_kb=%M', process.execPath, '--max-old-space-size=48', BIN, 'decode', p],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let messages = 0;
  let prefixes = 0;
  for await (const l of createInterface({ input: child.stdout })) {
    const o = JSON.parse(l) as { type?: string; nlri?: string[] };
    assert.equal(o.type, 'UPDATE', l.slice(0, 200));
    messages++;
    prefixes += o.nlri?.length ?? 0;
  }
  const code = await new Promise<number | null>((res) => child.on('close', res));
  const secs = (Date.now() - started) / 1000;
  assert.equal(code, 0, stderr);
  assert.equal(messages, PREFIXES / PER_UPDATE);
  assert.equal(prefixes, PREFIXES);
  const rss = Number(/maxrss_kb=(\d+)/.exec(stderr)?.[1] ?? 0);
  process.stdout.write(
    `# decode of ${PREFIXES} prefixes (${(readFileSync(p).length / 1e6).toFixed(1)} MB capture): ${secs.toFixed(1)} s, max RSS ${(rss / 1024).toFixed(0)} MiB\n`,
  );
  if (rss > 0) assert.ok(rss < 200 * 1024, `max RSS ${rss} KiB`);
});

// Every capture in test/pcap-fixtures with a sibling .ndjson (tshark-made expected output).
const FIXTURES = path.join(REPO_ROOT, 'test', 'pcap-fixtures');
const fixtures = existsSync(FIXTURES)
  ? readdirSync(FIXTURES).filter(
      (n) => /\.(pcap|pcapng)$/.test(n) && existsSync(path.join(FIXTURES, n.replace(/\.(pcap|pcapng)$/, '.ndjson'))),
    )
  : [];
for (const name of fixtures) {
  test(`fixture ${name} decodes to its .ndjson`, { skip }, () => {
    const expected = readFileSync(path.join(FIXTURES, name.replace(/\.(pcap|pcapng)$/, '.ndjson')), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    const r = vroute(['decode', path.join(FIXTURES, name)]);
    const got = r.stdout.split('\n').filter((l) => l !== '');
    for (let i = 0; i < Math.max(got.length, expected.length); i++) {
      const g = got[i] === undefined ? undefined : JSON.parse(got[i]!);
      const e = expected[i] === undefined ? undefined : JSON.parse(expected[i]!);
      assert.deepEqual(
        g,
        e,
        `${name}: first mismatch at line ${i + 1} of ${expected.length} expected / ${got.length} printed\n` +
          `  expected: ${expected[i] ?? '(no more lines)'}\n  printed:  ${got[i] ?? '(no more lines)'}\n  stderr: ${r.stderr}`,
      );
    }
  });
}
