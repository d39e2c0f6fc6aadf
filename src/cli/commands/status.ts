// `vroute status`: a running daemon's sessions as a table (like `birdc show protocols`).
import type { Command } from 'commander';
import { apiAddress, apiGet } from '../api-client';
import { formatTable, formatDuration } from '../table';
import { OUTPUT_HELP, outputFormat, printable, structured } from '../output';
import type { DaemonStatus } from '../../observability';
import { runCli } from '../run';

/** The table (`wide`: also how each session was made and RFC 4456 client or not). */
export function renderStatus(s: DaemonStatus, wide = false): string {
  const tooLarge =
    typeof s.routesTooLarge === 'number' && s.routesTooLarge > 0
      ? `  routes too large to send ${s.routesTooLarge}`
      : '';
  const head = printable(`${s.name}  router ID ${s.routerId}  AS ${s.asn}${tooLarge}`) + '\n\n';
  const headers = [
    'PEER',
    'AS',
    'STATE',
    'UPTIME',
    'RCVD/ACCEPTED/ADV',
    ...(wide ? ['KIND', 'RRCLIENT'] : []),
    'LAST ERROR',
  ];
  const rows = s.sessions.map((x) => [
    x.peer,
    String(x.asn),
    x.state,
    formatDuration(x.uptimeSeconds),
    `${x.prefixes.received}/${x.prefixes.accepted}/${x.prefixes.advertised}`,
    ...(wide ? [x.dynamic === true ? 'dynamic' : 'configured', x.routeReflectorClient === true ? 'yes' : 'no'] : []),
    // The peer's shutdown communication (RFC 9003) is its own text: formatTable escapes it.
    x.lastError ?? '',
  ]);
  return head + formatTable(headers, rows) + fibLine(s.fib) + dataplaneLine(s.dataplane);
}

/** A node agent's FIB: `FIB  installed N  pending N  failed N` (and its last error). */
function fibLine(fib: unknown): string {
  if (typeof fib !== 'object' || fib === null) return '';
  const f = fib as { installed?: unknown; pending?: unknown; failed?: unknown; lastError?: unknown; kernel?: unknown };
  const n = (v: unknown) => (typeof v === 'number' ? String(v) : '?');
  const where = f.kernel === false ? ' (memory only: fib false)' : '';
  const err = typeof f.lastError === 'string' && f.lastError !== '' ? `  last error: ${f.lastError}` : '';
  return (
    '\n' +
    printable(`FIB  installed ${n(f.installed)}  pending ${n(f.pending)}  failed ${n(f.failed)}${where}${err}`) +
    '\n'
  );
}

/**
 * A node agent's dataplane (Felix's per-node status), with `dataplane: true` only:
 * `DATAPLANE  endpoints up N  down N  error N  applies N  failures N  last apply TIME (N ms)`,
 * and while applies fail, how many in a row and the last error.
 */
function dataplaneLine(dp: unknown): string {
  if (typeof dp !== 'object' || dp === null) return '';
  const d = dp as {
    lastApply?: unknown;
    lastApplyMs?: unknown;
    applies?: unknown;
    failures?: unknown;
    consecutiveFailures?: unknown;
    lastError?: unknown;
    endpoints?: { up?: unknown; down?: unknown; error?: unknown };
  };
  const n = (v: unknown) => (typeof v === 'number' ? String(v) : '?');
  const e = d.endpoints ?? {};
  const last =
    typeof d.lastApply === 'string'
      ? `${d.lastApply}${typeof d.lastApplyMs === 'number' ? ` (${d.lastApplyMs} ms)` : ''}`
      : 'never';
  const failing =
    typeof d.consecutiveFailures === 'number' && d.consecutiveFailures > 0
      ? `  failing ${d.consecutiveFailures} in a row${typeof d.lastError === 'string' ? `: ${d.lastError}` : ''}`
      : '';
  return (
    printable(
      `DATAPLANE  endpoints up ${n(e.up)}  down ${n(e.down)}  error ${n(e.error)}  applies ${n(d.applies)}  ` +
        `failures ${n(d.failures)}  last apply ${last}${failing}`,
    ) + '\n'
  );
}

export function register(program: Command): void {
  program
    .command('status')
    .description("show a running daemon's BGP sessions")
    .option('--api <host:port>', 'the daemon API address (default 127.0.0.1:8179 or $VROUTE_API)')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .action((opts: { api?: string; output: string }) =>
      runCli(async () => {
        const output = outputFormat(opts.output);
        const s = (await apiGet(apiAddress(opts.api), '/status')) as DaemonStatus;
        process.stdout.write(structured(s, output) ?? renderStatus(s, output === 'wide'));
      }),
    );
}
