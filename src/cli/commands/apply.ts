// `vroute apply -f FILE|-`: create or replace resources from YAML/JSON documents (contract 5).
// Every document is validated before anything is written, so a bad file changes nothing.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { parseDocuments, putResource, resourceKey, withDatastore } from '../../datastore';
import { CliError } from '../api-client';
import { runCli } from '../run';

// `embedded` is the host's shared file (contract 4), so what apply writes reaches running daemons.
export const DATASTORE_HELP =
  "embedded (the host's shared file, $VROUTE_DATA_DIR/datastore.json), embedded:PATH, memory or etcd://host:port[,host:port] (default $VROUTE_DATASTORE or embedded)";

function readInput(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new CliError(
      `cannot read ${file === '-' ? 'stdin' : file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

export function register(program: Command): void {
  program
    .command('apply')
    .description('create or replace resources from a YAML/JSON file (one or many documents)')
    .requiredOption('-f, --filename <FILE>', 'file to read, - for stdin')
    .option('--datastore <URL>', DATASTORE_HELP)
    .action((opts: { filename: string; datastore?: string }) =>
      runCli(async () => {
        const docs = parseDocuments(readInput(opts.filename), opts.filename === '-' ? 'stdin' : opts.filename);
        await withDatastore(opts.datastore, async (ds) => {
          for (const r of docs) {
            const existed = (await ds.get(resourceKey(r.kind, r.metadata.name))) !== undefined;
            await putResource(ds, r);
            process.stdout.write(`${r.kind} ${r.metadata.name} ${existed ? 'configured' : 'created'}\n`);
          }
        });
      }),
    );
}
