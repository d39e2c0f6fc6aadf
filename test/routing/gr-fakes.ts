// Fakes for the graceful restart tests: a manual clock, sessions driven by hand, and the
// converged two-client setup they start from (no wall-clock waits, no sockets).
import assert from 'node:assert/strict';
import {
  CapabilityCode,
  IPV4_UNICAST,
  decodeUpdate,
  decodeRouteRefresh,
  endOfRib,
  packAnnouncements,
  parsePrefix,
  updateToJson,
  encodeRouteRefresh,
  decodeMessage,
  type CodecContext,
  type GracefulRestartCapability,
} from '../../src/bgp/messages';
import type { RoutingEngine, EngineOptions, SessionHandle } from '../../src/routing';
import type { EngineTimers } from '../../src/routing/graceful-restart';
import { FakeSessionBase } from '../helpers/sessions';
import { ip4 } from '../helpers/addr';
import { testEngine } from '../helpers/engine';

export const CTX: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set() };

/** A manual clock: timers run only when the test advances it. */
export class FakeTimers implements EngineTimers {
  now = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.pending.delete(h as number);
  }
  get size(): number {
    return this.pending.size;
  }
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.pending) if (e[1].at <= until && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.pending.delete(next[0]);
      this.now = next[1].at;
      next[1].fn();
    }
    this.now = until;
  }
}

export function grCap(restartTime: number, fBit = true): GracefulRestartCapability {
  return {
    kind: 'graceful-restart',
    code: CapabilityCode.GracefulRestart,
    flags: 0,
    restartTime,
    families: [{ afi: 1, safi: 1, flags: fBit ? 0x80 : 0 }],
  };
}

type Neg = NonNullable<SessionHandle['negotiated']>;

export class FakeSession extends FakeSessionBase implements SessionHandle {
  written: Uint8Array[] = [];
  counts = { received: 0, accepted: 0, advertised: 0 };
  negotiated: Neg | undefined;
  constructor(
    readonly config: SessionHandle['config'],
    readonly remoteBgpId: number,
  ) {
    super();
  }
  up(extra: Partial<Neg> = {}): void {
    this.negotiated = { families: [IPV4_UNICAST], fourOctetAs: true, tx: CTX, ...extra };
    this.established();
  }
  down(notification: boolean): void {
    this.negotiated = undefined;
    this.ended('test', { notification });
  }
  announce(prefixes: string[], nextHop: string): void {
    const ps = prefixes.map((p) => parsePrefix(p)!);
    for (const m of packAnnouncements(
      { origin: 0, asPath: [], nextHop: ip4(nextHop), localPref: 100 },
      IPV4_UNICAST,
      ps,
      CTX,
    )) {
      this.deliver(decodeUpdate(m, CTX));
    }
  }
  eor(): void {
    this.deliver(decodeUpdate(endOfRib(IPV4_UNICAST), CTX));
  }
  refresh(subtype: number): void {
    this.routeRefresh(decodeRouteRefresh(encodeRouteRefresh({ afi: 1, safi: 1, subtype })));
  }
  write(buf: Uint8Array): boolean {
    this.written.push(buf);
    return true;
  }
  setPrefixCounts(c: { received: number; accepted: number; advertised: number }): void {
    this.counts = c;
  }
  /** What we sent, in order: 'EoR', 'BoRR', 'EoRR', '+prefix', '-prefix'. */
  log(): string[] {
    const out: string[] = [];
    for (const b of this.written) {
      const m = decodeMessage(b, CTX);
      if (m.type === 5) {
        out.push(m.subtype === 1 ? 'BoRR' : m.subtype === 2 ? 'EoRR' : `RR${m.subtype}`);
        continue;
      }
      if (m.type !== 2) continue;
      if (m.endOfRib !== undefined) {
        out.push('EoR');
        continue;
      }
      // Prefix order inside one UPDATE is the packer's business: sort within the message.
      const j = updateToJson(m);
      for (const p of [...((j.withdrawn as string[] | undefined) ?? [])].sort()) out.push(`-${p}`);
      for (const p of [...((j.nlri as string[] | undefined) ?? [])].sort()) out.push(`+${p}`);
    }
    return out;
  }
  take(): string[] {
    const l = this.log();
    this.written = [];
    return l;
  }
}

const tick = () => new Promise((r) => setImmediate(r));
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await tick();
}

/** The engine these tests drive: AS 65000, router and cluster ID 10.0.0.1, IPv4 unicast, a manual clock. */
export function fakeEngine(extra: Partial<EngineOptions> = {}): { engine: RoutingEngine; timers: FakeTimers } {
  const timers = new FakeTimers();
  const engine = testEngine({ timers, ...extra });
  return { engine, timers };
}

export function setup(staleTimeSeconds?: number) {
  const { engine, timers } = fakeEngine(staleTimeSeconds !== undefined ? { staleTimeSeconds } : {});
  const a = new FakeSession({ address: '192.0.2.2', asn: 65000, routeReflectorClient: true }, 0xc0000202);
  const b = new FakeSession({ address: '192.0.2.3', asn: 65000, routeReflectorClient: true }, 0xc0000203);
  engine.attach(a);
  engine.attach(b);
  return { timers, engine, a, b };
}

export const P = ['10.1.0.0/24', '10.1.1.0/24', '10.1.2.0/24'];

/** A (GR capable) announces P, B receives them; both have their initial EoR. */
export async function converged(cap: GracefulRestartCapability | null = grCap(120), staleTimeSeconds?: number) {
  const s = setup(staleTimeSeconds);
  s.a.up(cap ? { gracefulRestart: cap } : {});
  s.b.up();
  await settle();
  s.a.announce(P, '192.0.2.2');
  s.a.eor();
  await settle();
  assert.deepEqual(s.b.take(), ['EoR', ...P.map((p) => `+${p}`)]);
  assert.deepEqual(s.a.take(), ['EoR']); // RFC 4724 2: End-of-RIB after an (empty) initial table
  return s;
}

export function stale(engine: RoutingEngine): Record<string, boolean> {
  const o: Record<string, boolean> = {};
  for (const r of engine.routes('ipv4-unicast')) o[r.prefix as string] = r.stale === true;
  return o;
}
