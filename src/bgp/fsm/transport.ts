// TCP plumbing for BGP sessions (RFC 4271 8.2.1.2: the shell, not the FSM, owns sockets):
// address normalisation, dynamic-neighbor prefix matching, and outgoing connects (with
// RFC 2385 TCP-MD5 and RFC 5082 GTSM set up on the socket before its SYN goes out).
import * as net from 'node:net';
import { Address6 } from 'ip-address';
import { closeFd, openTcpSocket, setGtsm, setMd5Key, socketFamilyOf } from '../../sys';

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

/**
 * Prefix ("10.0.0.0/8", "2001:db8::/32") matcher over node's BlockList. The longest prefix
 * holding an address wins, whatever the order the entries were added in (a /24 carved out of
 * a /8 range gets its own settings, as a route lookup would).
 */
export class PrefixSet<T> {
  private readonly entries: { list: net.BlockList; len: number; value: T }[] = [];

  add(prefix: string, value: T): void {
    const [addr, lenText] = prefix.split('/');
    const type = net.isIPv6(addr ?? '') ? 'ipv6' : 'ipv4';
    const len = lenText === undefined ? (type === 'ipv6' ? 128 : 32) : Number(lenText);
    const list = new net.BlockList();
    list.addSubnet(normalizeAddress(addr ?? ''), len, type);
    this.entries.push({ list, len, value });
  }

  /** The entry with the longest prefix holding `addr` (normalised first); the first added on a tie. */
  match(addr: string): T | undefined {
    const a = normalizeAddress(addr);
    const type = net.isIPv6(a) ? 'ipv6' : 'ipv4';
    let best: { len: number; value: T } | undefined;
    for (const e of this.entries) {
      if ((best === undefined || e.len > best.len) && e.list.check(a, type)) best = e;
    }
    return best?.value;
  }
}

export interface ConnectOptions {
  readonly address: string;
  readonly port: number;
  readonly localAddress?: string;
  /** RFC 2385 TCP-MD5 key for this peer. */
  readonly password?: string;
  /** RFC 5082 GTSM: the peer is at most this many hops away. */
  readonly ttlSecurity?: number;
}

/** RFC 5082 3: with the peer at most N hops away, what it sends arrives with TTL >= 256 - N. */
export function gtsmMinTtl(ttlSecurity: number): number {
  return 256 - ttlSecurity;
}

/**
 * Where we connect from when no localAddress is configured: the listen address when it is
 * a specific one of the peer's family (a peer that checks the source sees the address it
 * knows us by), else the kernel's choice (undefined).
 */
export function defaultLocalAddress(listenAddress: string | undefined, peer: string): string | undefined {
  if (!listenAddress || !net.isIP(listenAddress)) return undefined;
  const l = normalizeAddress(listenAddress);
  if (l === '0.0.0.0' || l === '::') return undefined;
  return net.isIPv6(l) === net.isIPv6(normalizeAddress(peer)) ? l : undefined;
}

/**
 * Open a TCP connection to a peer, or say why it cannot be opened as configured. Nagle off:
 * BGP messages are small and latency matters for KEEPALIVEs (RFC 4271 leaves this to the
 * implementation; every router does it). With a password or ttlSecurity the socket is made
 * here (src/sys) and its options set before connect, so the SYN is already signed (RFC 2385
 * 2.0: every segment) and leaves with TTL 255 (RFC 5082 3); node:net then connects it.
 */
export function connectTcp(o: ConnectOptions): net.Socket | Error {
  const local = o.localAddress ? { localAddress: o.localAddress } : {};
  if (o.password === undefined && o.ttlSecurity === undefined) {
    const s = net.connect({ host: o.address, port: o.port, ...local });
    s.setNoDelay(true);
    return s;
  }
  const family = socketFamilyOf(o.address);
  const fd = openTcpSocket(family);
  if (fd instanceof Error) return fd;
  const err = (o.password !== undefined ? setMd5Key({ fd, socketFamily: family, address: o.address, password: o.password }) : undefined)
    ?? (o.ttlSecurity !== undefined ? setGtsm(fd, o.address, gtsmMinTtl(o.ttlSecurity)) : undefined);
  if (err) {
    closeFd(fd);
    return err;
  }
  let s: net.Socket;
  try {
    // manualStart: no read before the connect, which on an unconnected socket reads EOF.
    s = new net.Socket({ fd, manualStart: true } as net.SocketConstructorOpts);
  } catch (e) {
    closeFd(fd);
    return new Error(`cannot wrap the prepared socket: ${(e as Error).message}`);
  }
  // node:net reuses the handle it has: bind (localAddress) and connect on our fd.
  s.connect({ host: o.address, port: o.port, ...local });
  s.setNoDelay(true);
  return s;
}
