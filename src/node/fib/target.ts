// What the kernel should hold for one prefix, from what the agent wants (desired.ts): a
// blackhole, a device route, or unicast next hops resolved against the connected networks
// (hops.ts), through its nexthop object when there is one (nexthop-objects.ts). Routes with no
// resolvable next hop are held (HELD) until one resolves.
import { AF_INET, rtnl, type NlNextHop } from '../../sys';
import { Kind, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, deviceHopsOf, type Target } from './desired';
import { BLACKHOLE_KEY, hopsKey, type NextHops, type ResolvedHops } from './hops';
import { PENDING, type NexthopObjects } from './nexthop-objects';
import { HELD, KEEP, type FamilyTable, type KeyTable } from './table';

// Read once: `rtnl` is a re-exported namespace, whose every property read is a getter call.
const { RTN_BLACKHOLE, RTN_UNICAST } = rtnl;
const NONE: readonly NlNextHop[] = [];

export class Targets {
  /** The one Target object, rewritten per prefix (see desired.ts). */
  private readonly out: Target;
  /** The last resolution's key id: a table through one next hop interns its key once. */
  private lastHops: ResolvedHops | undefined;
  private lastKey = -1;
  private readonly blackholeKey: number;
  /** Slots held now (HELD set), for the pending count. */
  held = 0;

  constructor(
    private readonly hops: NextHops,
    private readonly keys: KeyTable,
    private readonly objects: () => NexthopObjects | undefined,
    /** The slot failed (counted and logged by the sink). */
    private readonly fail: (t: FamilyTable, id: number, why: string) => void,
  ) {
    this.blackholeKey = keys.id(BLACKHOLE_KEY);
    this.out = {
      dst: { family: AF_INET, bytes: new Uint8Array(0), len: 0 },
      key: -1,
      type: 0,
      hops: NONE,
      scope: 0,
      nhId: 0,
    };
  }

  /**
   * What the kernel should hold for a slot: the Target (good until the next call); null
   * (nothing: not desired, or held until a next hop resolves); 'invalid' (nothing, and the
   * route is counted as failed); 'keep' (found at start, left alone until syncDone); or
   * 'wait' (its nexthop object is made first: the sink runs NexthopObjects.create()).
   */
  of(t: FamilyTable, id: number): Target | null | 'keep' | 'invalid' | 'wait' {
    const want = t.desired(id);
    if (!want) {
      this.unhold(t, id);
      return (t.flags[id]! & KEEP) !== 0 ? 'keep' : null;
    }
    if (want instanceof Kind) {
      this.unhold(t, id);
      if (want.kind === 'blackhole')
        return this.set(t.kernelDst(id), this.blackholeKey, RTN_BLACKHOLE, NONE, RT_SCOPE_UNIVERSE);
      if (want.kind === 'device') {
        // A local workload's route: out of the named interface. One that does not exist
        // (yet) is a failure, looked at again at the next link change.
        const ifindex = want.device ? this.hops.ifindexOf(want.device) : undefined;
        if (ifindex === undefined) {
          this.fail(
            t,
            id,
            want.device ? `interface ${want.device} does not exist` : 'a device route needs its interface',
          );
          return 'invalid';
        }
        const key = this.keys.id(hopsKey([{ text: 'dev', ifindex }]));
        return this.set(t.kernelDst(id), key, RTN_UNICAST, deviceHopsOf(ifindex), RT_SCOPE_LINK);
      }
      this.fail(t, id, `kind "${want.kind}" is not unicast, blackhole or device`);
      return 'invalid';
    }
    const h = this.hops.resolve(want, t, id);
    if (h.invalid !== undefined) {
      this.unhold(t, id);
      this.fail(t, id, h.invalid);
      return 'invalid';
    }
    const family = t.v6 ? 10 : 2;
    if (h.hops.length > 0 && h.family !== family) {
      this.unhold(t, id);
      this.fail(t, id, `next hop ${h.key.split('%')[0]} is not of the prefix's address family`);
      return 'invalid';
    }
    if (h.hops.length === 0) {
      this.hold(t, id);
      return null;
    }
    // Some next hops of a multipath route resolve: install those; the rest join when they do.
    if (h.unresolved) this.hold(t, id);
    else this.unhold(t, id);
    if (h !== this.lastHops) {
      this.lastHops = h;
      this.lastKey = this.keys.id(h.key);
    }
    const nh = this.objects()?.idFor(this.lastKey, h.hops, family) ?? 0;
    if (nh === PENDING) return 'wait';
    return this.set(t.kernelDst(id), this.lastKey, RTN_UNICAST, h.hops, RT_SCOPE_UNIVERSE, nh);
  }

  hold(t: FamilyTable, id: number): void {
    if ((t.flags[id]! & HELD) !== 0) return;
    t.flags[id] |= HELD;
    this.held++;
  }

  unhold(t: FamilyTable, id: number): void {
    if ((t.flags[id]! & HELD) === 0) return;
    t.flags[id] &= ~HELD;
    this.held--;
  }

  private set(
    dst: Target['dst'],
    key: number,
    type: number,
    hops: readonly NlNextHop[],
    scope: number,
    nhId = 0,
  ): Target {
    const o = this.out;
    o.nhId = nhId;
    o.dst = dst;
    o.key = key;
    o.type = type;
    o.hops = hops;
    o.scope = scope;
    return o;
  }
}
