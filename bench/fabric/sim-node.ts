// Simulated fabric nodes for bench/fabric (issue 11): many light BGP clients in one process,
// each a pair of real sessions (src/bgp/fsm Peer: FSM, timers, codec) to two route
// reflectors, sharing one TimerWheel so a thousand sessions cost one timer. Each node
// announces its own /26 block, as a node agent announces the IPAM block affine to it, and
// counts the blocks it learned per reflector session in a bitmap: a node "holds" a block when
// either session has it; a session is "full" when it has every other node's block.
//
// Addresses: node i connects from its own loopback address (127.B.x.y, distinct per node, so
// the reflectors see 500 peers from one dynamic-neighbor range). Its NEXT_HOP is 198.18.x.y
// (RFC 2544 benchmarking space, one per node): a reflector treats a 127/8 next hop as
// unusable (RFC 4271 6.3, RFC 1122 3.2.1.3) and would withdraw the route, as it would from a
// real host. Blocks: 10.(64 + i>>10).x.y/26, node i's the i-th /26.
import {
  CeaseSubcode,
  forEachIpv4,
  IPV4_UNICAST,
  makeShutdownNotification,
  packAnnouncements,
  endOfRib,
  type PathAttributes,
  type UpdateMessage,
} from '../../src/bgp/messages';
import { Peer, TimerWheel, type SessionConsumer } from '../../src/bgp/fsm';
import { createLogger, type Logger } from '../../src/observability';

/** First block 10.64.0.0/26; 1024 /26s per /16, so 500 nodes fit in 10.64.0.0/16. */
const BLOCK_BASE = (10 << 24) | (64 << 16);
const NEXT_HOP_BASE = (198 << 24) | (18 << 16);
/** RFC 9003 shutdown communication of the Cease we end with. */
const SHUTDOWN = makeShutdownNotification(CeaseSubcode.AdministrativeShutdown, 'fabric simulation over').data;

export interface ReflectorTarget {
  readonly address: string;
  readonly port: number;
}

export interface FabricOptions {
  /** Number of simulated nodes (at most 65534). */
  readonly nodes: number;
  /** The second octet of the nodes' loopback source addresses (127.B.x.y). */
  readonly sourceOctet: number;
  readonly reflectors: readonly [ReflectorTarget, ReflectorTarget];
  readonly asn: number;
  /** Seconds (RFC 4271 4.2); default 90. */
  readonly holdTime?: number;
  /** ConnectRetryTime seconds; the FSM's first reconnect waits min(5, this), then backs off. */
  readonly connectRetryTime?: number;
  readonly logger?: Logger;
}

/** Node i's /26 as a uint32 network address. */
export const blockOf = (i: number): number => (BLOCK_BASE + i * 64) >>> 0;
/** Node i's loopback source address (127.B.x.y with x.y = i + 1, never .0.0). */
export const sourceOf = (octet: number, i: number): string => `127.${octet}.${((i + 1) >> 8) & 255}.${(i + 1) & 255}`;
/** Node i's NEXT_HOP (RFC 2544 198.18.0.0/15). */
export const nextHopOf = (i: number): number => (NEXT_HOP_BASE + i + 1) >>> 0;
/** The dynamic-neighbor range the reflectors must accept the nodes from. */
export const sourceRange = (octet: number): string => `127.${octet}.0.0/16`;

/** One node's session to one reflector: a Peer's consumer that counts blocks in a bitmap. */
class SimSession implements SessionConsumer {
  readonly peer: Peer;
  /** 1 where this session currently has node j's block. */
  readonly has: Uint8Array;
  /** Blocks of other nodes held (own block not counted). */
  count = 0;
  establishedCount = 0;
  /** When this session last reached Established (epoch ms), 0 before. */
  establishedAt = 0;

  constructor(
    readonly node: SimNode,
    readonly side: 0 | 1,
    target: ReflectorTarget,
    opts: FabricOptions,
    wheel: TimerWheel,
    logger: Logger,
  ) {
    this.has = new Uint8Array(opts.nodes);
    const routerId = nextHopOf(node.index);
    this.peer = new Peer(
      {
        address: target.address,
        port: target.port,
        localAddress: node.source,
        asn: opts.asn,
        passive: false,
        holdTime: opts.holdTime ?? 90,
        connectRetryTime: opts.connectRetryTime ?? 1,
        families: [IPV4_UNICAST],
        routeReflectorClient: false,
      },
      {
        asn: opts.asn,
        routerId,
        wheel,
        logger,
        now: Date.now,
        gone: () => undefined,
      },
    );
    this.peer.setConsumer(this);
  }

  established(): void {
    this.establishedCount++;
    this.establishedAt = Date.now();
    this.node.fabric.sessionUp(this);
    const neg = this.peer.negotiated;
    if (!neg) return;
    // Our block, then End-of-RIB (RFC 4724 2), as a node agent's first announcement.
    for (const u of packAnnouncements(
      this.node.attrs,
      IPV4_UNICAST,
      [{ afi: 1, addr: blockOf(this.node.index), len: 26 }],
      neg.tx,
    )) {
      this.peer.write(u);
    }
    this.peer.write(endOfRib(IPV4_UNICAST));
  }

  update(u: UpdateMessage): void {
    const nh = u.attributes.nextHop;
    const walk = (bytes: Uint8Array, addPath: boolean, set: 0 | 1): void => {
      forEachIpv4(bytes, 0, bytes.length, addPath, (addr, len) => {
        // RFC 4456: a reflector passes the originator's NEXT_HOP unchanged.
        if (set && len === 26 && nh !== nextHopOf((addr - BLOCK_BASE) / 64)) this.node.fabric.wrongNextHops++;
        this.mark(addr, len, set);
      });
    };
    if (u.withdrawn.count > 0) walk(u.withdrawn.bytes, u.withdrawn.addPath, 0);
    const un = u.attributes.mpUnreach;
    if (un && un.afi === 1 && un.safi === 1) walk(un.withdrawn.bytes, un.withdrawn.addPath, 0);
    // RFC 7606 treat-as-withdraw: an UPDATE with a withdraw-level error announces nothing.
    const announce: 0 | 1 = u.action === undefined || u.action === 'attribute-discard' ? 1 : 0;
    if (u.nlri.count > 0) walk(u.nlri.bytes, u.nlri.addPath, announce);
    const mp = u.attributes.mpReach;
    if (mp && mp.afi === 1 && mp.safi === 1) walk(mp.nlri.bytes, mp.nlri.addPath, announce);
  }

  private mark(addr: number, len: number, set: 0 | 1): void {
    if (len !== 26) return;
    const j = (addr - BLOCK_BASE) / 64;
    if (!Number.isInteger(j) || j < 0 || j >= this.has.length || j === this.node.index) return;
    if (this.has[j] === set) return;
    this.has[j] = set;
    this.count += set ? 1 : -1;
    this.node.changed(j, set, this);
  }

  routeRefresh(): void {
    // A reflector does not ask its clients for a refresh in this setup; nothing to resend
    // beyond our one block, which it keeps.
  }

  drained(): void {
    // One block per session: nothing waits for the socket.
  }

  down(): void {
    // The session's routes go with it (we do not play RFC 4724 helper here: the point is to
    // see that the other reflector alone keeps every node complete).
    for (let j = 0; j < this.has.length; j++) if (this.has[j]) this.mark(blockOf(j), 26, 0);
    this.node.fabric.sessionDown(this);
  }
}

/** A simulated node: its two sessions and, per block, how many of them have it. */
class SimNode {
  readonly source: string;
  readonly attrs: PathAttributes;
  readonly sessions: [SimSession, SimSession];
  private readonly held: Uint8Array;
  /** Blocks of other nodes held by at least one session. */
  union = 0;

  constructor(
    readonly fabric: Fabric,
    readonly index: number,
    opts: FabricOptions,
    wheel: TimerWheel,
    logger: Logger,
  ) {
    this.source = sourceOf(opts.sourceOctet, index);
    // iBGP: empty AS_PATH, LOCAL_PREF (RFC 4271 5.1.5), our own next hop.
    this.attrs = { origin: 0, asPath: [], nextHop: nextHopOf(index), localPref: 100 };
    this.held = new Uint8Array(opts.nodes);
    this.sessions = [
      new SimSession(this, 0, opts.reflectors[0], opts, wheel, logger),
      new SimSession(this, 1, opts.reflectors[1], opts, wheel, logger),
    ];
  }

  changed(j: number, set: 0 | 1, s: SimSession): void {
    const before = this.held[j]!;
    this.held[j] = before + (set ? 1 : -1);
    if (before === 0 && set) this.union++;
    if (before === 1 && !set) this.union--;
    this.fabric.sessionCount(s, set ? 1 : -1);
    this.fabric.nodeCount(this, before, this.held[j]!);
  }
}

/** Progress counters, kept incrementally (O(1) per route change) so polling them is free. */
export interface FabricProgress {
  readonly nodes: number;
  /** Sessions Established now, per reflector. */
  readonly established: [number, number];
  /** Sessions holding every other node's block, per reflector. */
  readonly fullSessions: [number, number];
  /** Nodes holding every other node's block (from either reflector). */
  readonly fullNodes: number;
  /** Nodes missing at least one block: the first few, for failure messages. */
  readonly missing: string;
}

export class Fabric {
  readonly wheel: TimerWheel;
  /** Blocks received with a NEXT_HOP other than their originator's (must stay 0). */
  wrongNextHops = 0;
  private readonly all: SimNode[] = [];
  private readonly established: [number, number] = [0, 0];
  private readonly fullSessions: [number, number] = [0, 0];
  private fullNodes = 0;
  private readonly want: number;

  constructor(opts: FabricOptions) {
    if (opts.nodes < 2 || opts.nodes > 1024) throw new RangeError('nodes: 2..1024 (the blocks fill 10.64.0.0/16)');
    const logger = opts.logger ?? createLogger({ level: 'silent' });
    this.wheel = new TimerWheel({ onError: (err) => logger.error({ err: String(err) }, 'timer error') });
    this.want = opts.nodes - 1;
    for (let i = 0; i < opts.nodes; i++) this.all.push(new SimNode(this, i, opts, this.wheel, logger));
  }

  /** Starts every session (each connects on its own, in a few hundred ms of jitter). */
  start(): void {
    for (const n of this.all) for (const s of n.sessions) s.peer.start();
  }

  sessionUp(s: SimSession): void {
    this.established[s.side]++;
  }

  sessionDown(s: SimSession): void {
    this.established[s.side]--;
  }

  sessionCount(s: SimSession, delta: 1 | -1): void {
    if (delta === 1 && s.count === this.want) this.fullSessions[s.side]++;
    if (delta === -1 && s.count === this.want - 1) this.fullSessions[s.side]--;
  }

  nodeCount(n: SimNode, before: number, after: number): void {
    if (before === 0 && after === 1 && n.union === this.want) this.fullNodes++;
    if (before === 1 && after === 0 && n.union === this.want - 1) this.fullNodes--;
  }

  progress(): FabricProgress {
    const missing = this.all
      .filter((n) => n.union !== this.want)
      .slice(0, 5)
      .map(
        (n) =>
          `node ${n.index} (${n.source}): ${n.union}/${this.want} [${n.sessions.map((s) => `${s.peer.state} ${s.count}`).join(', ')}]`,
      );
    return {
      nodes: this.all.length,
      established: [...this.established],
      fullSessions: [...this.fullSessions],
      fullNodes: this.fullNodes,
      missing: missing.join('; '),
    };
  }

  /** Every node holds every other node's block. */
  converged(): boolean {
    return this.fullNodes === this.all.length;
  }

  /** Every session to reflector `side` holds every other node's block. */
  sideFull(side: 0 | 1): boolean {
    return this.fullSessions[side] === this.all.length;
  }

  /** Times each session reached Established (reconnects counted). */
  establishments(side: 0 | 1): number {
    return this.all.reduce((a, n) => a + n.sessions[side].establishedCount, 0);
  }

  /**
   * When the sessions to `side` last reached Established, ms after `since`: median, 90th
   * percentile, max; and the last errors the sessions saw, counted (why a session took long).
   */
  establishTimes(
    side: 0 | 1,
    since: number,
  ): { p50: number; p90: number; max: number; errors: Record<string, number> } {
    const t = this.all.map((n) => n.sessions[side].establishedAt - since).sort((a, b) => a - b);
    const at = (q: number): number => t[Math.min(t.length - 1, Math.floor(q * t.length))]!;
    const errors: Record<string, number> = {};
    for (const n of this.all) {
      const e = n.sessions[side].peer.status().lastError;
      if (e !== null) errors[e.slice(0, 80)] = (errors[e.slice(0, 80)] ?? 0) + 1;
    }
    return { p50: at(0.5), p90: at(0.9), max: at(1), errors };
  }

  /** Cease to every reflector, bounded by the Peers' own shutdown. */
  async stop(): Promise<void> {
    await Promise.all(
      this.all.flatMap((n) =>
        n.sessions.map((s) => s.peer.shutdown({ type: 'ManualStop', data: SHUTDOWN }).catch(() => undefined)),
      ),
    );
    this.wheel.close();
  }
}
