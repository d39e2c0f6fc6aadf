// FSM and timer wheel benchmark (not a test). Scale series of sessions:
//  1. N sessions driven Idle -> Established (5 steps each), rate of steps;
//  2. a KEEPALIVE/UPDATE storm in Established: step() + the HoldTimer refresh it asks for;
//  3. the wheel: N sessions x 3 timers armed, a lap of refreshes, all cancelled; RSS.
// Run: npm run build && node --expose-gc dist/bench/fsm/fsm-bench.js [N...]
import {
  createFsm,
  SessionTimers,
  step,
  TimerWheel,
  type Clock,
  type FsmEvent,
  type FsmState,
} from '../../src/bgp/fsm';

const gc = (globalThis as { gc?: () => void }).gc;
const mib = (n: number): string => (n / 1048576).toFixed(1);
const rate = (n: number, ms: number): string => `${(((n / ms) * 1000) / 1e6).toFixed(2)}M/s`;

/** Time stands still: nothing fires, we measure bookkeeping only. */
const stillClock: Clock = { now: () => 0, setInterval: () => 1, clearInterval: () => undefined };

const UP: FsmEvent[] = [
  { type: 'ManualStart' },
  { type: 'Tcp_CR_Acked' },
  { type: 'BGPOpen', asn: 65001, holdTime: 90, bgpId: 0x0a000002 },
  { type: 'KeepAliveMsg' },
];

function run(n: number): void {
  gc?.();
  const rss0 = process.memoryUsage().rss;
  const wheel = new TimerWheel({ clock: stillClock });
  const sessions: FsmState[] = new Array(n);
  const timers: SessionTimers[] = new Array(n);

  let t0 = performance.now();
  let steps = 0;
  for (let i = 0; i < n; i++) {
    let s = createFsm({ localAs: 65000 }, 0);
    const st = new SessionTimers(wheel, () => undefined);
    for (const ev of UP) {
      const r = step(s, ev, 0);
      s = r.state;
      for (const a of r.actions) st.apply(a);
      steps++;
    }
    sessions[i] = s;
    timers[i] = st;
  }
  const upMs = performance.now() - t0;
  const rssUp = process.memoryUsage().rss;

  // Messages in Established: 10 per session, KEEPALIVE and UPDATE alternating.
  const msgs: FsmEvent[] = [{ type: 'KeepAliveMsg' }, { type: 'UpdateMsg' }];
  t0 = performance.now();
  let m = 0;
  for (let k = 0; k < 10; k++) {
    const ev = msgs[k & 1]!;
    for (let i = 0; i < n; i++) {
      const r = step(sessions[i]!, ev, 0);
      sessions[i] = r.state;
      for (const a of r.actions) timers[i]!.apply(a);
      m++;
    }
  }
  const msgMs = performance.now() - t0;

  t0 = performance.now();
  for (const st of timers) st.stopAll();
  const cancelMs = performance.now() - t0;

  console.log(
    `N=${n}: up ${rate(steps, upMs)} steps (${upMs.toFixed(0)} ms), ` +
      `Established msgs ${rate(m, msgMs)} (step + hold refresh), ` +
      `cancel ${n * 2} timers ${cancelMs.toFixed(1)} ms, ` +
      `armed ${wheel.size}, RSS +${mib(rssUp - rss0)} MiB for sessions + timers`,
  );
}

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((x) => x > 0);
for (const n of sizes.length ? sizes : [10_000, 100_000]) run(n);
