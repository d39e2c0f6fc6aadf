// Growing the RIB's id-indexed typed arrays: a typed array cannot grow, so a bigger one is
// allocated and the contents copied; the old backing store stays resident until V8's next
// full GC. Resizable ArrayBuffers (ES2024, in Node 20) grow in place, but measured in the
// reflector (bench/RESULTS.md "### daemon memory") they saved ~2 MiB of peak RSS at 100k and
// nothing at 500k while typed-array access on them cost CPU, so plain copies it is; the
// arrays double, so each element is copied at most once on average.

export type GrowableArray = Int32Array | Uint32Array | Uint8Array;

type View<T> = new (length: number) => T;

/**
 * `a` grown to `length` elements (>= a.length): the same contents, `fill` beyond them. The
 * caller must drop `a` and use the result.
 */
export function grown<T extends GrowableArray>(a: T, length: number, fill = 0): T {
  const out = new (a.constructor as View<T>)(length);
  out.set(a);
  if (fill !== 0) out.fill(fill, a.length);
  return out;
}
