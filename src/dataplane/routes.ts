// The route table the dataplane programs its workload routes through: a /32 (/128) device
// route per workload address, via the host-side interface, marked with our protocol number.
// The node agent passes the table its FIB sink uses, so BGP routes and local ones go through
// one owner and never fight; `ipRouteTable` is a stand-alone implementation for a dataplane
// running without it (one `ip -batch` process per apply, never one per route).
import { run } from './nft-driver';

export interface RouteTable {
  /** Wants `prefix` (a /32 or /128) routed out of `ifname`, scope link, our protocol. */
  setDeviceRoute(prefix: string, ifname: string): void;
  /** No longer wants a route for `prefix` (ours is removed; others' never touched). */
  delete(prefix: string): void;
  /**
   * Makes the kernel match. With `resync`, reads the kernel's routes of our protocol first, so
   * a route deleted or changed by hand comes back. Resolves the prefixes that failed, with why.
   */
  apply(resync: boolean): Promise<Map<string, string>>;
}

/** An in-memory table for tests: records what would be in the kernel. */
export class FakeRouteTable implements RouteTable {
  readonly kernel = new Map<string, string>();
  private readonly desired = new Map<string, string>();
  applies = 0;
  failing = new Map<string, string>();
  setDeviceRoute(prefix: string, ifname: string): void { this.desired.set(prefix, ifname); }
  delete(prefix: string): void { this.desired.delete(prefix); }
  async apply(): Promise<Map<string, string>> {
    this.applies++;
    const failed = new Map<string, string>();
    for (const p of [...this.kernel.keys()]) if (!this.desired.has(p)) this.kernel.delete(p);
    for (const [p, i] of this.desired) {
      const why = this.failing.get(p);
      if (why) failed.set(p, why); else this.kernel.set(p, i);
    }
    return failed;
  }
}

interface IpRoute { dst?: string; dev?: string; gateway?: string; type?: string; scope?: string }

/**
 * Routes through `ip -force -batch -`. Between resyncs only the differences go out; a resync
 * reads `ip -j route show proto N` for both families. Only device routes (no gateway, unicast,
 * host prefixes) of our protocol are ours here: the FIB sink's BGP routes carry the same
 * protocol but always a gateway (or are blackholes), and are left alone.
 */
export function ipRouteTable(protocol = 200, ipPath = 'ip'): RouteTable {
  const desired = new Map<string, string>();
  const kernel = new Map<string, string>();
  const canonical = (p: string): string => p.includes('/') ? p : `${p}/${p.includes(':') ? 128 : 32}`;
  const read = async (): Promise<void> => {
    kernel.clear();
    for (const fam of ['-4', '-6']) {
      const r = await run(ipPath, ['-j', fam, 'route', 'show', 'proto', String(protocol)], '');
      if (r.code !== 0) throw new Error(`ip route show: ${r.stderr.trim()}`);
      const routes = JSON.parse(r.stdout || '[]') as IpRoute[];
      for (const rt of routes) {
        if (!rt.dst || !rt.dev || rt.gateway || (rt.type && rt.type !== 'unicast')) continue;
        const p = canonical(rt.dst);
        if (/\/(32|128)$/.test(p)) kernel.set(p, rt.dev);
      }
    }
  };
  return {
    setDeviceRoute(prefix, ifname) { desired.set(canonical(prefix), ifname); },
    delete(prefix) { desired.delete(canonical(prefix)); },
    async apply(resync) {
      if (resync) await read();
      const lines: { prefix: string; line: string; dev?: string }[] = [];
      for (const [p, dev] of kernel) {
        if (!desired.has(p)) lines.push({ prefix: p, line: `route del ${p} dev ${dev} proto ${protocol}` });
      }
      for (const [p, dev] of desired) {
        if (kernel.get(p) !== dev) lines.push({ prefix: p, dev, line: `route replace ${p} dev ${dev} proto ${protocol} scope link` });
      }
      const failed = new Map<string, string>();
      if (lines.length === 0) return failed;
      const errs = await ipBatch(ipPath, lines.map((l) => l.line));
      lines.forEach((l, i) => {
        const err = errs.get(i + 1);
        if (err !== undefined) {
          // A delete of a route already gone is done; anything else is retried.
          if (l.dev === undefined && /No such process/.test(err)) kernel.delete(l.prefix);
          else failed.set(l.prefix, err);
          return;
        }
        if (l.dev === undefined) kernel.delete(l.prefix); else kernel.set(l.prefix, l.dev);
      });
      return failed;
    },
  };
}

/**
 * Runs lines through one `ip -force -batch -` and returns the failed ones by line number
 * (1-based) with the message ip printed for them.
 */
export async function ipBatch(ipPath: string, lines: string[]): Promise<Map<number, string>> {
  const errs = new Map<number, string>();
  if (lines.length === 0) return errs;
  const r = await run(ipPath, ['-force', '-batch', '-'], `${lines.join('\n')}\n`);
  // iproute2 reports each failed line as "Command failed -:N" after its error text.
  let pending: string[] = [];
  for (const l of r.stderr.split('\n')) {
    const m = /^Command failed -:(\d+)/.exec(l);
    if (m) { errs.set(Number(m[1]), pending.join(' ').trim() || 'failed'); pending = []; } else if (l.trim()) pending.push(l.trim());
  }
  if (r.code !== 0 && errs.size === 0) for (let i = 1; i <= lines.length; i++) errs.set(i, r.stderr.trim() || `ip exited ${r.code}`);
  return errs;
}
