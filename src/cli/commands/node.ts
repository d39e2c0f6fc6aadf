// `vroute node --name N --ip A ...` or `--config FILE`: the node agent (contract 6), until
// SIGTERM/SIGINT. Flags are the config file's keys and win over the file.
import type { Command } from 'commander';
import { loadNodeConfig } from '../../config';
import { startNode } from '../../node';
import { runCli } from '../run';

interface NodeFlags {
  config?: string;
  name?: string;
  ip?: string;
  ip6?: string;
  asn?: string;
  datastore?: string;
  port?: string;
  api?: string;
  log?: string;
  fib?: boolean;
  fibTable?: string;
  fibProtocol?: string;
  dataplane?: boolean;
}

/** A number flag as the validator sees it: a number when it is one, else the text (so the error names it). */
function num(v: string | undefined): number | string | undefined {
  return v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : v;
}

export function register(program: Command): void {
  program
    .command('node')
    .description("run the node agent: BGP for this host's workload blocks, routes into the kernel")
    .option('-c, --config <file>', 'node config file (YAML or JSON; flags win over it)')
    .option('--name <name>', "this node's name (default: the hostname)")
    .option('--ip <address>', "this node's IPv4 address (BGP identifier and next hop)")
    .option('--ip6 <address>', "this node's IPv6 address")
    .option('--asn <n>', "this node's AS (default: BGPConfiguration default, else 64512)")
    .option('--datastore <url>', 'embedded[:PATH] | memory | etcd://host:port[,host:port]')
    .option('--port <n>', 'BGP port to listen on and to dial other nodes on (default 179)')
    .option('--api <host:port>', 'HTTP API address (default 127.0.0.1:8179)')
    .option('--log <level>', 'log level (default info)')
    .option('--no-fib', 'keep routes in memory only: the kernel is not touched (fib: false)')
    .option('--fib-table <n|main>', 'kernel routing table (default main)')
    .option('--fib-protocol <n>', 'protocol number on our kernel routes (default 200)')
    .option('--dataplane', "run the dataplane for this node's workload endpoints (dataplane: true)")
    .action((o: NodeFlags) =>
      runCli(async () => {
        let fib: unknown;
        if (o.fib === false) fib = false;
        else if (o.fibTable !== undefined || o.fibProtocol !== undefined) {
          fib = {
            ...(o.fibTable !== undefined ? { table: o.fibTable === 'main' ? 'main' : num(o.fibTable) } : {}),
            ...(o.fibProtocol !== undefined ? { protocol: num(o.fibProtocol) } : {}),
          };
        }
        const cfg = loadNodeConfig(o.config, {
          name: o.name,
          ip: o.ip,
          ip6: o.ip6,
          asn: num(o.asn),
          datastore: o.datastore ?? process.env.VROUTE_DATASTORE,
          port: num(o.port),
          api: o.api,
          log: o.log,
          fib,
          dataplane: o.dataplane,
        });
        const agent = await startNode(cfg);
        await new Promise<void>((resolve) => {
          const onSignal = (sig: string) => {
            agent.logger.info({ signal: sig }, 'stopping: Cease / Administrative Shutdown to every peer');
            const hard = setTimeout(() => process.exit(0), 5000);
            hard.unref();
            void agent.stop(`vroute node ${cfg.name} shutting down`).finally(() => resolve());
          };
          process.once('SIGTERM', () => onSignal('SIGTERM'));
          process.once('SIGINT', () => onSignal('SIGINT'));
        });
      }),
    );
}
