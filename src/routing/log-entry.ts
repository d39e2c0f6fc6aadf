// An update group's log entry: one encoded UPDATE every live member reads from its own
// position (update-group.ts), and the prefixes it carries, for a member that falls behind
// and for the prefix references that keep their ids valid meanwhile.
export interface Entry {
  readonly buf: Buffer;
  /** Only this member reads it (a targeted withdraw), or NO_PEER. */
  readonly only: number;
  /** Every member but this one reads it (the route's source), or NO_PEER. */
  readonly except: number;
  /**
   * Prefix ids carried, each holding a prefix reference until trimmed, and their path IDs
   * (absent when all are 0, as without ADD-PATH). Typed arrays, not number[] slices: up to
   * maxLog entries of ~1,000 prefixes each live while members read, and a JS array costs 8
   * bytes an element on the V8 heap (measured: ~4.7 MiB of the heap at a 500k-prefix load).
   */
  readonly ids: Uint32Array;
  readonly txs: Uint32Array | undefined;
}

/** A log entry's ids and path IDs from pairs[from, to) of (prefix, tx) pairs. */
export function carried(pairs: readonly number[], from: number, to: number): Pick<Entry, 'ids' | 'txs'> {
  const n = (to - from) >> 1;
  const ids = new Uint32Array(n);
  let txs: Uint32Array | undefined;
  for (let i = 0; i < n; i++) {
    ids[i] = pairs[from + 2 * i];
    const tx = pairs[from + 2 * i + 1];
    if (tx !== 0) (txs ??= new Uint32Array(n))[i] = tx;
  }
  return { ids, txs };
}
