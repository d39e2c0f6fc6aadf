// `vroute workload add|delete|show`: the orchestrator stand-in of contract 7 (Docker in
// Calico's first demo). `add` creates the named network namespace, then attaches it
// (src/cni/attach.ts); any failure rolls everything back. `delete` detaches every endpoint of
// the workload on the node and removes the namespace.
import { type Datastore, listResources, type Resource, type WorkloadEndpointSpec } from '../datastore';
import { attach, type Attached, detach, type IpRequest, WorkloadError } from './attach';
import { NODE_NAME, WORKLOAD_NAME } from './names';
import { createNamedNetns, deleteNamedNetns, netnsPath } from './netns';
import { endpointStatus } from './status';
import { withUndo } from './undo';

export interface WorkloadAddOptions {
  name: string;
  node: string;
  ips: readonly IpRequest[];
  profiles?: readonly string[];
  /** The interface inside the workload; default eth0 as in the seed. */
  ifname?: string;
}

function checkNames(name: string, node: string): void {
  if (!WORKLOAD_NAME.test(name))
    throw new WorkloadError(
      `workload name ${JSON.stringify(name)}: expected 1-63 of letters, digits, '_', '-', '.' (not starting with one of the last three)`,
    );
  if (!NODE_NAME.test(node))
    throw new WorkloadError(`node name ${JSON.stringify(node)}: expected 1-63 of letters, digits, '_', '-', '.'`);
}

/** Creates the workload; resolves with what was made (the endpoint ID is `endpointId`). */
export async function addWorkload(store: Datastore, opts: WorkloadAddOptions): Promise<Attached> {
  checkNames(opts.name, opts.node);
  if (opts.ips.length === 0) throw new WorkloadError('workload add: at least one --ip (ADDR or auto) is required');
  return withUndo(async (undo) => {
    // The undo goes on only once the namespace is ours: a name already taken is someone else's.
    const path = await createNamedNetns(opts.name);
    undo.push(`network namespace ${opts.name}`, () => deleteNamedNetns(opts.name));
    return attach(
      store,
      {
        node: opts.node,
        workload: opts.name,
        ifname: opts.ifname ?? 'eth0',
        netnsPath: path,
        ips: opts.ips,
        profiles: opts.profiles ?? [],
      },
      undo,
    );
  });
}

/** The endpoints of workload `name` (on `node` when given), by name order. */
export async function workloadEndpoints(store: Datastore, name: string, node?: string): Promise<Resource[]> {
  const all = (await listResources(store, 'WorkloadEndpoint')).items;
  const spec = (r: Resource) => r.spec as unknown as WorkloadEndpointSpec;
  return all
    .filter(
      (r) => (spec(r).workload === name || r.metadata.name === name) && (node === undefined || spec(r).node === node),
    )
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}

export interface WorkloadDeleted {
  endpoints: string[];
  released: string[];
  namespaceDeleted: boolean;
}

export async function deleteWorkload(store: Datastore, name: string, node: string): Promise<WorkloadDeleted> {
  checkNames(name, node);
  const eps = await workloadEndpoints(store, name, node);
  const released: string[] = [];
  for (const ep of eps) released.push(...(await detach(store, ep.metadata.name)).released);
  const namespaceDeleted = await deleteNamedNetns(name);
  if (eps.length === 0 && !namespaceDeleted)
    throw new WorkloadError(
      `no workload ${name} on node ${node} (no endpoint, no namespace ${netnsPath(name)})`,
      'not-found',
    );
  return { endpoints: eps.map((e) => e.metadata.name), released, namespaceDeleted };
}

export interface EndpointView {
  endpoint: string;
  node: string;
  workload?: string;
  interfaceName?: string;
  mac?: string;
  ipNetworks: string[];
  profiles: string[];
  /** As the node's dataplane reported it; null when it reported nothing. */
  status: string | null;
}

export async function showWorkload(store: Datastore, name: string, node?: string): Promise<EndpointView[]> {
  const eps = await workloadEndpoints(store, name, node);
  if (eps.length === 0) throw new WorkloadError(`no workload ${name}${node ? ` on node ${node}` : ''}`, 'not-found');
  return Promise.all(
    eps.map(async (r) => {
      const s = r.spec as unknown as WorkloadEndpointSpec;
      return {
        endpoint: r.metadata.name,
        node: s.node,
        workload: s.workload,
        interfaceName: s.interfaceName,
        mac: s.mac,
        ipNetworks: s.ipNetworks,
        profiles: s.profiles ?? [],
        status: (await endpointStatus(store, s.node, r.metadata.name)) ?? null,
      };
    }),
  );
}
