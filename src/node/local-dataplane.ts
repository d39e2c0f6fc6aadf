// `dataplane: true` (or `vroute node --dataplane`): the node agent runs src/dataplane for the
// WorkloadEndpoints of this node, next to BGP. The two halves meet only in the agent's
// RouteOwner: the dataplane's workload routes and BGP's routes go through it to the one
// FibSink (the kernel table through rtnetlink, protocol 200), never through a second route
// writer.
import type { Datastore } from '../datastore';
import { startDataplane, type Dataplane } from '../dataplane';
import type { Logger } from '../observability';
import type { RouteOwner } from './route-owner';

export interface LocalDataplane {
  readonly dataplane: Dataplane;
  stop(): Promise<void>;
}

export interface LocalDataplaneOptions {
  store: Datastore;
  nodeName: string;
  logger: Logger;
  /** The agent's route owner (made with a dataplane): the workload routes go there. */
  owner: RouteOwner;
  /**
   * The FIB's stale-route sweep waits this long at most for the dataplane's first
   * successful apply (default 30 s, as long as BGP's End-of-RIB wait): a dataplane that
   * cannot program (nft missing) must not keep stale BGP routes forever.
   */
  firstApplyTimeoutMs?: number;
  /** Passed through to startDataplane (tests). */
  resyncMs?: number;
}

export async function startLocalDataplane(o: LocalDataplaneOptions): Promise<LocalDataplane> {
  const { owner } = o;
  const dataplane = await startDataplane({
    store: o.store,
    nodeName: o.nodeName,
    log: o.logger,
    routes: owner.routeTable,
    ...(o.resyncMs !== undefined ? { resyncMs: o.resyncMs } : {}),
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), o.firstApplyTimeoutMs ?? 30_000);
    timer.unref();
  });
  void Promise.race([dataplane.applied().then(() => 'applied' as const), timeout]).then((why) => {
    clearTimeout(timer);
    if (why === 'timeout') o.logger.warn({}, 'dataplane: no successful apply yet; stale routes of ours may go anyway');
    else o.logger.info({ status: dataplane.status().endpoints }, 'dataplane: first apply done');
    owner.localSyncDone();
  });
  return {
    dataplane,
    async stop() {
      clearTimeout(timer);
      // Leaves interfaces, routes and nftables as they are: forwarding and ACLs go on while
      // the agent is away, and the next start finds them right (contract 6).
      await dataplane.stop();
    },
  };
}
