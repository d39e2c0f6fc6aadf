// V8 settings for the long-running daemons (`vroute reflector` and `vroute node`, and
// bench/reflect's launcher, so the benchmark measures what operators run). Applied in-process with v8.setFlagsFromString
// at startup: no re-exec, so no second node process (~40 MiB) to save a few MiB in this one.
// Only flags V8 reads after start-up belong here; heap-geometry flags fixed at isolate
// creation (--max-semi-space-size) would silently do nothing.
//
// --semi-space-growth-factor=1, applied once the daemon's modules are loaded (bin/vroute and
// vroute-rr call this after requiring them): the young generation then stays at the size
// startup left it, 4 MiB semi-spaces on Node 20, instead of doubling to 16 MiB when a burst
// of UPDATEs keeps temporaries alive across scavenges. The RIB keeps no JS object per prefix,
// so the nursery holds per-batch garbage: measured at N=500k K=4, peak RSS 188 -> 162 MiB
// (bench/RESULTS.md "### daemon memory"). Applied from the first line
// instead, the nursery stays at 1 MiB and promotes so much that the old space grows more
// than the nursery saves.
//
// --expose-gc: the RIB's doubling typed arrays leave their old copies behind, which V8 frees
// only at a full GC, scheduled by external-memory growth (~64 MiB). With gc() available (taken
// from a fresh vm context: the flag exposes it to contexts created after it is set), the RIB
// asks for an asynchronous major GC after the current turn once 8, then every 16 MiB of arrays
// have been replaced, and at once for an array of 1 MiB or more (src/rib/grow.ts). Together the two flags cost GC time (at
// 1M prefixes ~0.4 s instead of ~0.2 s) for 20-30 MiB less peak RSS from 500k up.
// The node agent holds the same RIB plus its FIB's slot tables (as big again) and gained more:
// at 1M learned routes, peak RSS 265-296 -> 165-166 MiB with these flags, the malloc threshold and the
// changes that came with them (freed ids threaded through refcounts, desired routes as entry ids)
// (bench/RESULTS.md "## fib", branch nodemem).
import { PerformanceObserver } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { setGrowthCollector } from '../rib';
import { DAEMON_MMAP_THRESHOLD, M_MMAP_THRESHOLD, tuneMalloc } from '../sys';

//
// --heap-growing-percent=30: after each full GC, V8 lets the old generation grow to 1.3x what
// survived before the next one, instead of its own factor (up to 4x when GC looks cheap next
// to the program). The daemons keep almost nothing per prefix in the JS heap (~20 MiB live at
// 1M routes), but every batch of Loc-RIB changes and Route objects outlives the small
// nursery and is promoted: measured in the node agent at 1M learned routes, the old space
// peaked with 50-60 MiB of such garbage (peak RSS 207 MiB) and with this flag ~10 (165 MiB;
// 10, 30 and 60 all gave 165-166), CPU seconds within run-to-run noise; the reflector at
// 500k K=4: 97 MiB against 98-99 (bench/RESULTS.md "## fib", branch nodemem).
export const DAEMON_V8_FLAGS: readonly string[] = [
  '--semi-space-growth-factor=1',
  '--expose-gc',
  '--heap-growing-percent=30',
];

// Start-up settings, given by bin/vroute's sh line when it execs node for `vroute reflector`
// (one process: exec replaces the shell), and by bench/reflect for its launcher; the two must
// hold the same values (test/cli/launcher.test.ts).
// None kept for now. Tried (500k prefixes, K=4): --max-semi-space-size=1 133-134 MiB peak
// RSS against 111-112; =2 is bimodal, 100-102 or 122-125 MiB from run to run: with 2 MiB
// semi-spaces a burst of UPDATEs (read and ingested in one event-loop phase, no timer runs
// meanwhile) promotes its garbage, and the old space peaks with 35 MiB used instead of 10
// (bench/RESULTS.md "### 2026-12-02: issue 10 memory, part 3").
export const DAEMON_NODE_ARGS: readonly string[] = [];
/** glibc's mmap threshold as a tunable (src/sys/malloc.ts says why): no koffi to load (~4 MiB). */
export const MMAP_TUNABLE = `glibc.malloc.mmap_threshold=${DAEMON_MMAP_THRESHOLD}`;

/**
 * The environment to start the daemon in: the malloc tunable added to GLIBC_TUNABLES, and
 * VROUTE_MALLOC=env so applyDaemonV8Flags does not set it again. VROUTE_MALLOC=none: as is.
 */
export function daemonEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (env.VROUTE_MALLOC?.trim() === 'none') return { ...env };
  const t = env.GLIBC_TUNABLES;
  return { ...env, VROUTE_MALLOC: 'env', GLIBC_TUNABLES: t ? `${t}:${MMAP_TUNABLE}` : MMAP_TUNABLE };
}

type GcFunction = (options: { type: 'major'; execution: 'async' }) => void;

/** The young generation's size (V8's new_space space_size) that keepNursery holds it at. */
const NURSERY_BYTES = 8 * 1024 * 1024;

/** The nursery growth factor for a young generation of `newSpaceBytes`: V8's 2 below NURSERY_BYTES, else 1. */
export function nurseryGrowthFactor(newSpaceBytes: number): 1 | 2 {
  return newSpaceBytes < NURSERY_BYTES ? 2 : 1;
}

/**
 * Holds the young generation at the size module loading leaves it (NURSERY_BYTES on Node 20)
 * rather than freezing it at whatever it is: V8 shrinks the nursery after a GC while the
 * program allocates little (an agent idle until its peers come), and with a growth factor of
 * 1 it could never grow back. The node agent ran its whole 1M-route load on the smallest
 * nursery that way: 454 scavenges instead of 52 with V8's defaults, +0.2-0.3 CPU s. After
 * each GC (a performance observer, one entry per GC) the factor is V8's 2 while the nursery is
 * below the size and 1 from it on, so it regrows to the size and no further (at most one
 * doubling past it, when a burst outruns the observer).
 */
function keepNursery(): void {
  let factor = 1;
  const check = (): void => {
    const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    const want = nurseryGrowthFactor(ns?.space_size ?? NURSERY_BYTES);
    if (want === factor) return;
    factor = want;
    v8.setFlagsFromString(`--semi-space-growth-factor=${want}`);
  };
  check();
  new PerformanceObserver(check).observe({ entryTypes: ['gc'] });
}

/**
 * Sets the daemon's V8 flags; returns the ones applied. VROUTE_V8_FLAGS overrides the list
 * (space-separated flags, or `none` to run on V8's defaults, e.g. to compare).
 */
export function applyDaemonV8Flags(env: NodeJS.ProcessEnv = process.env): string[] {
  const spec = env.VROUTE_V8_FLAGS?.trim();
  const flags = spec === undefined || spec === '' ? [...DAEMON_V8_FLAGS] : spec === 'none' ? [] : spec.split(/\s+/);
  for (const f of flags) v8.setFlagsFromString(f);
  if (flags.includes('--semi-space-growth-factor=1') && env.VROUTE_NURSERY?.trim() !== 'fixed') keepNursery();
  // glibc malloc: a fixed mmap threshold (src/sys/malloc.ts says why). VROUTE_MALLOC=none
  // leaves glibc's defaults (to compare); koffi is loaded for it (~4 MiB, measured).
  // VROUTE_MALLOC=env: the launcher set it already, through GLIBC_TUNABLES (daemonEnv).
  const malloc = env.VROUTE_MALLOC?.trim();
  if (malloc !== 'none' && malloc !== 'env') tuneMalloc([[M_MMAP_THRESHOLD, DAEMON_MMAP_THRESHOLD]]);
  if (flags.includes('--expose-gc')) {
    const gc = vm.runInNewContext('gc') as GcFunction;
    // One GC per turn however many arrays grew in it (the tables indexed by prefix id grow
    // together): asked again before it ran, it is already on its way.
    let asked = false;
    setGrowthCollector(() => {
      if (asked) return;
      asked = true;
      setImmediate(() => {
        asked = false;
        gc({ type: 'major', execution: 'async' });
      });
    });
  }
  return flags;
}
