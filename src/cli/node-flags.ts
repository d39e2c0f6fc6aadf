// V8 settings for the long-running daemons (`vroute reflector`, and bench/reflect's launcher,
// so the benchmark measures what operators run). Applied in-process with v8.setFlagsFromString
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
// asks for an asynchronous major GC after the current turn each time 8, 16, 32, then 64 MiB
// of arrays have been replaced (src/rib/grow.ts). Together the two flags cost GC time (at
// 1M prefixes ~0.4 s instead of ~0.2 s) for 20-30 MiB less peak RSS from 500k up.
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { setGrowthCollector } from '../rib';
import { DAEMON_MMAP_THRESHOLD, M_MMAP_THRESHOLD, tuneMalloc } from '../sys';

export const DAEMON_V8_FLAGS: readonly string[] = ['--semi-space-growth-factor=1', '--expose-gc'];

type GcFunction = (options: { type: 'major'; execution: 'async' }) => void;

/**
 * Sets the daemon's V8 flags; returns the ones applied. VROUTE_V8_FLAGS overrides the list
 * (space-separated flags, or `none` to run on V8's defaults, e.g. to compare).
 */
export function applyDaemonV8Flags(env: NodeJS.ProcessEnv = process.env): string[] {
  const spec = env.VROUTE_V8_FLAGS?.trim();
  const flags = spec === undefined || spec === '' ? [...DAEMON_V8_FLAGS] : spec === 'none' ? [] : spec.split(/\s+/);
  for (const f of flags) v8.setFlagsFromString(f);
  // glibc malloc: a fixed mmap threshold (src/sys/malloc.ts says why). VROUTE_MALLOC=none
  // leaves glibc's defaults (to compare); koffi is loaded for it (~4 MiB, measured).
  if (env.VROUTE_MALLOC?.trim() !== 'none') tuneMalloc([[M_MMAP_THRESHOLD, DAEMON_MMAP_THRESHOLD]]);
  if (flags.includes('--expose-gc')) {
    const gc = vm.runInNewContext('gc') as GcFunction;
    setGrowthCollector(() => {
      setImmediate(() => gc({ type: 'major', execution: 'async' }));
    });
  }
  return flags;
}
