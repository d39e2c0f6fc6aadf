// `vroute routes`: a running daemon's Loc-RIB as a table.
import type { Command } from 'commander';
import { apiAddress, apiGet, CliError } from '../api-client';
import { formatTable } from '../table';
import { OUTPUT_HELP, outputFormat, printable, structured, type Output } from '../output';
import type { RejectedEntry, RouteEntry } from '../../observability';
import { runCli } from '../run';

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map(cell).join(' ');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** `best`, `stale` (RFC 4724 / RFC 7313: kept while the peer restarts or refreshes), both, or empty. */
export function routeState(r: RouteEntry): string {
  return [r.best === true ? 'best' : '', r.stale === true ? 'stale' : ''].filter(Boolean).join(',');
}

/** `--rejected`: what the daemon refused and why (a bounded list kept by the daemon). */
async function rejected(opts: { api?: string; family: string; prefix?: string }, output: Output): Promise<void> {
  if (opts.prefix) throw new CliError('--rejected lists every refused path; --prefix does not apply');
  const q = `/routes?family=${encodeURIComponent(opts.family)}&rejected=true`;
  const rows = (await apiGet(apiAddress(opts.api), q)) as RejectedEntry[];
  const text = structured(rows, output);
  if (text !== undefined) return void process.stdout.write(text);
  process.stdout.write(
    formatTable(
      ['PREFIX', 'FROM', 'REASON'],
      rows.map((r) => [r.pathId ? `${r.prefix}#${r.pathId}` : r.prefix, r.from, printable(r.reason)]),
    ),
  );
}

export function register(program: Command): void {
  program
    .command('routes')
    .description("show a running daemon's routes")
    .option('--api <host:port>', 'the daemon API address (default 127.0.0.1:8179 or $VROUTE_API)')
    .option('--family <family>', 'ipv4-unicast or ipv6-unicast', 'ipv4-unicast')
    .option('--prefix <prefix>', 'only this prefix')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .option('--rejected', 'paths received and not accepted (import rules, RFC 7606), with the reason')
    .action((opts: { api?: string; family: string; prefix?: string; output: string; rejected?: boolean }) =>
      runCli(async () => {
        const output = outputFormat(opts.output);
        if (opts.rejected) return rejected(opts, output);
        const q =
          `/routes?family=${encodeURIComponent(opts.family)}` +
          (opts.prefix ? `&prefix=${encodeURIComponent(opts.prefix)}` : '');
        const routes = (await apiGet(apiAddress(opts.api), q)) as RouteEntry[];
        const text = structured(routes, output);
        if (text !== undefined) return void process.stdout.write(text);
        const cols = [
          'prefix',
          'nextHop',
          'asPath',
          'localPref',
          'med',
          'origin',
          'from',
          ...(output === 'wide' ? ['pathId', 'communities', 'originatorId', 'clusterList'] : []),
        ];
        process.stdout.write(
          formatTable(
            [...cols.map((c) => c.toUpperCase()), 'STATE'],
            routes.map((r) => [...cols.map((c) => cell(r[c])), routeState(r)]),
          ),
        );
      }),
    );
}
