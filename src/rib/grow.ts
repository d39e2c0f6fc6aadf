// Growing the RIB's id-indexed typed arrays: a typed array cannot grow, so a bigger one is
// allocated and the contents copied; the old backing store stays resident until V8's next
// full GC. Resizable ArrayBuffers (ES2024, in Node 20) grow in place, but measured in the
// reflector (bench/RESULTS.md "### daemon memory") they saved ~2 MiB of peak RSS at 100k and
// nothing at 500k while typed-array access on them cost CPU, so plain copies it is; the
// arrays double, so each element is copied at most once on average.

export type GrowableArray = Int32Array | Uint32Array | Uint16Array | Uint8Array;

// The replaced arrays are garbage that V8 frees only at a full GC, which it schedules by
// external-memory growth (~64 MiB) rather than soon. A daemon may register a collector
// (src/cli/node-flags.ts: an asynchronous major GC after the current turn), called once
// 8 MiB of arrays have been replaced, then every 16 MiB: a fixed 8 MiB step cost twenty full
// GCs (~0.4 s) on the way to 1M prefixes, and steps doubling up to 64 MiB let that much dead
// copy sit in RSS when the last doublings (the peak) came; 16 MiB steps are about seven GCs
// to 1M (bench/RESULTS.md "### 2026-12-02: issue 10 memory"). The RIB itself stays timer-free.
// An array of 1 MiB or more asks at once: the last doublings of a load (and the id hash's
// rehash at 0.7 load, which touches all of its new table at once) left up to ~16 MiB of old
// copies resident when the table peaked; it costs a handful of major GCs per load (a daemon's
// collector coalesces the requests of one turn): 500k K=4 peak 102-104 -> 97-99 MiB.
const COLLECT_FIRST = 8 * 1024 * 1024;
const COLLECT_MAX = 16 * 1024 * 1024;
const COLLECT_LARGE = 1024 * 1024;
let collector: (() => void) | undefined;
let garbage = 0;
let threshold = COLLECT_FIRST;

/** Registers (or clears) the hook asked to collect the RIB's growth garbage. */
export function setGrowthCollector(fn: (() => void) | undefined): void {
  collector = fn;
  garbage = 0;
  threshold = COLLECT_FIRST;
}

/** Records `bytes` of arrays just replaced by bigger ones. */
export function noteGrowthGarbage(bytes: number): void {
  garbage += bytes;
  if (!collector) return;
  if (bytes >= COLLECT_LARGE) {
    garbage = 0;
    collector();
    return;
  }
  if (garbage < threshold) return;
  garbage = 0;
  threshold = Math.min(COLLECT_MAX, threshold * 2);
  collector();
}

type View<T> = new (length: number) => T;

/**
 * `a` grown to `length` elements (>= a.length): the same contents, `fill` beyond them. The
 * caller must drop `a` and use the result.
 */
export function grown<T extends GrowableArray>(a: T, length: number, fill = 0): T {
  const out = new (a.constructor as View<T>)(length);
  out.set(a);
  if (fill !== 0) out.fill(fill, a.length);
  noteGrowthGarbage(a.byteLength);
  return out;
}

/**
 * The length to grow to so that `need` elements fit: the current length `have` (at least
 * `min`) doubled until it does. Parallel arrays of one table grow to the same capacity.
 */
export function capacityFor(have: number, need: number, min: number): number {
  let cap = Math.max(min, have);
  while (cap < need) cap *= 2;
  return cap;
}

/** `a` itself when it has `need` elements, else `a` grown (capacityFor, `fill` beyond). */
export function ensureLength<T extends GrowableArray>(a: T, need: number, min: number, fill = 0): T {
  return need <= a.length ? a : grown(a, capacityFor(a.length, need, min), fill);
}

/**
 * Peer indexes per path or prefix. Indexes are dense and reused (PeerTable), so below 65,536
 * they fit 2 bytes instead of 4: 1 MiB less per 500k entries for each such array. The first
 * value that does not fit turns the array into an Int32Array copy (for good).
 */
export type PeerIndexArray = Uint16Array | Int32Array;
export const PEER16_MAX = 0xffff;

/** `a` when `value` (>= 0) fits it, else a copy of `a` as an Int32Array. */
export function widened(a: PeerIndexArray, value: number): PeerIndexArray {
  if (value <= PEER16_MAX || a instanceof Int32Array) return a;
  const out = new Int32Array(a.length);
  out.set(a);
  noteGrowthGarbage(a.byteLength);
  return out;
}
