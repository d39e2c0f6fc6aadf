// A scattered order over a sequence of positions, for bulk route changes headed to the kernel.
// Linux's IPv4 fib_trie inserts and deletes contiguous prefixes in ascending order far slower
// than in a scattered one: each resize of a trie node frees the old node, and once enough
// memory is freed (net.core.fib_sync_mem, 512 KiB) the kernel waits for an RCU grace period
// (fib_trie.c tnode_free -> synchronize_net). Measured through the FIB layer alone (bench/fib,
// 1M /24s, this machine, 2026-12-03): install 3.6 s ascending, 2.5 s in this order; withdraw
// 6.1 s ascending, 4.4 s descending, 2.9 s in this order; reordering only within windows of
// 2048 gave nothing, windows of 16384 half of it: the scatter must span the whole run.
// Positions are taken in runs of 64 (so memory is read sequentially: a few cache lines of an
// Int32 array), the runs in bit-reversed order, which scatters whatever direction the
// sequence was sorted in.

/** Positions per run: 2^RUN_BITS. */
const RUN_BITS = 6;

/** Calls fn(from, to) for every run [from, to) of positions 0..count-1, runs in bit-reversed order. */
export function forEachRunScattered(count: number, fn: (from: number, to: number) => void): void {
  const runs = (count + (1 << RUN_BITS) - 1) >>> RUN_BITS;
  if (runs === 0) return;
  const bits = 32 - Math.clz32(runs - 1); // 0 for one run: the plain sequence
  for (let i = 0; i < 1 << bits; i++) {
    const r = reverseBits(i, bits);
    if (r >= runs) continue;
    const from = r << RUN_BITS;
    fn(from, Math.min(count, from + (1 << RUN_BITS)));
  }
}

/** The low `bits` bits of x in reverse order. */
function reverseBits(x: number, bits: number): number {
  let r = 0;
  for (let b = 0; b < bits; b++, x >>>= 1) r = (r << 1) | (x & 1);
  return r;
}
