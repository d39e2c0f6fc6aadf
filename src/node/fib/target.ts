// What the kernel should hold for one prefix, from what the agent wants (desired.ts): a
// blackhole, a device route, or unicast next hops resolved against the connected networks
// (hops.ts). Routes with no resolvable next hop are held (`held`) until one resolves.
import { rtnl } from '../../sys';
import { Kind, deviceRoute, type DesiredEntry, type Target } from './desired';
import { BLACKHOLE_KEY, type NextHops } from './hops';
import { kernelDst } from './prefix-text';

// Read once: `rtnl` is a re-exported namespace, whose every property read is a getter call.
const { RTN_BLACKHOLE, RTN_UNICAST } = rtnl;

export class Targets {
  constructor(
    private readonly desired: ReadonlyMap<string, DesiredEntry>,
    /** Prefixes waiting for a next hop to resolve (shared with the sink, which counts them pending). */
    private readonly held: Set<string>,
    private readonly hops: NextHops,
    /** The sink's reused IPv4 destination buffer: a Target's dst is good until the next call. */
    private readonly v4dst: Uint8Array,
    /** The prefix failed (counted and logged by the sink). */
    private readonly fail: (prefix: string, why: string) => void,
  ) {}

  /**
   * What the kernel should hold for a prefix: a Target; null (nothing: not desired, or held
   * until a next hop resolves); 'invalid' (nothing, and the route is counted as failed); or
   * 'keep' (found at start, left alone until syncDone).
   */
  of(prefix: string, keepUntilSync: ReadonlySet<string> | undefined): Target | null | 'keep' | 'invalid' {
    const want = this.desired.get(prefix);
    if (!want) return keepUntilSync?.has(prefix) ? 'keep' : null;
    if (want instanceof Kind) {
      if (want.kind === 'blackhole') {
        this.held.delete(prefix);
        return { dst: kernelDst(prefix, this.v4dst), key: BLACKHOLE_KEY, type: RTN_BLACKHOLE, hops: [] };
      }
      if (want.kind === 'device') return this.device(prefix, want.device);
      this.fail(prefix, `kind "${want.kind}" is not unicast, blackhole or device`);
      return 'invalid';
    }
    const h = this.hops.resolve(want, prefix);
    if (h.invalid !== undefined) {
      this.fail(prefix, h.invalid);
      this.held.delete(prefix);
      return 'invalid';
    }
    const dst = kernelDst(prefix, this.v4dst);
    if (h.hops.length > 0 && h.family !== dst.family) {
      this.fail(prefix, `next hop ${h.key.split('%')[0]} is not of the prefix's address family`);
      this.held.delete(prefix);
      return 'invalid';
    }
    if (h.hops.length === 0) {
      this.held.add(prefix);
      return null;
    }
    // Some next hops of a multipath route resolve: install those; the rest join when they do.
    if (h.unresolved) this.held.add(prefix);
    else if (this.held.size > 0) this.held.delete(prefix);
    return { dst, key: h.key, type: RTN_UNICAST, hops: h.hops };
  }

  /**
   * A local workload's route: out of the named interface, scope link, no gateway. An
   * interface that does not exist (yet) is a failure, looked at again at the next link change.
   */
  private device(prefix: string, device: string | undefined): Target | 'invalid' {
    this.held.delete(prefix);
    const ifindex = device ? this.hops.ifindexOf(device) : undefined;
    if (ifindex === undefined) {
      this.fail(prefix, device ? `interface ${device} does not exist` : 'a device route needs its interface');
      return 'invalid';
    }
    return deviceRoute(kernelDst(prefix, this.v4dst), ifindex);
  }
}
