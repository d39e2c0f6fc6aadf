// `vroute get KIND [NAME] [-o table|wide|yaml|json]`: resources as a table or as documents
// that `vroute apply -f` takes back unchanged.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import {
  type BGPConfigurationSpec,
  type BGPPeerSpec,
  getResource,
  type IPAMBlockSpec,
  type IPPoolSpec,
  type Kind,
  listResources,
  type NodeSpec,
  requireKind,
  type Resource,
  withDatastore,
  type WorkloadEndpointSpec,
} from '../../datastore';
import { CliError } from '../api-client';
import { formatTable } from '../table';
import { OUTPUT_HELP, outputFormat } from '../output';
import { runCli } from '../run';
import { DATASTORE_HELP } from './apply';

type Col = [string, (r: Resource) => unknown];
// A stored document's spec as its kind's shape; every field may be missing (the store holds what was applied).
const spec = <S>(r: Resource): Partial<S> => r.spec as Partial<S>;
const cfg = spec<BGPConfigurationSpec>;
const node = spec<NodeSpec>;
const peer = spec<BGPPeerSpec>;
const pool = spec<IPPoolSpec>;
const block = spec<IPAMBlockSpec>;
const wep = spec<WorkloadEndpointSpec>;
const policy = spec<{ selector: string; order: number }>;
const labels = (r: Resource) =>
  Object.entries(r.metadata.labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

const COLUMNS: Record<Kind, { table: Col[]; wide: Col[] }> = {
  BGPConfiguration: {
    table: [
      ['ASN', (r) => cfg(r).asNumber],
      ['MESH', (r) => cfg(r).nodeToNodeMesh ?? true],
    ],
    wide: [
      ['PORT', (r) => cfg(r).listenPort],
      ['LOG', (r) => cfg(r).logLevel],
      ['COMMUNITIES', (r) => (cfg(r).communities ?? []).join(',')],
    ],
  },
  Node: {
    table: [
      ['IPV4', (r) => node(r).bgp?.ipv4Address],
      ['IPV6', (r) => node(r).bgp?.ipv6Address],
      ['ASN', (r) => node(r).bgp?.asNumber],
    ],
    wide: [
      ['CLUSTERID', (r) => node(r).bgp?.routeReflectorClusterID],
      ['LABELS', labels],
    ],
  },
  BGPPeer: {
    table: [
      ['PEERIP', (r) => peer(r).peerIP ?? `(${peer(r).peerSelector})`],
      ['ASN', (r) => peer(r).asNumber],
      ['NODE', (r) => peer(r).node ?? peer(r).nodeSelector ?? '(all)'],
    ],
    wide: [
      ['RRCLIENT', (r) => peer(r).routeReflectorClient ?? false],
      ['PASSIVE', (r) => peer(r).passive ?? false],
      ['HOLD', (r) => peer(r).holdTime],
      ['MAXPREFIXES', (r) => peer(r).maxPrefixes],
    ],
  },
  IPPool: {
    table: [
      ['CIDR', (r) => pool(r).cidr],
      ['BLOCKSIZE', (r) => pool(r).blockSize],
      ['DISABLED', (r) => pool(r).disabled],
    ],
    wide: [],
  },
  IPAMBlock: {
    table: [
      ['CIDR', (r) => block(r).cidr],
      ['AFFINITY', (r) => block(r).affinity ?? '(none)'],
      ['USED', (r) => Object.keys(block(r).allocations ?? {}).length],
    ],
    wide: [],
  },
  WorkloadEndpoint: {
    table: [
      ['NODE', (r) => wep(r).node],
      ['NETWORKS', (r) => (wep(r).ipNetworks ?? []).join(',')],
    ],
    wide: [
      ['INTERFACE', (r) => wep(r).interfaceName],
      ['PROFILES', (r) => (wep(r).profiles ?? []).join(',')],
    ],
  },
  Profile: { table: [], wide: [['LABELS', labels]] },
  Policy: {
    table: [
      ['SELECTOR', (r) => policy(r).selector],
      ['ORDER', (r) => policy(r).order],
    ],
    wide: [],
  },
};

function cell(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

function forOutput(r: Resource): Resource {
  const { resourceVersion: _rv, ...metadata } = r.metadata;
  return { ...r, metadata };
}

export function renderResources(kind: Kind, items: Resource[], output: string): string {
  if (output === 'json')
    return JSON.stringify(items.length === 1 ? forOutput(items[0]!) : items.map(forOutput), null, 2) + '\n';
  if (output === 'yaml') return items.map((r) => stringify(forOutput(r))).join('---\n');
  const cols = [...COLUMNS[kind].table, ...(output === 'wide' ? COLUMNS[kind].wide : [])];
  return formatTable(
    ['NAME', ...cols.map((c) => c[0])],
    items.map((r) => [r.metadata.name, ...cols.map((c) => cell(c[1](r)))]),
  );
}

export function register(program: Command): void {
  program
    .command('get')
    .description('show resources of a kind, or one by name')
    .argument('<kind>', 'resource kind, e.g. bgppeer, ippool, node')
    .argument('[name]', 'resource name')
    .option('-o, --output <format>', OUTPUT_HELP, 'table')
    .option('--datastore <URL>', DATASTORE_HELP)
    .action((kindText: string, name: string | undefined, opts: { output: string; datastore?: string }) =>
      runCli(async () => {
        outputFormat(opts.output);
        const kind = requireKind(kindText);
        const items = await withDatastore(opts.datastore, async (ds) => {
          if (name === undefined) return (await listResources(ds, kind)).items;
          const r = await getResource(ds, kind, name);
          if (!r) throw new CliError(`${kind} ${name} not found`);
          return [r];
        });
        process.stdout.write(renderResources(kind, items, opts.output));
      }),
    );
}
