// TCP plumbing for BGP sessions (RFC 4271 8.2.1.2: the shell, not the FSM, owns sockets):
// address normalisation, dynamic-neighbor prefix matching, and outgoing connects.
import * as net from 'node:net';
import { Address6 } from 'ip-address';

/**
 * One spelling per address, so a listener's remote address matches the configured one:
 * IPv4-mapped IPv6 (`::ffff:192.0.2.1`, what a dual-stack listener reports) becomes plain
 * IPv4, and IPv6 takes its RFC 5952 form.
 */
export function normalizeAddress(addr: string): string {
  const a = addr.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) return mapped[1]!;
  if (net.isIPv6(a)) {
    try {
      return new Address6(a).correctForm();
    } catch {
      return a.toLowerCase();
    }
  }
  return a;
}

/** A dotted-quad BGP Identifier as an unsigned 32-bit integer (RFC 4271 4.2). */
export function parseRouterId(dotted: string): number {
  const parts = dotted.split('.');
  if (parts.length !== 4 || !net.isIPv4(dotted)) throw new RangeError(`router id ${dotted}: not a dotted quad`);
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0) >>> 0;
}

/** The dotted form of a 32-bit BGP Identifier. */
export function formatRouterId(id: number): string {
  const v = id >>> 0;
  return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff].join('.');
}

/** Prefix ("10.0.0.0/8", "2001:db8::/32") matcher over node's BlockList. */
export class PrefixSet<T> {
  private readonly entries: { list: net.BlockList; value: T }[] = [];

  add(prefix: string, value: T): void {
    const [addr, lenText] = prefix.split('/');
    const type = net.isIPv6(addr ?? '') ? 'ipv6' : 'ipv4';
    const len = lenText === undefined ? (type === 'ipv6' ? 128 : 32) : Number(lenText);
    const list = new net.BlockList();
    list.addSubnet(normalizeAddress(addr ?? ''), len, type);
    this.entries.push({ list, value });
  }

  /** The first entry whose prefix holds `addr` (normalised first). */
  match(addr: string): T | undefined {
    const a = normalizeAddress(addr);
    const type = net.isIPv6(a) ? 'ipv6' : 'ipv4';
    for (const e of this.entries) if (e.list.check(a, type)) return e.value;
    return undefined;
  }
}

export interface ConnectOptions {
  readonly address: string;
  readonly port: number;
  readonly localAddress?: string;
}

/**
 * Open a TCP connection to a peer. Nagle off: BGP messages are small and latency matters
 * for KEEPALIVEs (RFC 4271 leaves this to the implementation; every router does it).
 */
export function connectTcp(o: ConnectOptions): net.Socket {
  const s = net.connect({
    host: o.address, port: o.port, ...(o.localAddress ? { localAddress: o.localAddress } : {}),
  });
  s.setNoDelay(true);
  return s;
}
