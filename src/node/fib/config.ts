// The `fib` key of the node config (DESIGN.md contract 6): `fib: false` (kernel untouched),
// or `fib: {table: main | N, protocol: N, metric: N, scanSeconds: N}`, every key optional.
// Checked at load time so a wrong value is one clear error naming the field, before any
// session starts.
import { rtnl } from '../../sys';
import type { KernelFibOptions } from './types';

export type FibConfig = false | Omit<KernelFibOptions, 'log'>;

const KEYS = new Set(['table', 'protocol', 'metric', 'scanSeconds']);

/** `fib` from a parsed config file (undefined: the defaults), or a RangeError naming the field. */
export function parseFibConfig(v: unknown): FibConfig | RangeError {
  if (v === undefined || v === true) return {};
  if (v === false) return false;
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return new RangeError('fib: must be false or a map {table, protocol, metric, scanSeconds}');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!KEYS.has(k)) return new RangeError(`fib.${k}: unknown key (known: ${[...KEYS].join(', ')})`);
  const out: Omit<KernelFibOptions, 'log'> = {};
  if (o.table !== undefined) {
    const t = resolveTable(o.table as never);
    if (t instanceof RangeError) return t;
    out.table = o.table as number | 'main';
  }
  const int = (k: 'protocol' | 'metric', min: number, max: number): RangeError | undefined => {
    const x = o[k];
    if (x === undefined) return undefined;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max)
      return new RangeError(`fib.${k}: ${JSON.stringify(x)} is not an integer ${min}..${max}`);
    out[k] = x;
    return undefined;
  };
  // Protocols 0-4 are the kernel's and iproute2's own (unspec, redirect, kernel, boot, static).
  const e = int('protocol', 5, 255) ?? int('metric', 0, 0xffffffff);
  if (e) return e;
  if (o.scanSeconds !== undefined) {
    if (typeof o.scanSeconds !== 'number' || !(o.scanSeconds >= 0))
      return new RangeError(`fib.scanSeconds: ${JSON.stringify(o.scanSeconds)} is not a number of seconds >= 0`);
    out.scanSeconds = o.scanSeconds;
  }
  return out;
}

export function resolveTable(t: KernelFibOptions['table']): number | RangeError {
  if (t === undefined || t === 'main') return rtnl.RT_TABLE_MAIN;
  // 0 is RT_TABLE_UNSPEC, 253 default, 255 local: none is a table for our routes.
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > 0xffffffff || t === 253 || t === 255) {
    return new RangeError(`fib.table: ${String(t)} is not 'main' or a table number 1..4294967295 (not 253 or 255)`);
  }
  return t;
}

/** The kernel sink's options checked, with their defaults; or a RangeError naming the field. */
export function kernelOptions(
  opts: KernelFibOptions,
): { table: number; protocol: number; metric: number; scanSeconds: number } | RangeError {
  const table = resolveTable(opts.table);
  if (table instanceof RangeError) return table;
  const protocol = opts.protocol ?? 200;
  // 0 unspec, 1 redirect, 2 kernel, 3 boot, 4 static are the kernel's and iproute2's own.
  if (!Number.isInteger(protocol) || protocol < 5 || protocol > 255) {
    return new RangeError(`fib.protocol: ${String(protocol)} is not a route protocol number 5..255`);
  }
  const metric = opts.metric ?? 32;
  if (!Number.isInteger(metric) || metric < 0 || metric > 0xffffffff)
    return new RangeError(`fib.metric: ${String(metric)} is not 0..4294967295`);
  const scanSeconds = opts.scanSeconds ?? 60;
  if (typeof scanSeconds !== 'number' || !(scanSeconds >= 0))
    return new RangeError(`fib.scanSeconds: ${String(scanSeconds)} is not a number of seconds >= 0`);
  return { table, protocol, metric, scanSeconds };
}
