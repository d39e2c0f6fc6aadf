// `vroute get KIND [NAME] [-o table|wide|yaml|json]`: resources as a table or as documents
// that `vroute apply -f` takes back unchanged.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { getResource, type Kind, listResources, requireKind, type Resource, withDatastore } from '../../datastore';
import { CliError } from '../api-client';
import { formatTable } from '../table';
import { OUTPUT_HELP, outputFormat } from '../output';
import { runCli } from '../run';
import { DATASTORE_HELP } from './apply';

type Col = [string, (r: Resource) => unknown];
const s = (r: Resource) => r.spec as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const labels = (r: Resource) => Object.entries(r.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');

const COLUMNS: Record<Kind, { table: Col[]; wide: Col[] }> = {
  BGPConfiguration: { table: [['ASN', (r) => s(r).asNumber], ['MESH', (r) => s(r).nodeToNodeMesh ?? true]], wide: [['PORT', (r) => s(r).listenPort], ['LOG', (r) => s(r).logLevel], ['COMMUNITIES', (r) => (s(r).communities ?? []).join(',')]] },
  Node: { table: [['IPV4', (r) => s(r).bgp?.ipv4Address], ['IPV6', (r) => s(r).bgp?.ipv6Address], ['ASN', (r) => s(r).bgp?.asNumber]], wide: [['CLUSTERID', (r) => s(r).bgp?.routeReflectorClusterID], ['LABELS', labels]] },
  BGPPeer: {
    table: [['PEERIP', (r) => s(r).peerIP ?? `(${s(r).peerSelector})`], ['ASN', (r) => s(r).asNumber], ['NODE', (r) => s(r).node ?? s(r).nodeSelector ?? '(all)']],
    wide: [['RRCLIENT', (r) => s(r).routeReflectorClient ?? false], ['PASSIVE', (r) => s(r).passive ?? false], ['HOLD', (r) => s(r).holdTime], ['MAXPREFIXES', (r) => s(r).maxPrefixes]],
  },
  IPPool: { table: [['CIDR', (r) => s(r).cidr], ['BLOCKSIZE', (r) => s(r).blockSize], ['DISABLED', (r) => s(r).disabled]], wide: [] },
  IPAMBlock: { table: [['CIDR', (r) => s(r).cidr], ['AFFINITY', (r) => s(r).affinity ?? '(none)'], ['USED', (r) => Object.keys(s(r).allocations ?? {}).length]], wide: [] },
  WorkloadEndpoint: { table: [['NODE', (r) => s(r).node], ['NETWORKS', (r) => (s(r).ipNetworks ?? []).join(',')]], wide: [['INTERFACE', (r) => s(r).interfaceName], ['PROFILES', (r) => (s(r).profiles ?? []).join(',')]] },
  Profile: { table: [], wide: [['LABELS', labels]] },
  Policy: { table: [['SELECTOR', (r) => s(r).selector], ['ORDER', (r) => s(r).order]], wide: [] },
};

function cell(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

function forOutput(r: Resource): Resource {
  const { resourceVersion: _rv, ...metadata } = r.metadata;
  return { ...r, metadata };
}

export function renderResources(kind: Kind, items: Resource[], output: string): string {
  if (output === 'json') return JSON.stringify(items.length === 1 ? forOutput(items[0]!) : items.map(forOutput), null, 2) + '\n';
  if (output === 'yaml') return items.map((r) => stringify(forOutput(r))).join('---\n');
  const cols = [...COLUMNS[kind].table, ...(output === 'wide' ? COLUMNS[kind].wide : [])];
  return formatTable(['NAME', ...cols.map((c) => c[0])], items.map((r) => [r.metadata.name, ...cols.map((c) => cell(c[1](r)))]));
}

export function register(program: Command): void {
  program
    .command('get')
    .description('show resources of a kind, or one by name')
    .argument('<kind>', 'resource kind, e.g. bgppeer, ippool, node')
    .argument('[name]', 'resource name')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .option('--datastore <URL>', DATASTORE_HELP)
    .action((kindText: string, name: string | undefined, opts: { output: string; datastore?: string }) => runCli(async () => {
      outputFormat(opts.output);
      const kind = requireKind(kindText);
      const items = await withDatastore(opts.datastore, async (ds) => {
        if (name === undefined) return (await listResources(ds, kind)).items;
        const r = await getResource(ds, kind, name);
        if (!r) throw new CliError(`${kind} ${name} not found`);
        return [r];
      });
      process.stdout.write(renderResources(kind, items, opts.output));
    }));
}
