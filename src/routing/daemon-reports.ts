// What a daemon shows the outside, the same for every role (the reflector, the node agent):
// the RIB counts /metrics reads at scrape time, the HTTP API (contract 3) and its status/<name>
// record in the datastore (contract 4). Started once the sessions are set up, stopped after
// they were told goodbye, so the last status written says how they ended.
import type { ApiConfig } from '../config';
import { StatusReports, type Datastore } from '../datastore';
import { startApiServer, type ApiServer, type Logger, type Metrics, type StatusProvider } from '../observability';
import { engineRibCounts } from './api-view';
import type { RoutingEngine } from './engine';

export interface ReportsOptions {
  readonly store: Datastore;
  /** The daemon's name: the key of its status record. */
  readonly name: string;
  readonly engine: RoutingEngine;
  /** /status and the status record (the same object), /routes, /rejected, /refresh. */
  readonly provider: StatusProvider;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Where the HTTP API listens; undefined: no API. */
  readonly api: ApiConfig | undefined;
  /** The status record is also written this often, so counters in it stay fresh. */
  readonly everyMs: number;
}

export interface DaemonReports {
  readonly api: ApiServer | undefined;
  /** A session or a local route changed: status/<name> is written again (throttled by StatusWriter). */
  report(): void;
  /** A last status report, then /metrics lets go of the engine and the API closes. */
  stop(): Promise<void>;
}

/** Throws when the API cannot listen (address taken, not ours); nothing is left running then. */
export async function startReports(o: ReportsOptions): Promise<DaemonReports> {
  o.metrics.setRibSource(engineRibCounts(o.engine));
  let api: ApiServer | undefined;
  try {
    const token = o.api?.token !== undefined ? { token: o.api.token } : {};
    api = o.api ? await startApiServer(o.provider, o.api.host, o.api.port, token) : undefined;
  } catch (e) {
    o.metrics.setRibSource(undefined);
    throw e;
  }
  const status = new StatusReports(
    o.store,
    o.name,
    () => o.provider.status(),
    (e) => o.logger.error({ err: e instanceof Error ? e.stack : String(e) }, 'internal error reporting status'),
    o.everyMs,
  );
  return {
    api,
    report: () => status.report(),
    stop: async () => {
      await status.stop();
      o.metrics.setRibSource(undefined);
      await api?.close();
    },
  };
}
