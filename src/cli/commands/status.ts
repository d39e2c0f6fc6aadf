// `vroute status`: a running daemon's sessions as a table (like `birdc show protocols`).
import type { Command } from 'commander';
import { apiAddress, apiGet } from '../api-client';
import { formatTable, formatDuration } from '../table';
import { OUTPUT_HELP, outputFormat, printable, structured } from '../output';
import type { DaemonStatus } from '../../observability';
import { runCli } from '../run';

/** The table (`wide`: also how each session was made and RFC 4456 client or not). */
export function renderStatus(s: DaemonStatus, wide = false): string {
  const tooLarge = typeof s.routesTooLarge === 'number' && s.routesTooLarge > 0 ? `  routes too large to send ${s.routesTooLarge}` : '';
  const head = printable(`${s.name}  router ID ${s.routerId}  AS ${s.asn}${tooLarge}`) + '\n\n';
  const headers = ['PEER', 'AS', 'STATE', 'UPTIME', 'RCVD/ACCEPTED/ADV', ...(wide ? ['KIND', 'RRCLIENT'] : []), 'LAST ERROR'];
  const rows = s.sessions.map((x) => [
    x.peer, String(x.asn), x.state, formatDuration(x.uptimeSeconds),
    `${x.prefixes.received}/${x.prefixes.accepted}/${x.prefixes.advertised}`,
    ...(wide ? [x.dynamic === true ? 'dynamic' : 'configured', x.routeReflectorClient === true ? 'yes' : 'no'] : []),
    // The peer's shutdown communication (RFC 9003) is its own text: formatTable escapes it.
    x.lastError ?? '',
  ]);
  return head + formatTable(headers, rows);
}

export function register(program: Command): void {
  program
    .command('status')
    .description("show a running daemon's BGP sessions")
    .option('--api <host:port>', 'the daemon API address (default 127.0.0.1:8179 or $VROUTE_API)')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action((opts: { api?: string; output: string }) => runCli(async () => {
      const output = outputFormat(opts.output);
      const s = (await apiGet(apiAddress(opts.api), '/status')) as DaemonStatus;
      process.stdout.write(structured(s, output) ?? renderStatus(s, output === 'wide'));
    }));
}
