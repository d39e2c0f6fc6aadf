// Attaching a workload to the fabric, shared by `vroute workload add` and the CNI ADD
// (contract 8: "ADD reuses the code of `vroute workload add`"): veth pair, addresses from
// IPAM (fixed or lowest free), the workload side configured, then the WorkloadEndpoint
// written (contract 7). Detaching undoes all of it and tolerates parts already gone.
import {
  allocate,
  assign,
  blocksForNode,
  type Datastore,
  releaseBlock,
  deleteResource,
  getResource,
  putResource,
  releaseIfAllocated,
  type Resource,
  type WorkloadEndpointSpec,
} from '../datastore';
import { configureWorkload, createVeth, deleteLink, prefixOf, type WorkloadAddress } from './links';
import { endpointId, hostInterfaceName, workloadMac } from './names';
import type { Undo } from './undo';

/** One address wanted: `address` fixed, else the lowest free one of the family (from `pool` if given). */
export interface IpRequest {
  family: 4 | 6;
  address?: string;
  pool?: string;
}

export interface AttachRequest {
  node: string;
  workload: string;
  /** The interface name inside the workload (eth0, or CNI_IFNAME). */
  ifname: string;
  /** The workload's network namespace: /run/netns/NAME or the runtime's CNI_NETNS. */
  netnsPath: string;
  ips: readonly IpRequest[];
  profiles: readonly string[];
  labels?: Record<string, string>;
}

export interface Attached {
  endpointId: string;
  hostIf: string;
  mac: string;
  addresses: WorkloadAddress[];
  endpoint: Resource;
}

export class WorkloadError extends Error {
  readonly expose = true;
  constructor(
    message: string,
    readonly reason: 'exists' | 'not-found' | 'invalid' | 'profile' = 'invalid',
  ) {
    super(message);
    this.name = 'WorkloadError';
  }
}

function familyOf(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

/** Sets up everything but the namespace itself; every step registers its undo on `undo`. */
export async function attach(store: Datastore, req: AttachRequest, undo: Undo): Promise<Attached> {
  const id = endpointId(req.node, req.workload, req.ifname);
  if (await getResource(store, 'WorkloadEndpoint', id))
    throw new WorkloadError(`WorkloadEndpoint ${id} already exists`, 'exists');
  const hostIf = hostInterfaceName(id);
  const mac = workloadMac(id);

  await createVeth(hostIf, req.netnsPath, req.ifname, mac);
  undo.push(`veth ${hostIf}`, () => deleteLink(hostIf));

  const addresses: WorkloadAddress[] = [];
  for (const r of req.ips) {
    const held = new Set(await blocksForNode(store, req.node));
    const address =
      r.address !== undefined
        ? await assign(store, { node: req.node, address: r.address })
        : (await allocate(store, { node: req.node, family: r.family, pool: r.pool }))[0]!;
    // A block this very allocation claimed goes back too (releaseBlock refuses one that holds
    // any address, so a block someone else allocated in meanwhile stays).
    const claimed = (await blocksForNode(store, req.node)).filter((b) => !held.has(b));
    for (const b of claimed) undo.push(`block ${b}`, () => releaseBlock(store, b).catch(() => undefined));
    undo.push(`address ${address}`, () => releaseIfAllocated(store, address));
    addresses.push({ family: familyOf(address), address });
  }
  await configureWorkload(req.netnsPath, req.ifname, addresses);

  // The endpoint goes last: the node's dataplane acts on it, so it must describe something
  // that exists. Its profiles must exist too (a typo would otherwise deny all traffic silently).
  for (const p of req.profiles) {
    let found: Resource | undefined;
    try {
      found = await getResource(store, 'Profile', p);
    } catch {
      found = undefined;
    }
    if (!found)
      throw new WorkloadError(`profile ${JSON.stringify(p)} does not exist (vroute profile add ${p})`, 'profile');
  }
  const spec: WorkloadEndpointSpec = {
    node: req.node,
    workload: req.workload,
    interfaceName: hostIf,
    mac,
    ipNetworks: addresses.map(prefixOf),
    profiles: [...req.profiles],
  };
  const endpoint: Resource = {
    apiVersion: 'vroute/v1',
    kind: 'WorkloadEndpoint',
    metadata: { name: id, ...(req.labels ? { labels: req.labels } : {}), resourceVersion: 0 },
    spec: spec as unknown as Record<string, unknown>,
  };
  // Create-only (resourceVersion 0): nothing follows, so no undo; a conflict means another
  // writer made this endpoint meanwhile, and theirs is left alone.
  await putResource(store, endpoint);
  return { endpointId: id, hostIf, mac, addresses, endpoint };
}

export interface Detached {
  /** The endpoint that was deleted, if there was one. */
  endpoint?: Resource;
  hostIfDeleted: boolean;
  released: string[];
}

/**
 * Removes an endpoint: the WorkloadEndpoint first (the dataplane stops using the interface),
 * then the host side of the veth, then its addresses go back to IPAM (last, so an address is
 * never handed out again while still configured). Parts already gone are skipped.
 */
export async function detach(store: Datastore, id: string): Promise<Detached> {
  const endpoint = await getResource(store, 'WorkloadEndpoint', id);
  if (endpoint) await deleteResource(store, 'WorkloadEndpoint', id);
  const spec = endpoint?.spec as unknown as WorkloadEndpointSpec | undefined;
  const hostIfDeleted = await deleteLink(spec?.interfaceName ?? hostInterfaceName(id));
  const released: string[] = [];
  for (const net of spec?.ipNetworks ?? []) {
    const addr = net.split('/')[0]!;
    if (await releaseIfAllocated(store, addr)) released.push(addr);
  }
  return { endpoint, hostIfDeleted, released };
}
