// Field checkers shared by the config validators: each failure is a ConfigError naming the
// field by its path (`neighbors[2].holdTime`) and saying what was wrong (DESIGN.md contract 2).
import { ipVersion, isIpv4, parseCidr } from '../net';

/** A configuration problem: `field` is a path such as `neighbors[2].holdTime`. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(field ? `${field}: ${problem}` : problem);
  }
}

export type Obj = Record<string, unknown>;

export function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function checkKeys(o: Obj, path: string, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      const where = path ? `${path}.${k}` : k;
      throw new ConfigError(where, `unknown field (expected one of: ${allowed.join(', ')})`);
    }
  }
}

export function ipField(v: unknown, path: string, opts: { v4only?: boolean } = {}): string {
  if (typeof v !== 'string' || !(opts.v4only ? isIpv4(v) : ipVersion(v) !== 0)) {
    throw new ConfigError(path, `${show(v)} is not an ${opts.v4only ? 'IPv4' : 'IP'} address`);
  }
  return v;
}

export function intField(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(path, `${show(v)} is not a whole number from ${min} to ${max}`);
  }
  return v;
}

export function boolField(v: unknown, path: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new ConfigError(path, `${show(v)} is not true or false`);
  return v;
}

export function parsePrefix(v: unknown, path: string): string {
  if (typeof v !== 'string' || !parseCidr(v))
    throw new ConfigError(path, `${show(v)} is not a prefix like 10.0.0.0/16`);
  return v;
}

/** A 4-octet AS number (RFC 6793): 1 to 4294967295. */
export function asnField(v: unknown, path: string): number {
  return intField(v, path, 1, 4294967295);
}
