// Small big-endian helpers shared by the attribute hooks.
import { formatIpv4, parseIpv4 } from '../../../net';

export function u16(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}

export function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

export function put16(b: Uint8Array, i: number, v: number): void {
  b[i] = v >>> 8;
  b[i + 1] = v;
}

export function put32(b: Uint8Array, i: number, v: number): void {
  b[i] = v >>> 24;
  b[i + 1] = v >>> 16;
  b[i + 2] = v >>> 8;
  b[i + 3] = v;
}

export function ipv4At(b: Uint8Array, i: number): string {
  return formatIpv4(u32(b, i));
}

/** A dotted quad from local input; RangeError when it is not one (not peer input). */
export function ipv4Value(s: string): number {
  const v = parseIpv4(s);
  if (v === undefined) throw new RangeError(`not an IPv4 address: ${s}`);
  return v;
}

export function u32Bytes(v: number): Uint8Array {
  const b = new Uint8Array(4);
  put32(b, 0, v);
  return b;
}

/** Concatenation into a plain Uint8Array (not a Buffer, so values compare equal in tests). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}
