// `vroute delete KIND NAME`: remove one resource (kinds case-insensitive).
import type { Command } from 'commander';
import { deleteResource, requireKind, withDatastore } from '../../datastore';
import { CliError } from '../api-client';
import { runCli } from '../run';
import { DATASTORE_HELP } from './apply';

export function register(program: Command): void {
  program
    .command('delete')
    .description('delete a resource')
    .argument('<kind>', 'resource kind, e.g. bgppeer')
    .argument('<name>', 'resource name')
    .option('--datastore <URL>', DATASTORE_HELP)
    .action((kindText: string, name: string, opts: { datastore?: string }) =>
      runCli(async () => {
        const kind = requireKind(kindText);
        const gone = await withDatastore(opts.datastore, (ds) => deleteResource(ds, kind, name));
        if (!gone) throw new CliError(`${kind} ${name} not found`);
        process.stdout.write(`${kind} ${name} deleted\n`);
      }),
    );
}
