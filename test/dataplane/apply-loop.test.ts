// The apply loop with a manual clock: changes coalesce into one apply per interval, one apply
// runs at a time, failures back off exponentially and resync on retry, and the kernel is
// re-read every resync interval. No wall-clock waits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplyLoop, type Timers } from '../../src/dataplane';

class Clock implements Timers {
  t = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.pending.delete(h as number);
  }
  now(): number {
    return this.t;
  }
  /** Advances time, firing due timers in order, letting promise callbacks run in between. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await new Promise((r) => setImmediate(r));
      const due = [...this.pending.entries()].filter(([, v]) => v.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.t = Math.max(this.t, due[1].at);
      due[1].fn();
    }
    this.t = end;
    await new Promise((r) => setImmediate(r));
  }
}

test('changes coalesce; the first apply and every resync interval read the kernel', async () => {
  const clock = new Clock();
  const calls: { at: number; resync: boolean }[] = [];
  const loop = new ApplyLoop(
    async (resync) => {
      calls.push({ at: clock.now(), resync });
      return { ok: true };
    },
    { timers: clock, minIntervalMs: 100, resyncMs: 1000 },
  );
  loop.kick();
  await clock.advance(0);
  assert.deepEqual(calls, [{ at: 0, resync: true }]);
  for (let i = 0; i < 10; i++) {
    loop.kick();
    await clock.advance(5);
  }
  await clock.advance(100);
  assert.deepEqual(calls.slice(1), [{ at: 100, resync: false }], 'ten changes, one apply, not before the interval');
  await clock.advance(1000);
  assert.deepEqual(calls.slice(2), [{ at: 1000, resync: true }], 'the periodic resync');
  loop.stop();
  await clock.advance(5000);
  assert.equal(calls.length, 3, 'nothing after stop');
});

test('failures retry with doubling back-off, each retry reading the kernel, until one succeeds', async () => {
  const clock = new Clock();
  const calls: { at: number; resync: boolean }[] = [];
  let failing = 4;
  const loop = new ApplyLoop(
    async (resync) => {
      calls.push({ at: clock.now(), resync });
      if (failing-- > 0) throw new Error('nft: busy');
      return { ok: true };
    },
    { timers: clock, minIntervalMs: 10, resyncMs: 60_000, backoffMs: 100, backoffMaxMs: 300 },
  );
  loop.kick();
  await clock.advance(2000);
  assert.deepEqual(
    calls.map((c) => c.at),
    [0, 100, 300, 600, 900],
  );
  assert.ok(calls.every((c) => c.resync));
  loop.stop();
});

test('one apply at a time: a change during an apply runs after it', async () => {
  const clock = new Clock();
  let running = 0,
    maxRunning = 0,
    n = 0;
  let release!: () => void;
  const loop = new ApplyLoop(
    async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      n++;
      if (n === 1)
        await new Promise<void>((r) => {
          release = r;
        });
      running--;
      return { ok: true };
    },
    { timers: clock, minIntervalMs: 10, resyncMs: 60_000 },
  );
  loop.kick();
  await clock.advance(0);
  loop.kick();
  await clock.advance(50);
  assert.equal(n, 1, 'the second waits for the first');
  release();
  await clock.advance(50);
  assert.equal(n, 2);
  assert.equal(maxRunning, 1);
  loop.stop();
});

test('retryMs asks for another apply later (an interface not there yet)', async () => {
  const clock = new Clock();
  const at: number[] = [];
  const loop = new ApplyLoop(
    async () => {
      at.push(clock.now());
      return { ok: true, retryMs: at.length < 3 ? 500 : undefined };
    },
    { timers: clock, minIntervalMs: 10, resyncMs: 60_000 },
  );
  loop.kick();
  await clock.advance(3000);
  assert.deepEqual(at, [0, 500, 1000]);
  loop.stop();
});
