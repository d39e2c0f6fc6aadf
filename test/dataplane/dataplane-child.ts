// Runs a dataplane inside a network namespace (the test's "host"): sysctls under /proc/sys,
// nft and ip all act on the namespace the process runs in. Arguments: one JSON object
// {datastore, node, resyncMs}. Stops on SIGTERM (leaving the kernel as it is). Workload
// routes go where the node agent puts them: the rtnetlink FIB sink, through a RouteOwner.
import { openDatastore } from '../../src/datastore';
import { startDataplane } from '../../src/dataplane';
import { RouteOwner, openKernelFib } from '../../src/node';
import { createLogger } from '../../src/observability';

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as {
    datastore: string;
    node: string;
    resyncMs?: number;
    workloadToHost?: 'allow' | 'deny';
  };
  const store = openDatastore(cfg.datastore);
  // The dataplane's timers do not hold the process open (a daemon has its listeners for that).
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const log = createLogger({ level: 'warn', name: cfg.node, destination: process.stderr });
  const fib = await openKernelFib({ log, scanSeconds: 0 });
  const owner = new RouteOwner(fib, true);
  owner.bgpSyncDone(); // no BGP here: only the dataplane's first apply gates the sweep
  const dp = await startDataplane({
    store,
    nodeName: cfg.node,
    log,
    routes: owner.routeTable,
    resyncMs: cfg.resyncMs ?? 1000,
    minIntervalMs: 50,
    downRetryMs: 300,
    statusIntervalMs: 200,
    workloadToHost: cfg.workloadToHost,
  });
  const stop = async (): Promise<void> => {
    await dp.stop();
    await fib.close();
    await store.close();
    clearInterval(keepAlive);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  await dp.applied();
  owner.localSyncDone();
  process.stdout.write('{"ev":"applied"}\n');
}

void main().catch((e: Error) => {
  process.stderr.write(`dataplane-child: ${e.message}\n`);
  process.exit(1);
});
