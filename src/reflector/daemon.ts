// The reflector daemon (`vroute reflector`): config file + datastore peers -> Speaker
// (sessions) -> RoutingEngine (RIB, RFC 4456 rules, update groups), with the HTTP API,
// self-registration under a lease, and a clean stop on SIGTERM/SIGINT.
import { familyName } from '../bgp/messages';
import { Speaker, type Peer } from '../bgp/fsm';
import type { DaemonConfig } from '../config';
import {
  createLogger,
  createMetrics,
  type ApiServer,
  type Logger,
  type Metrics,
  type StatusProvider,
} from '../observability';
import {
  keepRegistered,
  openDatastore,
  type Datastore,
  type KeptRegistration,
  type RegistrationOptions,
} from '../datastore';
import { RESTART_STATE_WAIT_MS, restartState, SELECTION_DEFERRAL_MS } from './restart';
import {
  RoutingEngine,
  engineApiView,
  startReports,
  followDatastorePeers,
  neighborToSession,
  sessionSettings,
  dynamicNeighborOf,
  dynamicRange,
  datastorePeerToSession,
} from '../routing';
import type { SessionSettings } from '../routing';
import { registeredAddresses } from './addresses';

export interface RunningDaemon {
  readonly speaker: Speaker;
  readonly engine: RoutingEngine;
  readonly api?: ApiServer;
  readonly logger: Logger;
  /** The reflector's self-registration (with `reflector:` in the config). */
  readonly registration?: KeptRegistration;
  stop(message?: string): Promise<void>;
}

export interface DaemonOptions {
  logger?: Logger;
  metrics?: Metrics;
  /** Use this datastore instead of opening config.datastore. */
  datastore?: Datastore;
  /** Registration retry timing (tests). */
  registration?: Pick<RegistrationOptions, 'retry' | 'timers' | 'ttlSeconds'>;
}

/**
 * RFC 4724 F bit on every session: a reflector is not in the forwarding path (the next hops
 * it reflects are its clients'), so across its restart the forwarding for every route it
 * advertised is preserved. With the bit clear, RFC 4724 4.2 makes each helper drop the routes
 * it kept the moment the session is back, before we have sent them again: the nodes' kernel
 * routes would blink out although nothing changed.
 */
const KEPT = { forwardingPreserved: true } as const;

export async function startReflector(cfg: DaemonConfig, opts: DaemonOptions = {}): Promise<RunningDaemon> {
  // First: a datastore that cannot be opened (a corrupt embedded file) stops the start with
  // its one-line error before any socket is open.
  const store = opts.datastore ?? openDatastore(cfg.datastore);
  const ownsStore = opts.datastore === undefined;
  const logger = opts.logger ?? createLogger({ level: cfg.log, name: cfg.name });
  const metrics = opts.metrics ?? createMetrics();
  const restarted =
    cfg.reflector !== undefined
      ? await restartState(store, cfg.name, () =>
          logger.warn(
            { waitedSeconds: RESTART_STATE_WAIT_MS / 1000 },
            'the datastore did not say whether we restarted: starting without selection deferral (RFC 4724 4.1)',
          ),
        )
      : undefined;
  if (restarted) {
    logger.info(
      { peers: restarted.peers, maxSeconds: SELECTION_DEFERRAL_MS / 1000 },
      'our registration outlived us: restarted, routes deferred until these peers sent End-of-RIB (RFC 4724 4.1)',
    );
  }
  const engine = new RoutingEngine({
    ...(restarted ? { selectionDeferralMs: SELECTION_DEFERRAL_MS } : {}),
    asn: cfg.asn,
    routerId: cfg.routerId,
    logger,
    policies: { prefixLists: cfg.prefixLists, policies: cfg.policies },
    staleTimeSeconds: cfg.gracefulRestart.staleTime,
    onRouteTooLarge: (f) => metrics.routesTooLarge.inc({ family: familyName(f) }),
    ...(cfg.reflector ? { clusterId: cfg.reflector.clusterId } : {}),
  });
  const speaker = new Speaker({
    asn: cfg.asn,
    routerId: cfg.routerId,
    logger,
    metrics,
    dynamicNeighbors: cfg.dynamicNeighbors.map((d) => ({ ...dynamicRange(d), ...KEPT })),
    ...(cfg.listen ? { listen: cfg.listen } : {}),
  });
  // Every session, whatever created it, is followed by the engine and reports its state.
  let onPeerState: () => void = () => undefined;
  const follow = (p: Peer, settings?: SessionSettings): Peer => {
    engine.attach(p, settings);
    p.on('stateChange', () => onPeerState());
    return p;
  };
  // The Speaker announces dynamic neighbors only: their settings come from their range.
  const rangeOf = dynamicNeighborOf(cfg.dynamicNeighbors);
  speaker.on('peer', (p: Peer) => {
    // Runs from the listener's connection callback: a throw here would end the process.
    try {
      const d = rangeOf(p.config.address);
      follow(p, d ? sessionSettings(d) : {});
    } catch (e) {
      logger.error(
        { peer: p.config.address, err: e instanceof Error ? e.message : String(e) },
        'dynamic neighbor refused',
      );
      void speaker.removePeer(p.config.address, 'not configurable').catch(() => undefined);
    }
  });
  speaker.on('peerRemoved', (p) => engine.detach(p));
  await speaker.start();

  // Peers from the config file are fixed; peers from the datastore come and go live.
  const fromFile = new Set<string>();
  if (restarted) engine.expectPeers(restarted.peers, true);
  for (const n of cfg.neighbors) {
    fromFile.add(n.address);
    follow(speaker.addPeer({ ...neighborToSession(n), ...KEPT }), sessionSettings(n));
  }

  // Datastore peers (BGPPeers that select this reflector) come and go live; config-file
  // neighbors are never replaced by them.
  const datastorePeers = followDatastorePeers({
    store,
    name: cfg.name,
    speaker,
    engine,
    logger,
    skip: (ip) => fromFile.has(ip),
    toSession: (p) => ({ ...datastorePeerToSession(p), ...KEPT }),
    follow: (session) => void follow(session),
  });

  // Registered in the background, retried until the store answers; the addresses published
  // are ones others can connect to (never the listener's wildcard): addresses.ts.
  let registration: KeptRegistration | undefined;
  if (cfg.reflector) {
    registration = keepRegistered(
      store,
      cfg.name,
      {
        routerId: cfg.routerId,
        asn: cfg.asn,
        clusterId: cfg.reflector.clusterId,
        addresses: registeredAddresses(cfg),
      },
      { log: logger, ...opts.registration },
    );
  }

  const view = engineApiView(speaker, engine);
  const provider: StatusProvider = {
    registry: metrics.registry,
    status: () => ({
      name: cfg.name,
      routerId: cfg.routerId,
      asn: cfg.asn,
      ...(cfg.reflector ? { clusterId: cfg.reflector.clusterId } : {}),
      // Routes withdrawn from receivers because their attributes fit no UPDATE (RFC 4271 4.3).
      routesTooLarge: engine.routesTooLarge,
      sessions: view.sessions(),
    }),
    routes: view.routes,
    rejected: view.rejected,
    refresh: view.refresh,
  };
  // The HTTP API, /metrics and status/<name> in the datastore (contract 4): written on every
  // session transition, throttled to one write a second by StatusWriter, and every 10 s so
  // prefix counts stay fresh.
  const reports = await startReports({
    store,
    name: cfg.name,
    engine,
    provider,
    metrics,
    logger,
    api: cfg.api,
    everyMs: 10000,
  });
  const { api } = reports;
  onPeerState = () => reports.report();
  logger.info(
    {
      listen: cfg.listen,
      port: speaker.listenPort,
      api: api ? `${api.host}:${api.port}` : null,
      neighbors: cfg.neighbors.length,
    },
    'reflector started',
  );

  let stopping: Promise<void> | undefined;
  return {
    speaker,
    engine,
    logger,
    ...(api ? { api } : {}),
    ...(registration ? { registration } : {}),
    stop: (message = 'vroute shutting down') =>
      (stopping ??= (async () => {
        await datastorePeers.stop();
        await speaker.stop(message);
        await reports.stop();
        engine.close();
        await registration?.stop().catch(() => undefined);
        if (ownsStore) await store.close();
        logger.info('reflector stopped');
      })()),
  };
}
