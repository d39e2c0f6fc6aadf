// The listener's half of RFC 2385 TCP-MD5 and RFC 5082 GTSM. Keys live on the listening
// socket, one per configured peer address and one per dynamic-neighbor range (the kernel then
// answers only SYNs signed with that key, and copies it to the accepted socket). GTSM is per
// accepted socket: minimum TTL set before anything is read, and TTL 255 on the listener so
// that its SYN-ACKs already pass the peer's own check.
import type { Server, Socket } from 'node:net';
import { isIpv6 } from '../../net';
import { AF_INET, AF_INET6, fdOf, setGtsm, setMd5Key, setSendTtl } from '../../sys';
import { gtsmMinTtl, normalizeAddress } from './transport';

/** What a peer or a range asks of its transport. */
export interface TransportSecurity {
  readonly password?: string | undefined;
  readonly ttlSecurity?: number | undefined;
}

export class ListenerSecurity {
  /** Key target (address, or prefix for a range) -> the password installed, or why it is not. */
  private readonly keys = new Map<string, string | Error>();
  private readonly ttl255 = new Set<'ipv4' | 'ipv6'>();

  private constructor(
    private readonly fd: number,
    private readonly family: number,
  ) {}

  /** The security of a listening server, or why its socket cannot be reached. */
  static of(server: Server): ListenerSecurity | Error {
    const fd = fdOf(server);
    if (fd instanceof Error) return fd;
    const a = server.address();
    const v6 = typeof a === 'object' && a !== null && isIpv6(a.address);
    return new ListenerSecurity(fd, v6 ? AF_INET6 : AF_INET);
  }

  /**
   * Prepare the listener for a peer address or a range ("10.0.0.0/16"): install or replace
   * its key, delete it when `sec.password` is undefined, and turn on TTL 255 for GTSM.
   */
  configure(target: string, sec: TransportSecurity): Error | undefined {
    const [addr, len] = target.split('/') as [string, string | undefined];
    // An IPv6 peer never reaches an IPv4-only listener: there is nothing to protect.
    if (this.family === AF_INET && isIpv6(addr)) return undefined;
    const at = {
      fd: this.fd,
      socketFamily: this.family,
      address: normalizeAddress(addr),
      ...(len === undefined ? {} : { prefixLength: Number(len) }),
    };
    let err: Error | undefined;
    if (sec.password !== undefined) {
      err = setMd5Key({ ...at, password: sec.password });
      this.keys.set(target, err ?? sec.password);
    } else if (this.keys.has(target)) {
      const had = this.keys.get(target);
      this.keys.delete(target);
      if (typeof had === 'string') err = setMd5Key({ ...at, password: '' });
    }
    if (!err && sec.ttlSecurity !== undefined) {
      const fam = isIpv6(addr) ? 'ipv6' : 'ipv4';
      if (!this.ttl255.has(fam)) {
        err = setSendTtl(this.fd, addr);
        if (!err) this.ttl255.add(fam);
      }
    }
    return err;
  }

  /**
   * May this accepted socket carry the session of `target`? With a password, only when the
   * key is on the listener (the kernel then checked every segment); with ttlSecurity, its
   * minimum TTL is set now, before the first read.
   */
  admit(sock: Socket, target: string, sec: TransportSecurity): Error | undefined {
    if (sec.password !== undefined) {
      const k = this.keys.get(target);
      if (k !== sec.password) {
        const why = k instanceof Error ? k.message : 'it is not installed';
        return new Error(`connection refused: no TCP-MD5 key for ${target} on the listener (${why})`);
      }
    }
    if (sec.ttlSecurity !== undefined) {
      const fd = fdOf(sock);
      if (fd instanceof Error) return fd;
      const err = setGtsm(fd, normalizeAddress(sock.remoteAddress ?? ''), gtsmMinTtl(sec.ttlSecurity));
      if (err) return new Error(`connection refused: GTSM: ${err.message}`);
    }
    return undefined;
  }
}
