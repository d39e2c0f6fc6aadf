// The node's own Node resource (contract 6): written before the first session, so other
// nodes (mesh) and reflectors find this node's address. Labels and fields an operator set
// stay; spec.bgp's addresses are ours; asNumber is ours only when configured.
import { getResource, putResource, type Datastore, type NodeSpec, type Resource } from '../datastore';

export interface NodeIdentity {
  name: string;
  ip: string;
  ip6?: string;
  asn?: number;
}

/** One read-modify-write with a revision check; throws on conflict (the caller retries). */
export async function writeNodeResource(store: Datastore, id: NodeIdentity): Promise<Resource> {
  const old = await getResource(store, 'Node', id.name);
  const spec = { ...(old?.spec ?? {}) } as NodeSpec & Record<string, unknown>;
  const bgp = { ...(spec.bgp ?? {}) };
  bgp.ipv4Address = id.ip;
  if (id.ip6 !== undefined) bgp.ipv6Address = id.ip6;
  else delete bgp.ipv6Address;
  if (id.asn !== undefined) bgp.asNumber = id.asn;
  spec.bgp = bgp;
  const r: Resource = {
    apiVersion: 'vroute/v1',
    kind: 'Node',
    metadata: {
      name: id.name,
      ...(old?.metadata.labels ? { labels: old.metadata.labels } : {}),
      resourceVersion: old?.metadata.resourceVersion ?? 0,
    },
    spec,
  };
  await putResource(store, r);
  return r;
}
