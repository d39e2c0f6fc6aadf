// The reflector daemon as the tests in test/reflector start it on loopback, the vroute client
// speakers they connect to it, and their wait for a condition: one place for the setup those
// tests share, each test saying only what differs (its name, neighbors, policies, logger).
import { IPV4_UNICAST } from '../../src/bgp/messages';
import type { PeerSessionConfig } from '../../src/bgp/fsm';
import { startReflector, type RunningDaemon } from '../../src/reflector';
import { validateConfig } from '../../src/config';
import { silentLogger, type Logger } from '../../src/observability';
import { EmbeddedDatastore, type Datastore } from '../../src/datastore';
import { waitFor as waitUntil } from './netns';

/**
 * netns.ts's waitFor, taking boolean probes too (false: not yet) and async ones; polls every
 * `everyMs`.
 */
export function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 10000,
  everyMs = 50,
): Promise<T> {
  return waitUntil(what, async () => (await probe()) || undefined, ms, everyMs) as Promise<T>;
}

/** Every loopback address (127.0.0.0/8) a dynamic iBGP route-reflector client (hold time 9 s). */
export const LOOPBACK_CLIENTS = {
  dynamicNeighbors: [{ prefix: '127.0.0.0/8', asn: 65000, routeReflectorClient: true, holdTime: 9 }],
};

export interface TestReflector<S extends Datastore> {
  rr: RunningDaemon;
  store: S;
}

/**
 * A reflector daemon named `name`: AS 65000, router and cluster ID 10.0.0.1, BGP on
 * 127.0.0.1 and its API on 127.0.0.1, both on free ports; `config` adds to the config file
 * (neighbors, dynamic neighbors, policies). Its datastore: `opts.store`, or a new embedded one.
 */
export async function startTestReflector<S extends Datastore = EmbeddedDatastore>(
  name: string,
  config: Record<string, unknown> = {},
  opts: { store?: S; logger?: Logger } = {},
): Promise<TestReflector<S>> {
  const store = opts.store ?? (new EmbeddedDatastore() as Datastore as S);
  const cfg = validateConfig({
    name,
    routerId: '10.0.0.1',
    asn: 65000,
    listen: { address: '127.0.0.1', port: 0 },
    reflector: { clusterId: '10.0.0.1' },
    ...config,
  });
  const rr = await startReflector(
    { ...cfg, api: { host: '127.0.0.1', port: 0 } },
    { logger: opts.logger ?? silentLogger, datastore: store },
  );
  return { rr, store };
}

/**
 * A client speaker's session to the reflector at 127.0.0.1:`rrPort` from its own loopback
 * address `addr`: iBGP AS 65000, active, hold time 9 s, retry after 1 s, IPv4 unicast unless
 * `extra` says otherwise.
 */
export function clientSession(addr: string, rrPort: number, extra: Partial<PeerSessionConfig> = {}): PeerSessionConfig {
  return {
    address: '127.0.0.1',
    port: rrPort,
    asn: 65000,
    localAddress: addr,
    passive: false,
    holdTime: 9,
    connectRetryTime: 1,
    families: [IPV4_UNICAST],
    routeReflectorClient: false,
    ...extra,
  };
}
