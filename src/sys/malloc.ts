// glibc malloc settings for the long-running daemons, applied in-process through mallopt(3)
// (environment variables such as MALLOC_MMAP_THRESHOLD_ would need a re-exec, i.e. a second
// node process, to take effect).
//
// Why: the RIB's typed arrays double as a table fills (src/rib/grow.ts), and node allocates
// their backing stores with calloc. glibc serves a block of 128 KiB or more with mmap, but
// raises that threshold (up to 32 MiB) each time such a block is freed, so after the first
// replaced array is collected, the next arrays of up to that size come from the brk heap /
// arenas, and once freed stay resident there (fragmented between live blocks, trimmed only
// from the top). A fixed threshold keeps every large array on its own mapping: freed means
// returned to the kernel. Measured at 1M prefixes, K=4: peak RSS 206 -> 185 MiB, CPU seconds
// unchanged (bench/RESULTS.md "### 2026-12-02: issue 10 memory, part 2"). Setting the
// threshold also switches off its dynamic adjustment (mallopt(3), M_MMAP_THRESHOLD).
import { libc } from './libc';

/** mallopt(3) parameter numbers (glibc malloc.h). */
export const M_MMAP_THRESHOLD = -3;
export const M_ARENA_MAX = -8;

/** The threshold the daemon uses: glibc's own starting value, kept fixed. */
export const DAEMON_MMAP_THRESHOLD = 128 * 1024;

/**
 * Applies mallopt settings, [param, value] pairs; returns the ones glibc accepted, or why none
 * could be applied (no koffi, not Linux). Never throws: a daemon runs on without them.
 */
export function tuneMalloc(settings: readonly (readonly [number, number])[]): Array<readonly [number, number]> | Error {
  const c = libc();
  if (c instanceof Error) return c;
  return settings.filter(([param, value]) => c.mallopt(param, value) === 1);
}
