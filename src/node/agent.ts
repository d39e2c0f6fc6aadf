// The node agent (`vroute node`, DESIGN 6): its Node resource first, then Speaker (sessions)
// + RoutingEngine (plain speaker, ECMP) + PeerSource (mesh, reflectors, BGPPeers, live) +
// LocalBlocks (its IPAM blocks, originated) + FibFeed -> RouteOwner -> FibSink, with the HTTP API, the
// status record and a clean stop on SIGTERM/SIGINT. The reflector role (src/reflector) is the
// model; the two share src/routing and never import each other.
import { familyName, IPV4_UNICAST, type Family } from '../bgp/messages';
import { Speaker, type Peer } from '../bgp/fsm';
import type { NodeConfig } from '../config';
import { createLogger, createMetrics, type ApiServer, type Logger, type Metrics } from '../observability';
import {
  getResource,
  openDatastore,
  retryDelay,
  type BGPConfigurationSpec,
  type Datastore,
  type NodeSpec,
} from '../datastore';
import {
  RoutingEngine,
  followDatastorePeers,
  datastorePeerToSession,
  startReports,
  type DaemonReports,
} from '../routing';
import { memoryFib, openKernelFib, type FibSink } from './fib';
import { FibFeed } from './fib-feed';
import { RouteOwner } from './route-owner';
import { LocalBlocks, type LocalRoute } from './local-blocks';
import { enableForwarding } from './forwarding';
import { writeNodeResource } from './node-resource';
import { InitialSync } from './initial-sync';
import { effectiveAsn, watchAsn } from './asn-watch';
import { familyNotCarried } from './peer-family';
import { startLocalDataplane, type LocalDataplane } from './local-dataplane';
import { localRoutesHandler } from './local-routes';
import { nodeStatusProvider } from './node-status';

export interface RunningNode {
  readonly speaker: Speaker;
  readonly engine: RoutingEngine;
  readonly fib: FibSink;
  /** With `dataplane: true`: the dataplane (its routes and BGP's meet in one RouteOwner). */
  readonly local?: LocalDataplane;
  readonly api?: ApiServer;
  readonly logger: Logger;
  readonly asn: number;
  /** The routes this node originates now (blocks and borrowed addresses). */
  localRoutes(): LocalRoute[];
  /** True once the initial sync is over (FibSink.syncDone was called). */
  readonly synced: boolean;
  stop(message?: string): Promise<void>;
}

export interface NodeAgentOptions {
  logger?: Logger;
  metrics?: Metrics;
  /** Use this datastore instead of opening config.datastore (not closed by stop()). */
  datastore?: Datastore;
  /** Use this FIB instead of the configured one (tests; not closed by stop()). */
  fib?: FibSink;
  /** syncDone() at the latest this long after the first peer set is known (default 30 s). */
  syncTimeoutMs?: number;
  /** Where /proc/sys is (tests). */
  procSys?: string;
  /**
   * NEXT_HOP of our own routes instead of ip / ip6 (tests on loopback, where RFC 7606 makes
   * peers refuse a 127/8 next hop).
   */
  nextHop?: { v4?: string; v6?: string };
  /** How long a removed peer may be kept while others take over its routes (default 30 s). */
  makeBeforeBreakMs?: number;
  /** PeerSource grace for a vanished reflector registration (default 30 s). */
  reflectorGraceMs?: number;
  /** With `dataplane: true`: its first-apply wait and kernel re-read interval (tests). */
  dataplane?: { firstApplyTimeoutMs?: number; resyncMs?: number };
}

/** Retries `fn` with back-off until it resolves or `cancelled()`; logs attempts 1, 2, 4, 8... */
async function untilDone<T>(
  what: string,
  logger: Logger,
  fn: () => Promise<T>,
  cancelled: () => boolean,
): Promise<T | undefined> {
  for (let failures = 0; ; ) {
    try {
      return await fn();
    } catch (e) {
      // A document the store refuses (validation) will be refused again: no retry.
      if (e instanceof Error && e.name === 'ResourceError') throw e;
      failures++;
      if ((failures & (failures - 1)) === 0)
        logger.warn({ err: e instanceof Error ? e.message : String(e), failures }, `${what} failed; retrying`);
      if (cancelled()) return undefined;
      await new Promise((r) => setTimeout(r, retryDelay(failures, 200, 10_000)));
      if (cancelled()) return undefined;
    }
  }
}

export async function startNode(cfg: NodeConfig, opts: NodeAgentOptions = {}): Promise<RunningNode> {
  const store = opts.datastore ?? openDatastore(cfg.datastore);
  const ownsStore = opts.datastore === undefined;
  const logger = opts.logger ?? createLogger({ level: cfg.log, name: cfg.name });
  const metrics = opts.metrics ?? createMetrics();
  const cleanups: Array<() => Promise<void> | void> = [];
  if (ownsStore) cleanups.push(() => store.close());
  try {
    // The FIB first: a kernel we may not program fails the start before anything is announced.
    let fib = opts.fib;
    if (!fib) {
      fib = cfg.fib === false ? memoryFib() : await openKernelFib({ ...cfg.fib, log: logger });
      const f = fib;
      cleanups.push(() => f.close());
    }
    // Routes of ours already in the kernel: this agent restarted (RFC 4724 restarting side).
    const restarted = cfg.fib !== false && fib.stats().installed > 0;
    // We route for our workloads: forwarding on, in our namespace only (never with fib: false,
    // which promises an untouched kernel).
    if (cfg.fib !== false) {
      const changed = enableForwarding(cfg.ip6 ? [4, 6] : [4], opts.procSys);
      if (changed.length > 0) logger.info({ files: changed }, 'IP forwarding enabled');
    }
    // Our Node resource before any session: the others find our address there (contract 6).
    const node = await untilDone(
      'writing the Node resource',
      logger,
      () => writeNodeResource(store, cfg),
      () => false,
    );
    const bgpConfig = await untilDone(
      'reading BGPConfiguration default',
      logger,
      () => getResource(store, 'BGPConfiguration', 'default'),
      () => false,
    );
    const { asn } = effectiveAsn({
      configured: cfg.asn,
      nodeSpec: node!.spec as NodeSpec,
      bgpConfig: bgpConfig?.spec as BGPConfigurationSpec | undefined,
    });
    // The dataplane before BGP: its workload routes, our blackholes and BGP's routes meet in
    // one RouteOwner.
    const owner = new RouteOwner(fib, cfg.dataplane);
    let local: LocalDataplane | undefined;
    if (cfg.dataplane) {
      local = await startLocalDataplane({ store, nodeName: cfg.name, logger, owner, ...opts.dataplane });
      const l = local;
      cleanups.push(() => l.stop());
    }
    return await run(cfg, opts, {
      store,
      ownsStore,
      logger,
      metrics,
      fib,
      owner,
      local,
      asn,
      restarted,
      cleanups,
    });
  } catch (e) {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    throw e;
  }
}

interface Parts {
  store: Datastore;
  ownsStore: boolean;
  logger: Logger;
  metrics: Metrics;
  fib: FibSink;
  owner: RouteOwner;
  local?: LocalDataplane;
  asn: number;
  /** The kernel held routes of ours at start: we set the R bit until the initial sync is done. */
  restarted: boolean;
  cleanups: Array<() => Promise<void> | void>;
}

async function run(cfg: NodeConfig, opts: NodeAgentOptions, parts: Parts): Promise<RunningNode> {
  const { store, logger, metrics, fib, owner, asn, local } = parts;
  const own = new Set([cfg.ip, ...(cfg.ip6 ? [cfg.ip6] : [])]);
  const feed = new FibFeed(owner, own);
  let synced = false;
  const restartState = (): boolean => parts.restarted && !synced;
  const sync = new InitialSync({
    timeoutMs: opts.syncTimeoutMs ?? 30_000,
    settled: () => engine.settled,
    done: (why) => {
      synced = true;
      owner.bgpSyncDone();
      logger.info({ why, routes: feed.learnedCount }, 'initial sync done: stale routes of ours may go');
    },
  });
  const engine: RoutingEngine = new RoutingEngine({
    asn,
    routerId: cfg.ip,
    logger,
    multipath: true,
    ownRoutesOnlyToEbgp: true,
    policies: { prefixLists: cfg.prefixLists, policies: cfg.policies },
    onRouteTooLarge: (f) => metrics.routesTooLarge.inc({ family: familyName(f) }),
    onLocRibChanges: (f, rib, changes) => feed.apply(f, rib, changes),
    onEndOfRib: (s, f) => sync.endOfRib(s.config.address, f),
  });
  // One listener: on our address, or with an IPv6 address too on the dual-stack wildcard
  // (the Speaker has one socket; sources that are not our peers are refused with a Cease).
  const speaker = new Speaker({
    asn,
    routerId: cfg.ip,
    logger,
    metrics,
    listen: { address: cfg.ip6 ? '::' : cfg.ip, port: cfg.port },
  });
  speaker.on('peer', (p: Peer) => {
    // No dynamic neighbors here: the Speaker announces none, but never leave one unfollowed.
    void speaker.removePeer(p.config.address, 'not a peer of this node').catch(() => undefined);
  });
  speaker.on('peerRemoved', (p) => engine.detach(p));
  await speaker.start();

  let onPeerState: () => void = () => undefined;
  const follow = (p: Peer, ebgp: boolean): Peer => {
    engine.attach(p, ebgp ? cfg.ebgp : {});
    p.on('stateChange', (_from: string, to: string) => {
      if (to === 'Established') sync.established(p.config.address, p.negotiated?.families ?? []);
      onPeerState();
    });
    return p;
  };

  // Local routes: each affine block (with its blackhole) and each borrowed address.
  const nextHopOf = (f: Family) => (f === IPV4_UNICAST ? (opts.nextHop?.v4 ?? cfg.ip) : (opts.nextHop?.v6 ?? cfg.ip6));
  const blocks = new LocalBlocks(
    store,
    cfg.name,
    localRoutesHandler({ engine, owner, logger, nextHopOf, changed: () => onPeerState() }),
    {
      onInvalid: (key, err) => logger.warn({ key, err: err.message }, 'invalid IPAM block in the datastore ignored'),
      onError: (err) =>
        logger.error({ err: err instanceof Error ? err.stack : String(err) }, 'internal error computing local routes'),
    },
  );

  // Peers from the datastore, live (mesh or reflectors, and BGPPeers); the first computed set
  // is what the initial FIB sync waits for (End-of-RIB from each, or its timeout).
  let first = true;
  const datastorePeers = followDatastorePeers({
    store,
    name: cfg.name,
    speaker,
    engine,
    logger,
    onChanges: (c) => {
      if (first) {
        first = false;
        sync.start(c.added.map((p) => p.peerIP));
      }
      for (const p of c.removed) sync.removed(p.peerIP);
    },
    toSession: (p) => {
      const notCarried = familyNotCarried(p, cfg.ip6);
      if (notCarried !== undefined) {
        logger.info({ peer: p.peerIP, source: p.source }, notCarried);
        return undefined;
      }
      if (p.peerIP.includes(':') && cfg.ip6 === undefined)
        throw new Error('an IPv6 peer needs ip6 (our IPv6 address) configured');
      // Mesh and reflector peers have no port of their own: they listen where we do.
      return {
        ...datastorePeerToSession(p),
        port: p.port ?? cfg.port,
        forwardingPreserved: cfg.fib !== false,
        restartState,
      };
    },
    follow: (session, p) => void follow(session, p.asNumber !== asn),
    // The mesh turned off: mesh sessions stay until the reflectors delivered their routes.
    makeBeforeBreakMs: opts.makeBeforeBreakMs ?? 30_000,
    source: {
      reflectorsWhenMeshOff: true,
      ...(opts.reflectorGraceMs !== undefined ? { reflectorGraceMs: opts.reflectorGraceMs } : {}),
    },
  });

  // The AS is read once; a later change in the datastore is logged and shown, not applied (asn-watch.ts).
  const asnWatch = watchAsn(store, cfg.name, cfg.asn, asn, logger, () => onPeerState());
  const provider = nodeStatusProvider({
    cfg,
    asn,
    speaker,
    engine,
    fib,
    metrics,
    blocks,
    asnWatch,
    synced: () => synced,
    ...(local ? { dataplane: () => local.dataplane.status() } : {}),
  });
  // The HTTP API, /metrics and status/<node> (contract 4): written on every session transition
  // and local-route change, and every 5 s so route counts stay fresh.
  let reports: DaemonReports;
  try {
    reports = await startReports({
      store,
      name: cfg.name,
      engine,
      provider,
      metrics,
      logger,
      api: cfg.api,
      everyMs: 5000,
    });
  } catch (e) {
    // The API address is taken (or not ours): nothing may stay running behind the error.
    blocks.cancel();
    sync.cancel();
    asnWatch.cancel();
    await datastorePeers.stop();
    await speaker.stop('vroute node failed to start');
    engine.close();
    throw e;
  }
  const { api } = reports;
  onPeerState = () => reports.report();
  logger.info(
    {
      ip: cfg.ip,
      ip6: cfg.ip6 ?? null,
      asn,
      port: speaker.listenPort,
      api: api ? `${api.host}:${api.port}` : null,
      fib: cfg.fib === false ? 'memory (fib: false)' : cfg.fib,
      dataplane: cfg.dataplane,
    },
    'node agent started',
  );

  let stopping: Promise<void> | undefined;
  return {
    speaker,
    engine,
    fib,
    logger,
    asn,
    ...(api ? { api } : {}),
    ...(local ? { local } : {}),
    localRoutes: () => blocks.routes(),
    get synced() {
      return synced;
    },
    stop: (message = 'vroute node shutting down') =>
      (stopping ??= (async () => {
        blocks.cancel();
        sync.cancel();
        asnWatch.cancel();
        await datastorePeers.stop();
        await speaker.stop(message);
        await reports.stop();
        engine.close();
        // The kernel routes stay (no flush): forwarding goes on while we are away, and the
        // next start keeps what is still right (contract 6).
        for (const c of parts.cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
        logger.info('node agent stopped');
      })()),
  };
}
