// `vroute ipam allocate|release|show`: block-affinity IPAM from the command line.
import type { Command } from 'commander';
import { allocate, release, showBlocks, withDatastore } from '../../datastore';
import { CliError } from '../api-client';
import { formatTable } from '../table';
import { OUTPUT_HELP, outputFormat, structured } from '../output';
import { runCli } from '../run';
import { DATASTORE_HELP } from './apply';

export function register(program: Command): void {
  const ipam = program.command('ipam').description('allocate and release workload addresses');
  ipam
    .command('allocate')
    .description('allocate addresses for a node (one bare address per line)')
    .requiredOption('--node <NAME>', 'the node the addresses are for')
    .option('--pool <CIDR>', 'allocate from this IPPool only')
    .option('--count <N>', 'how many addresses', '1')
    .option('--ipv6', 'allocate from IPv6 pools (default IPv4; implied by an IPv6 --pool)')
    .option('--datastore <URL>', DATASTORE_HELP)
    .action((opts: { node: string; pool?: string; count: string; ipv6?: boolean; datastore?: string }) =>
      runCli(async () => {
        if (!/^\d+$/.test(opts.count)) throw new CliError(`--count ${opts.count}: not a whole number`);
        const ips = await withDatastore(opts.datastore, (ds) =>
          allocate(ds, {
            node: opts.node,
            pool: opts.pool,
            count: Number(opts.count),
            family: opts.ipv6 ? 6 : 4,
          }),
        );
        process.stdout.write(ips.join('\n') + '\n');
      }),
    );
  ipam
    .command('release')
    .description('return an address to its block')
    .argument('<addr>', 'the address')
    .option('--datastore <URL>', DATASTORE_HELP)
    .action((addr: string, opts: { datastore?: string }) =>
      runCli(async () => {
        const handle = await withDatastore(opts.datastore, (ds) => release(ds, addr));
        process.stdout.write(`released ${addr} (was ${handle})\n`);
      }),
    );
  ipam
    .command('show')
    .description('pools and blocks with their affinity and use')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .option('--datastore <URL>', DATASTORE_HELP)
    .action((opts: { output: string; datastore?: string }) =>
      runCli(async () => {
        const output = outputFormat(opts.output);
        const v = await withDatastore(opts.datastore, (ds) => showBlocks(ds));
        const text = structured(v, output);
        if (text !== undefined) {
          process.stdout.write(text);
          return;
        }
        const pools = formatTable(
          ['POOL', 'CIDR', 'BLOCKSIZE', 'DISABLED', 'BLOCKS', 'USED'],
          v.pools.map((p) => {
            const mine = v.blocks.filter((b) => b.pool === p.cidr);
            return [
              p.name,
              p.cidr,
              String(p.blockSize),
              String(p.disabled),
              String(mine.length),
              String(mine.reduce((n, b) => n + b.used, 0)),
            ];
          }),
        );
        const blocks = formatTable(
          ['BLOCK', 'AFFINITY', 'USED', 'SIZE'],
          v.blocks.map((b) => [b.cidr, b.affinity ?? '(none)', String(b.used), String(b.size)]),
        );
        process.stdout.write(`${pools}\n${blocks}`);
      }),
    );
}
