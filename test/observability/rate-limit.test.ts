// The one log rate limiter (peer-driven log lines: refused connections, bad or refused paths).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogRateLimiter } from '../../src/observability';

test("one line per key per window, then the suppressed count (the Speaker's refused connections)", () => {
  let t = 0;
  const r = new LogRateLimiter(1, 10_000, () => t);
  assert.deepEqual(r.allow('a'), { ok: true, suppressed: 0 });
  assert.deepEqual(r.allow('a'), { ok: false, suppressed: 1 });
  assert.deepEqual(r.allow('b'), { ok: true, suppressed: 0 }, 'keys are independent');
  t = 9_999;
  assert.deepEqual(r.allow('a'), { ok: false, suppressed: 2 });
  t = 10_000;
  assert.deepEqual(r.allow('a'), { ok: true, suppressed: 2 });
  assert.deepEqual(r.allow('a'), { ok: false, suppressed: 1 });
});

test("N lines per window; the first line after a drop reports it (the engine's bad paths)", () => {
  let t = 0;
  const r = new LogRateLimiter(3, 1000, () => t);
  assert.deepEqual(
    [r.allow('p'), r.allow('p'), r.allow('p')].map((d) => d.ok),
    [true, true, true],
  );
  assert.deepEqual(r.allow('p'), { ok: false, suppressed: 1 });
  assert.deepEqual(r.allow('p'), { ok: false, suppressed: 2 });
  t = 1000;
  assert.deepEqual(r.allow('p'), { ok: true, suppressed: 2 });
  assert.deepEqual(r.allow('p'), { ok: true, suppressed: 0 });
});

test('bounded: a flood of keys does not grow it without end, and live keys keep their window', () => {
  let t = 0;
  const r = new LogRateLimiter(1, 1000, () => t);
  r.allow('old');
  t = 2000; // 'old' window has ended
  r.allow('live');
  for (let i = 0; i < 4094; i++) r.allow(`k${i}`);
  r.allow('one-more'); // 4096 keys: the ended window goes, the live ones stay
  assert.deepEqual(r.allow('live'), { ok: false, suppressed: 1 });
  assert.equal((r as unknown as { windows: Map<string, unknown> }).windows.size, 4096);
});
