// `vroute refresh PEER`: soft reset of one session through the daemon's API (POST /refresh):
// by default ask the peer for its routes again (like `birdc reload in`), with --out send it
// ours again (`reload out`).
import type { Command } from 'commander';
import { apiAddress, apiPost, apiToken } from '../api-client';
import { runCli } from '../run';

export function register(program: Command): void {
  program
    .command('refresh')
    .description(
      'soft reset of a session: ask the peer for its routes again (route refresh), or --out: send ours again',
    )
    .argument('<peer>', 'the peer address, as `vroute status` lists it')
    .option('--api <host:port>', 'the daemon API address (default 127.0.0.1:8179 or $VROUTE_API)')
    .option('--family <family>', 'ipv4-unicast or ipv6-unicast', 'ipv4-unicast')
    .option('--out', 'send our routes to the peer again instead')
    .option('--token <token>', 'the API token when the daemon sets api.token (default $VROUTE_API_TOKEN)')
    .option('--token-file <file>', 'read the API token from a file')
    .action((peer: string, opts: { api?: string; family: string; out?: boolean; token?: string; tokenFile?: string }) =>
      runCli(async () => {
        const q = new URLSearchParams({ peer, family: opts.family, direction: opts.out ? 'out' : 'in' });
        const r = (await apiPost(apiAddress(opts.api), `/refresh?${q}`, 5000, apiToken(opts))) as { sent: string };
        process.stdout.write(`${peer} ${opts.family}: ${opts.out ? 'sent' : 'asked with'} ${r.sent}\n`);
      }),
    );
}
