// `vroute profile add|delete|show` and `vroute endpoint ID profile append|remove|set P...`
// (contract 7): parsing and printing only; src/cni does the work.
import type { Command } from 'commander';
import { withDatastore } from '../../datastore';
import {
  addProfile,
  deleteProfile,
  editEndpointProfiles,
  listProfiles,
  type ProfileOp,
  type Rule,
  showProfile,
} from '../../cni';
import { CliError } from '../api-client';
import { formatTable } from '../table';
import { outputFormat, structured } from '../output';
import { runCli } from '../run';
import { DATASTORE_HELP } from './apply';

function ruleText(r: Rule): string[] {
  const ports = (p?: Array<number | string>) => (p && p.length > 0 ? `:${p.join(',')}` : '');
  const src =
    [r.srcTag ? `tag ${r.srcTag}` : '', r.srcNet ?? '', ports(r.srcPorts)].filter((x) => x !== '').join(' ') || 'any';
  const dst = [r.dstNet ?? '', ports(r.dstPorts)].filter((x) => x !== '').join(' ') || 'any';
  return [
    r.action,
    r.protocol === undefined ? 'any' : String(r.protocol),
    src,
    dst,
    r.icmpType === undefined ? '-' : String(r.icmpType),
  ];
}

export function register(program: Command): void {
  const prof = program
    .command('profile')
    .description("security profiles: a profile's name is also its tag (contract 7)");
  prof
    .command('add')
    .description('create a profile whose members reach each other and may send anywhere')
    .argument('<name>', 'profile name (also its tag)')
    .option('--datastore <URL>', DATASTORE_HELP)
    .action((name: string, opts: { datastore?: string }) =>
      runCli(async () => {
        await withDatastore(opts.datastore, (ds) => addProfile(ds, name));
        process.stdout.write(`profile ${name} created\n`);
      }),
    );
  prof
    .command('delete')
    .description('delete a profile no endpoint uses')
    .argument('<name>', 'profile name')
    .option('--datastore <URL>', DATASTORE_HELP)
    .action((name: string, opts: { datastore?: string }) =>
      runCli(async () => {
        await withDatastore(opts.datastore, (ds) => deleteProfile(ds, name));
        process.stdout.write(`profile ${name} deleted\n`);
      }),
    );
  prof
    .command('show')
    .description("a profile's rules and members (without NAME: every profile)")
    .argument('[name]', 'profile name')
    .option('-o, --output <format>', 'table, yaml or json', 'table')
    .option('--datastore <URL>', DATASTORE_HELP)
    .action((name: string | undefined, opts: { output: string; datastore?: string }) =>
      runCli(async () => {
        const output = outputFormat(opts.output);
        if (name === undefined) {
          const all = await withDatastore(opts.datastore, (ds) => listProfiles(ds));
          const text = structured(all, output);
          process.stdout.write(
            text ??
              formatTable(
                ['NAME', 'INBOUND', 'OUTBOUND', 'MEMBERS'],
                all.map((p) => [p.name, String(p.inbound.length), String(p.outbound.length), String(p.members.length)]),
              ),
          );
          return;
        }
        const p = await withDatastore(opts.datastore, (ds) => showProfile(ds, name));
        const text = structured(p, output);
        if (text !== undefined) {
          process.stdout.write(text);
          return;
        }
        const rows = [
          ...p.inbound.map((r, i) => [`inbound ${i + 1}`, ...ruleText(r)]),
          ...p.outbound.map((r, i) => [`outbound ${i + 1}`, ...ruleText(r)]),
        ];
        process.stdout.write(formatTable(['RULE', 'ACTION', 'PROTOCOL', 'SOURCE', 'DESTINATION', 'ICMP'], rows));
        process.stdout.write(`members: ${p.members.length > 0 ? p.members.join(', ') : '-'}\n`);
      }),
    );

  program
    .command('endpoint')
    .description("change an endpoint's profiles: endpoint ID profile append|remove|set P...")
    .argument('<id>', 'endpoint ID (as `vroute workload add` printed it)')
    .argument('<what>', 'profile')
    .argument('<op>', 'append, remove or set')
    .argument('[profiles...]', 'profile names (set with none clears the list)')
    .option('--datastore <URL>', DATASTORE_HELP)
    .action((id: string, what: string, op: string, profiles: string[], opts: { datastore?: string }) =>
      runCli(async () => {
        if (what !== 'profile')
          throw new CliError(
            `endpoint ${id} ${what}: expected \`profile\` (endpoint ID profile append|remove|set P...)`,
          );
        if (!['append', 'remove', 'set'].includes(op))
          throw new CliError(`endpoint ${id} profile ${op}: expected append, remove or set`);
        const now = await withDatastore(opts.datastore, (ds) =>
          editEndpointProfiles(ds, id, op as ProfileOp, profiles),
        );
        process.stdout.write(`endpoint ${id} profiles: ${now.length > 0 ? now.join(', ') : '(none)'}\n`);
      }),
    );
}
