// The `fib` key of the node config (DESIGN.md contract 6): `fib: false` (kernel untouched),
// or `fib: {table: main | N, protocol: N, metric: N, scanSeconds: N}`, every key optional.
// Checked at load time so a wrong value is one clear error naming the field, before any
// session starts.
import { resolveTable } from './kernel';
import type { KernelFibOptions } from './types';

export type FibConfig = false | Omit<KernelFibOptions, 'log'>;

const KEYS = new Set(['table', 'protocol', 'metric', 'scanSeconds']);

/** `fib` from a parsed config file (undefined: the defaults), or a RangeError naming the field. */
export function parseFibConfig(v: unknown): FibConfig | RangeError {
  if (v === undefined || v === true) return {};
  if (v === false) return false;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return new RangeError('fib: must be false or a map {table, protocol, metric, scanSeconds}');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.has(k)) return new RangeError(`fib.${k}: unknown key (known: ${[...KEYS].join(', ')})`);
  const out: Omit<KernelFibOptions, 'log'> = {};
  if (o.table !== undefined) {
    const t = resolveTable(o.table as never);
    if (t instanceof RangeError) return t;
    out.table = o.table as number | 'main';
  }
  const int = (k: 'protocol' | 'metric', min: number, max: number): RangeError | undefined => {
    const x = o[k];
    if (x === undefined) return undefined;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) return new RangeError(`fib.${k}: ${JSON.stringify(x)} is not an integer ${min}..${max}`);
    out[k] = x;
    return undefined;
  };
  // Protocols 0-4 are the kernel's and iproute2's own (unspec, redirect, kernel, boot, static).
  const e = int('protocol', 5, 255) ?? int('metric', 0, 0xffffffff);
  if (e) return e;
  if (o.scanSeconds !== undefined) {
    if (typeof o.scanSeconds !== 'number' || !(o.scanSeconds >= 0)) return new RangeError(`fib.scanSeconds: ${JSON.stringify(o.scanSeconds)} is not a number of seconds >= 0`);
    out.scanSeconds = o.scanSeconds;
  }
  return out;
}
