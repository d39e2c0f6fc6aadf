// `vroute status`: a running daemon's sessions as a table (like `birdc show protocols`).
import type { Command } from 'commander';
import { apiAddress, apiGet } from '../api-client';
import { formatTable, formatDuration } from '../table';
import type { DaemonStatus } from '../../observability/http-api';
import { runCli } from '../run';

export function renderStatus(s: DaemonStatus): string {
  const head = `${s.name}  router ID ${s.routerId}  AS ${s.asn}\n\n`;
  const rows = s.sessions.map((x) => [
    x.peer, String(x.asn), x.state, formatDuration(x.uptimeSeconds),
    `${x.prefixes.received}/${x.prefixes.accepted}/${x.prefixes.advertised}`, x.lastError ?? '',
  ]);
  return head + formatTable(['PEER', 'AS', 'STATE', 'UPTIME', 'RCVD/ACCEPTED/ADV', 'LAST ERROR'], rows);
}

export function register(program: Command): void {
  program
    .command('status')
    .description("show a running daemon's BGP sessions")
    .option('--api <host:port>', 'the daemon API address (default 127.0.0.1:8179 or $VROUTE_API)')
    .option('-o, --output <format>', 'table or json', 'table')
    .action((opts: { api?: string; output: string }) => runCli(async () => {
      const s = (await apiGet(apiAddress(opts.api), '/status')) as DaemonStatus;
      process.stdout.write(opts.output === 'json' ? JSON.stringify(s, null, 2) + '\n' : renderStatus(s));
    }));
}
