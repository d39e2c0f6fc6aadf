// The route table the dataplane programs its workload routes through: a /32 (/128) device
// route per workload address, via the host-side interface, scope link, marked with our
// protocol number. The node agent passes the table its FIB sink uses (src/node's RouteOwner
// over the rtnetlink sink), so BGP routes and local ones go through one owner per prefix and
// never fight; the dataplane has no route writer of its own.

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
  setDeviceRoute(prefix: string, ifname: string): void {
    this.desired.set(prefix, ifname);
  }
  delete(prefix: string): void {
    this.desired.delete(prefix);
  }
  async apply(): Promise<Map<string, string>> {
    this.applies++;
    const failed = new Map<string, string>();
    for (const p of [...this.kernel.keys()]) if (!this.desired.has(p)) this.kernel.delete(p);
    for (const [p, i] of this.desired) {
      const why = this.failing.get(p);
      if (why) failed.set(p, why);
      else this.kernel.set(p, i);
    }
    return failed;
  }
}
