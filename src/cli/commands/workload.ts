// `vroute workload add|delete|show` (contract 7): parsing and printing only; src/cni does the work.
import type { Command } from 'commander';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { withDatastore } from '../../datastore';
import { addWorkload, deleteWorkload, type IpRequest, showWorkload } from '../../cni';
import { CliError } from '../api-client';
import { formatTable } from '../table';
import { outputFormat, structured } from '../output';
import { runCli } from '../run';
import { DATASTORE_HELP } from './apply';

const NODE_HELP =
  'the node the workload is on: the one whose network namespace this runs in (default $VROUTE_NODE, else the hostname)';
const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function defaultNode(flag: string | undefined): string {
  return flag ?? process.env.VROUTE_NODE ?? hostname();
}

/** --ip ADDR|auto (IPv4 auto; an IPv6 ADDR is taken as such) and --ip6 ADDR|auto. */
export function ipRequests(ips: readonly string[], ip6s: readonly string[]): IpRequest[] {
  const out: IpRequest[] = [];
  for (const [flag, family, list] of [
    ['--ip', 4, ips],
    ['--ip6', 6, ip6s],
  ] as const) {
    for (const v of list) {
      if (v === 'auto') {
        out.push({ family });
        continue;
      }
      const f = isIP(v);
      if (f === 0)
        throw new CliError(`${flag} ${JSON.stringify(v)}: expected an IP address (no prefix length) or auto`);
      if (flag === '--ip6' && f !== 6) throw new CliError(`--ip6 ${v}: not an IPv6 address`);
      out.push({ family: f as 4 | 6, address: v });
    }
  }
  const fams = out.map((r) => r.family);
  if (fams.filter((f) => f === 4).length > 1 || fams.filter((f) => f === 6).length > 1)
    throw new CliError('a workload takes at most one IPv4 and one IPv6 address');
  return out;
}

export function register(program: Command): void {
  const wl = program
    .command('workload')
    .description('workloads as network namespaces with a veth, an address and an endpoint (contract 7)');
  wl.command('add')
    .description('create namespace NAME, its veth and address, and its WorkloadEndpoint; prints the endpoint ID')
    .argument('<name>', 'workload name: also the network namespace (/run/netns/NAME)')
    .option('--ip <ADDR|auto>', "the workload's address, or auto (lowest free from IPAM)", collect, [] as string[])
    .option('--ip6 <ADDR|auto>', 'an IPv6 address as well, or auto', collect, [] as string[])
    .option('--profile <P>', 'profile for the endpoint (repeatable; must exist)', collect, [] as string[])
    .option('--node <N>', NODE_HELP)
    .option('--datastore <URL>', DATASTORE_HELP)
    .action(
      (name: string, opts: { ip: string[]; ip6: string[]; profile: string[]; node?: string; datastore?: string }) =>
        runCli(async () => {
          const ips = ipRequests(opts.ip, opts.ip6);
          if (ips.length === 0) throw new CliError('workload add: --ip ADDR|auto is required');
          const done = await withDatastore(opts.datastore, (ds) =>
            addWorkload(ds, { name, node: defaultNode(opts.node), ips, profiles: opts.profile }),
          );
          process.stdout.write(`${done.endpointId}\n`);
        }),
    );
  wl.command('delete')
    .description('remove the workload: its endpoints, veths, addresses and namespace')
    .argument('<name>', 'workload name')
    .option('--node <N>', NODE_HELP)
    .option('--datastore <URL>', DATASTORE_HELP)
    .action((name: string, opts: { node?: string; datastore?: string }) =>
      runCli(async () => {
        const r = await withDatastore(opts.datastore, (ds) => deleteWorkload(ds, name, defaultNode(opts.node)));
        const parts = [
          r.endpoints.length > 0 ? `endpoint ${r.endpoints.join(', ')}` : 'no endpoint',
          r.released.length > 0 ? `released ${r.released.join(', ')}` : '',
        ];
        process.stdout.write(`workload ${name} deleted (${parts.filter((p) => p !== '').join('; ')})\n`);
      }),
    );
  wl.command('show')
    .description("the workload's endpoints: IPs, profiles, status reported by the node")
    .argument('<name>', 'workload name (or endpoint ID)')
    .option('-o, --output <format>', 'table, yaml or json', 'table')
    .option('--node <N>', 'only the workload on this node (default: any node)')
    .option('--datastore <URL>', DATASTORE_HELP)
    .action((name: string, opts: { output: string; node?: string; datastore?: string }) =>
      runCli(async () => {
        const output = outputFormat(opts.output);
        const eps = await withDatastore(opts.datastore, (ds) => showWorkload(ds, name, opts.node));
        const text = structured(eps.length === 1 ? eps[0] : eps, output);
        if (text !== undefined) {
          process.stdout.write(text);
          return;
        }
        const wide = output === 'wide';
        process.stdout.write(
          formatTable(
            ['ENDPOINT', 'NODE', 'IPS', 'PROFILES', 'STATUS', ...(wide ? ['INTERFACE', 'MAC'] : [])],
            eps.map((e) => [
              e.endpoint,
              e.node,
              e.ipNetworks.join(',') || '-',
              e.profiles.join(',') || '-',
              e.status ?? '-',
              ...(wide ? [e.interfaceName ?? '-', e.mac ?? '-'] : []),
            ]),
          ),
        );
      }),
    );
}
