// What the node agent shows: the HTTP API's StatusProvider (contract 3, plus a `fib` object
// and a `dataplane` one), whose status() is also what status/<node> in the datastore holds
// (contract 4).
import type { Speaker } from '../bgp/fsm';
import type { NodeConfig } from '../config';
import type { DataplaneStatus, NodeDataplaneStatus } from '../dataplane';
import type { Metrics, StatusProvider } from '../observability';
import { engineApiView, type RoutingEngine } from '../routing';
import type { FibSink } from './fib';
import type { AsnWatch } from './asn-watch';
import type { LocalBlocks } from './local-blocks';

export interface NodeStatusParts {
  cfg: NodeConfig;
  asn: number;
  speaker: Speaker;
  engine: RoutingEngine;
  fib: FibSink;
  metrics: Metrics;
  blocks: LocalBlocks;
  asnWatch: AsnWatch;
  /** True once the initial sync is over. */
  synced: () => boolean;
  /** With `dataplane: true`: the dataplane's own status (src/dataplane). */
  dataplane?: () => DataplaneStatus;
}

/**
 * /status's `dataplane` (Felix's per-node status): the same keys as the dataplane's
 * `status/<node>/dataplane` record, so the API, `vroute status` and the datastore say one thing.
 * Per-endpoint states are not repeated here (10,000 endpoints would swell every /status):
 * `vroute workload show` reads them from `status/<node>/endpoint/<ID>`.
 */
export type NodeDataplaneView = Omit<NodeDataplaneStatus, 'node'>;

export function dataplaneView(s: DataplaneStatus): NodeDataplaneView {
  return {
    lastApply: s.lastApply,
    lastApplyMs: s.lastApplyMs,
    applies: s.applies,
    failures: s.failures,
    consecutiveFailures: s.consecutiveFailures,
    lastError: s.lastError,
    endpoints: { ...s.endpoints },
  };
}

export function nodeStatusProvider(p: NodeStatusParts): StatusProvider {
  const { cfg, asn, engine, fib, blocks, asnWatch } = p;
  // The last FIB error stays shown after the FIB's own record of it is gone.
  let lastError: string | null = null;
  const view = engineApiView(p.speaker, engine);
  return {
    registry: p.metrics.registry,
    status: () => {
      const f = fib.stats();
      if (f.lastError !== undefined) lastError = f.lastError;
      return {
        name: cfg.name,
        routerId: cfg.ip,
        asn,
        role: 'node',
        ...pendingAsn(asnWatch.pending()),
        routesTooLarge: engine.routesTooLarge,
        sessions: view.sessions(),
        fib: {
          installed: f.installed,
          pending: f.pending,
          failed: f.failed,
          ...(f.lastError !== undefined ? { lastError: f.lastError } : {}),
          kernel: cfg.fib !== false,
          synced: p.synced(),
        },
        // null: `dataplane: false`, this agent programs no workloads.
        dataplane: p.dataplane ? dataplaneView(p.dataplane()) : null,
        localRoutes: blocks
          .routes()
          .map((r) => r.prefix)
          .sort(),
        lastError,
      };
    },
    routes: view.routes,
    rejected: view.rejected,
    refresh: view.refresh,
  };
}

/** /status's `asnPending`: the AS the datastore asks for when it is not the running one. */
function pendingAsn(asn: number | undefined): { asnPending?: number } {
  return asn === undefined ? {} : { asnPending: asn };
}
