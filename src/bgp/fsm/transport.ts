// TCP plumbing for BGP sessions (RFC 4271 8.2.1.2: the shell, not the FSM, owns sockets):
// address normalisation, dynamic-neighbor prefix matching, and outgoing connects (with
// RFC 2385 TCP-MD5 and RFC 5082 GTSM set up on the socket before its SYN goes out), and waiting
// for a socket to close.
import * as net from 'node:net';
import {
  formatIp,
  formatIpv4,
  parseCidr,
  parseIp,
  parseIpv4,
  prefixContains,
  unmapIpv4,
  type IpPrefix,
} from '../../net';
import { closeFd, openTcpSocket, setGtsm, setMd5Key, socketFamilyOf } from '../../sys';

/** The address's octets, IPv4-mapped IPv6 as IPv4, a zone ("%eth0") dropped; undefined if none. */
function peerOctets(addr: string): Uint8Array | undefined {
  const a = addr.trim();
  const pct = a.indexOf('%');
  const b = parseIp(pct < 0 ? a : a.slice(0, pct));
  return b === undefined ? undefined : unmapIpv4(b);
}

/**
 * One spelling per address, so a listener's remote address matches the configured one:
 * IPv4-mapped IPv6 (`::ffff:192.0.2.1`, what a dual-stack listener reports) becomes plain
 * IPv4, and IPv6 takes its RFC 5952 form (src/net). Text that is no address stays as it is.
 */
export function normalizeAddress(addr: string): string {
  const b = peerOctets(addr);
  return b === undefined ? addr.trim() : formatIp(b);
}

/** A dotted-quad BGP Identifier as an unsigned 32-bit integer (RFC 4271 4.2). */
export function parseRouterId(dotted: string): number {
  const v = parseIpv4(dotted);
  if (v === undefined) throw new RangeError(`router id ${dotted}: not a dotted quad`);
  return v;
}

/** The dotted form of a 32-bit BGP Identifier. */
export function formatRouterId(id: number): string {
  return formatIpv4(id >>> 0);
}

/**
 * Prefix ("10.0.0.0/8", "2001:db8::/32"; a bare address is a host prefix) matcher. The
 * longest prefix holding an address wins, whatever the order the entries were added in (a
 * /24 carved out of a /8 range gets its own settings, as a route lookup would).
 */
export class PrefixSet<T> {
  private readonly entries: { prefix: IpPrefix; value: T }[] = [];

  /** Adds a range; RangeError when `prefix` is not one (config validation runs first). */
  add(prefix: string, value: T): void {
    const t = prefix.trim();
    const host = t.includes('/') ? undefined : parseIp(t);
    const p = host ? { addr: host, len: host.length * 8 } : parseCidr(t);
    if (!p) throw new RangeError(`${prefix} is not an address or prefix`);
    this.entries.push({ prefix: p, value });
  }

  /** The entry with the longest prefix holding `addr` (IPv4-mapped as IPv4); the first added on a tie. */
  match(addr: string): T | undefined {
    const a = peerOctets(addr);
    if (a === undefined) return undefined;
    let best: { prefix: IpPrefix; value: T } | undefined;
    for (const e of this.entries) {
      if ((best === undefined || e.prefix.len > best.prefix.len) && prefixContains(e.prefix, a)) best = e;
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
  const l = listenAddress === undefined ? undefined : peerOctets(listenAddress);
  if (l === undefined || l.every((b) => b === 0)) return undefined;
  return (peerOctets(peer)?.length ?? 4) === l.length ? formatIp(l) : undefined;
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
  const err =
    (o.password !== undefined
      ? setMd5Key({ fd, socketFamily: family, address: o.address, password: o.password })
      : undefined) ?? (o.ttlSecurity !== undefined ? setGtsm(fd, o.address, gtsmMinTtl(o.ttlSecurity)) : undefined);
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

/**
 * Resolves once `sock` closed or after `graceMs`, whichever comes first: a stopping peer waits
 * for its Cease to go out, but never on a peer that does not close its end.
 */
export function socketClosed(sock: net.Socket, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    sock.once('close', () => resolve());
    setTimeout(resolve, graceMs);
  });
}
