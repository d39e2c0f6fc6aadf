// `vroute profile add|delete|show` and `vroute endpoint ID profile append|remove|set`
// (contract 7, Calico's first model: a profile's name is also its tag). A new profile lets its
// members reach each other and lets everything out. Endpoint updates are compare-and-swap
// writes, so two operators editing one endpoint never lose each other's change.
import {
  type Datastore,
  deleteResource,
  getResource,
  listResources,
  putResource,
  type Resource,
  withCasRetry,
  type WorkloadEndpointSpec,
} from '../datastore';
import { WorkloadError } from './attach';
import { PROFILE_NAME } from './names';

export interface Rule {
  action: 'allow' | 'deny';
  protocol?: string | number;
  srcTag?: string;
  srcNet?: string;
  srcPorts?: Array<number | string>;
  dstNet?: string;
  dstPorts?: Array<number | string>;
  icmpType?: number;
}

export interface ProfileSpec {
  inbound: Rule[];
  outbound: Rule[];
}

/** Contract 7's defaults: members reach each other; everything may go out. */
export function defaultProfile(name: string): ProfileSpec {
  return { inbound: [{ action: 'allow', srcTag: name }], outbound: [{ action: 'allow' }] };
}

export async function addProfile(store: Datastore, name: string): Promise<Resource> {
  if (!PROFILE_NAME.test(name))
    throw new WorkloadError(
      `profile name ${JSON.stringify(name)}: expected letters, digits, '_', '-', '.' (a letter or digit first)`,
    );
  const r: Resource = {
    apiVersion: 'vroute/v1',
    kind: 'Profile',
    metadata: { name, resourceVersion: 0 },
    spec: defaultProfile(name) as unknown as Record<string, unknown>,
  };
  if (await getResource(store, 'Profile', name)) throw new WorkloadError(`profile ${name} already exists`, 'exists');
  await putResource(store, r);
  return r;
}

/** Endpoints naming the profile, by name. */
export async function profileMembers(store: Datastore, name: string): Promise<string[]> {
  return (await listResources(store, 'WorkloadEndpoint')).items
    .filter((r) => ((r.spec as unknown as WorkloadEndpointSpec).profiles ?? []).includes(name))
    .map((r) => r.metadata.name)
    .sort();
}

/** Deletes a profile no endpoint uses (one that is used would leave those endpoints denying everything). */
export async function deleteProfile(store: Datastore, name: string): Promise<void> {
  if (!(await getResource(store, 'Profile', name))) throw new WorkloadError(`profile ${name} not found`, 'not-found');
  const members = await profileMembers(store, name);
  if (members.length > 0) {
    throw new WorkloadError(
      `profile ${name} is still used by ${members.length} endpoint${members.length > 1 ? 's' : ''} (${members.slice(0, 3).join(', ')}${members.length > 3 ? ', ...' : ''}): vroute endpoint ID profile remove ${name}`,
    );
  }
  await deleteResource(store, 'Profile', name);
}

export interface ProfileView {
  name: string;
  inbound: Rule[];
  outbound: Rule[];
  members: string[];
}

export async function showProfile(store: Datastore, name: string): Promise<ProfileView> {
  const r = await getResource(store, 'Profile', name);
  if (!r) throw new WorkloadError(`profile ${name} not found`, 'not-found');
  const s = r.spec as Partial<ProfileSpec>;
  return { name, inbound: s.inbound ?? [], outbound: s.outbound ?? [], members: await profileMembers(store, name) };
}

export async function listProfiles(store: Datastore): Promise<ProfileView[]> {
  const eps = (await listResources(store, 'WorkloadEndpoint')).items;
  return (await listResources(store, 'Profile')).items.map((r) => {
    const s = r.spec as Partial<ProfileSpec>;
    const members = eps
      .filter((e) => ((e.spec as unknown as WorkloadEndpointSpec).profiles ?? []).includes(r.metadata.name))
      .map((e) => e.metadata.name)
      .sort();
    return { name: r.metadata.name, inbound: s.inbound ?? [], outbound: s.outbound ?? [], members };
  });
}

export type ProfileOp = 'append' | 'remove' | 'set';

/**
 * Changes an endpoint's profile list: `append` adds to the end (each must exist and not be
 * there yet), `remove` takes out (each must be there), `set` replaces the list (each must
 * exist; none clears it). Returns the new list.
 */
export async function editEndpointProfiles(
  store: Datastore,
  id: string,
  op: ProfileOp,
  names: readonly string[],
): Promise<string[]> {
  if (op !== 'set' && names.length === 0)
    throw new WorkloadError(`endpoint ${id} profile ${op}: name at least one profile`);
  if (new Set(names).size !== names.length)
    throw new WorkloadError(`endpoint ${id} profile ${op}: a profile is named twice`);
  if (op !== 'remove') {
    for (const p of names) {
      const found = await getResource(store, 'Profile', p).catch(() => undefined);
      if (!found)
        throw new WorkloadError(`profile ${JSON.stringify(p)} does not exist (vroute profile add ${p})`, 'profile');
    }
  }
  return withCasRetry(async () => {
    const ep = await getResource(store, 'WorkloadEndpoint', id);
    if (!ep)
      throw new WorkloadError(
        `endpoint ${id} not found (the ID \`vroute workload add\` printed, e.g. alpha.workload-A.eth0)`,
        'not-found',
      );
    const spec = ep.spec as unknown as WorkloadEndpointSpec;
    const current = spec.profiles ?? [];
    let next: string[];
    if (op === 'set') next = [...names];
    else if (op === 'append') {
      const dup = names.find((p) => current.includes(p));
      if (dup) throw new WorkloadError(`endpoint ${id} already has profile ${dup}`);
      next = [...current, ...names];
    } else {
      const missing = names.find((p) => !current.includes(p));
      if (missing) throw new WorkloadError(`endpoint ${id} has no profile ${missing}`);
      next = current.filter((p) => !names.includes(p));
    }
    // resourceVersion from the read: the write fails (and is retried) if anyone changed it meanwhile.
    await putResource(store, { ...ep, spec: { ...ep.spec, profiles: next } });
    return next;
  });
}
