// The CNI commands (SPEC 1.0.0 "Section 2: Execution Protocol", 1.1 for STATUS and GC): one
// function per command behind `runCni`, which turns every failure into the spec's error
// object. ADD is `vroute workload add`'s attach on the runtime's namespace; DEL detaches and
// succeeds when things are already gone; CHECK compares the kernel and the datastore with
// what ADD made, and needs no running node agent.
import { existsSync } from 'node:fs';
import {
  allocationOf,
  type Datastore,
  DatastoreError,
  getResource,
  IpamError,
  listResources,
  openDatastore,
  type Resource,
  ResourceError,
  type WorkloadEndpointSpec,
} from '../datastore';
import { attach, detach, type IpRequest, WorkloadError } from './attach';
import { CNI, CniError } from './cni-errors';
import { type CniEnv, cidrFamily, type NetConf, parseNetConf, readEnv, SUPPORTED_VERSIONS } from './cni-config';
import { CommandError } from './exec';
import { hostLink, workloadView } from './links';
import { endpointId, GATEWAY_V4, HOST_LINK_LOCAL, HOST_MAC, hostInterfaceName } from './names';
import { NetnsError } from './netns';
import { withUndo } from './undo';

/** What the plugin prints and its exit code. */
export interface CniOutcome {
  stdout: string;
  exitCode: number;
}

// Labels tying an endpoint to its CNI attachment (network, container, interface): the spec's
// key for plugin state, used by GC to find attachments the runtime no longer knows.
export const LABEL_NETWORK = 'cni.vroute/network';
export const LABEL_CONTAINER = 'cni.vroute/container';
export const LABEL_IFNAME = 'cni.vroute/ifname';

/** Maps a failure to the spec's codes; never a stack trace, only messages. */
export function toCniError(e: unknown): CniError {
  if (e instanceof CniError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof IpamError) return new CniError(CNI.IpamFailure, msg);
  if (e instanceof CommandError || e instanceof NetnsError) return new CniError(CNI.InterfaceFailure, msg);
  if (e instanceof WorkloadError)
    return new CniError(e.reason === 'not-found' ? CNI.UnknownContainer : CNI.InterfaceFailure, msg);
  if (e instanceof ResourceError) return new CniError(CNI.InvalidNetworkConfig, msg);
  if (e instanceof DatastoreError)
    return new CniError(e.code === 'invalid' ? CNI.InvalidNetworkConfig : CNI.TryAgainLater, msg);
  return new CniError(CNI.Internal, `internal error: ${msg}`);
}

function ipsWanted(conf: NetConf): IpRequest[] {
  if (!conf.pool) return [{ family: 4 }];
  return [{ family: cidrFamily(conf.pool)!, pool: conf.pool }];
}

function resultOf(conf: NetConf, env: CniEnv, hostIf: string, mac: string, networks: readonly string[]): unknown {
  const v4 = networks.some((n) => !n.includes(':'));
  const v6 = networks.some((n) => n.includes(':'));
  return {
    cniVersion: conf.cniVersion,
    // Index 0 the host side (no sandbox), 1 the container side (SPEC "Success": interfaces).
    interfaces: [
      { name: hostIf, mac: HOST_MAC },
      { name: env.ifname!, mac, sandbox: env.netns! },
    ],
    ips: networks.map((n) => ({ address: n, gateway: n.includes(':') ? HOST_LINK_LOCAL : GATEWAY_V4, interface: 1 })),
    routes: [
      ...(v4 ? [{ dst: '0.0.0.0/0', gw: GATEWAY_V4 }] : []),
      ...(v6 ? [{ dst: '::/0', gw: HOST_LINK_LOCAL }] : []),
    ],
    dns: conf.dns ?? {},
  };
}

async function cmdAdd(store: Datastore, conf: NetConf, env: CniEnv): Promise<unknown> {
  if (!existsSync(env.netns!))
    throw new CniError(CNI.InvalidEnvironment, `CNI_NETNS ${env.netns}: no such namespace file`);
  // A Profile named like the network applies to its endpoints (Calico's CNI plugin made one per network).
  const profile = await getResource(store, 'Profile', conf.name).catch(() => undefined);
  const done = await withUndo((undo) =>
    attach(
      store,
      {
        node: conf.nodename,
        workload: env.containerId!,
        ifname: env.ifname!,
        netnsPath: env.netns!,
        ips: ipsWanted(conf),
        profiles: profile ? [conf.name] : [],
        labels: { [LABEL_NETWORK]: conf.name, [LABEL_CONTAINER]: env.containerId!, [LABEL_IFNAME]: env.ifname! },
      },
      undo,
    ),
  );
  return resultOf(
    conf,
    env,
    done.hostIf,
    done.mac,
    done.addresses.map((a) => `${a.address}/${a.family === 4 ? 32 : 128}`),
  );
}

async function cmdDel(store: Datastore, conf: NetConf, env: CniEnv): Promise<void> {
  await detach(store, endpointId(conf.nodename, env.containerId!, env.ifname!));
}

/** Every difference between what ADD made and what is there now; empty when all holds. */
async function differences(store: Datastore, conf: NetConf, env: CniEnv): Promise<string[]> {
  const id = endpointId(conf.nodename, env.containerId!, env.ifname!);
  const ep = await getResource(store, 'WorkloadEndpoint', id);
  if (!ep)
    throw new CniError(
      CNI.UnknownContainer,
      `no WorkloadEndpoint ${id}: container ${env.containerId} is not attached to ${conf.name}`,
    );
  const spec = ep.spec as unknown as WorkloadEndpointSpec;
  const bad: string[] = [];
  const hostIf = hostInterfaceName(id);
  if (spec.interfaceName !== hostIf)
    bad.push(`endpoint ${id}: interfaceName is ${spec.interfaceName}, expected ${hostIf}`);
  const host = await hostLink(hostIf);
  if (!host) bad.push(`host interface ${hostIf} is missing`);
  else {
    if (host.kind !== 'veth') bad.push(`host interface ${hostIf} is a ${host.kind ?? 'non-veth'} link, not a veth`);
    if (!host.up) bad.push(`host interface ${hostIf} is down`);
  }
  if (!existsSync(env.netns!)) {
    bad.push(`CNI_NETNS ${env.netns} does not exist`);
    return bad;
  }
  const w = await workloadView(env.netns!, env.ifname!);
  if (!w.link) bad.push(`${env.ifname} is missing in ${env.netns}`);
  else {
    if (spec.mac && w.link.mac !== spec.mac)
      bad.push(`${env.ifname} has MAC ${w.link.mac}, the endpoint says ${spec.mac}`);
    if (!w.link.up) bad.push(`${env.ifname} is down`);
  }
  for (const net of spec.ipNetworks) {
    if (w.link && !w.addresses.includes(net)) bad.push(`${env.ifname} lacks address ${net}`);
    const holder = await allocationOf(store, net.split('/')[0]!);
    if (holder === undefined) bad.push(`address ${net} is not allocated in IPAM`);
  }
  if (w.link && spec.ipNetworks.some((n) => !n.includes(':')) && !w.gateways.includes(GATEWAY_V4))
    bad.push(`no default route via ${GATEWAY_V4} on ${env.ifname}`);
  if (w.link && spec.ipNetworks.some((n) => n.includes(':')) && !w.gateways.includes(HOST_LINK_LOCAL))
    bad.push(`no IPv6 default route via ${HOST_LINK_LOCAL} on ${env.ifname}`);
  // SPEC CHECK: consult prevResult for the interfaces and addresses ADD reported.
  const prev = conf.prevResult as
    | { interfaces?: Array<{ name?: string; mac?: string; sandbox?: string }>; ips?: Array<{ address?: string }> }
    | undefined;
  if (prev !== undefined) {
    for (const i of prev.interfaces ?? []) {
      if (i.sandbox && i.name === env.ifname && spec.mac && i.mac !== spec.mac)
        bad.push(`prevResult: ${i.name} MAC ${i.mac} differs from ${spec.mac}`);
      if (!i.sandbox && i.name !== hostIf) bad.push(`prevResult: host interface ${i.name} is not ours (${hostIf})`);
    }
    for (const a of prev.ips ?? [])
      if (a.address && !spec.ipNetworks.includes(a.address))
        bad.push(`prevResult: address ${a.address} is not the endpoint's (${spec.ipNetworks.join(', ')})`);
  }
  return bad;
}

async function cmdCheck(store: Datastore, conf: NetConf, env: CniEnv): Promise<void> {
  const bad = await differences(store, conf, env);
  if (bad.length > 0) throw new CniError(CNI.CheckFailure, `CHECK failed: ${bad[0]}`, bad.join('; '));
}

async function cmdStatus(store: Datastore): Promise<void> {
  let pools: Resource[];
  try {
    pools = (await listResources(store, 'IPPool')).items;
  } catch (e) {
    throw new CniError(CNI.PluginNotAvailable, `datastore not reachable: ${(e as Error).message}`);
  }
  if (!pools.some((p) => (p.spec as { disabled?: boolean }).disabled !== true)) {
    throw new CniError(CNI.PluginNotAvailable, 'no enabled IPPool: ADD could not get an address');
  }
}

/** GC (1.1): detaches this network's endpoints on this node that the runtime no longer lists. */
async function cmdGc(store: Datastore, conf: NetConf): Promise<void> {
  const valid = new Set((conf.validAttachments ?? []).map((a) => `${a.containerID}\n${a.ifname}`));
  for (const ep of (await listResources(store, 'WorkloadEndpoint')).items) {
    const l = ep.metadata.labels ?? {};
    if (l[LABEL_NETWORK] !== conf.name || (ep.spec as unknown as WorkloadEndpointSpec).node !== conf.nodename) continue;
    if (!valid.has(`${l[LABEL_CONTAINER]}\n${l[LABEL_IFNAME]}`)) await detach(store, ep.metadata.name);
  }
}

/** Runs one plugin invocation: environment and stdin in, stdout text and exit code out. */
export async function runCni(env: NodeJS.ProcessEnv, stdin: string): Promise<CniOutcome> {
  let version: string = SUPPORTED_VERSIONS[0];
  const fail = (e: unknown): CniOutcome => {
    const err = toCniError(e);
    const body: Record<string, unknown> = { cniVersion: version, code: err.code, msg: err.message };
    if (err.details) body.details = err.details;
    return { stdout: JSON.stringify(body) + '\n', exitCode: 1 };
  };
  try {
    const cenv = readEnv(env);
    if (cenv.command === 'VERSION') {
      // The request's version when we speak it, else our first; VERSION never fails on it.
      let asked: unknown;
      try {
        asked = stdin.trim() === '' ? undefined : (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
      } catch {
        asked = undefined;
      }
      const v =
        typeof asked === 'string' && (SUPPORTED_VERSIONS as readonly string[]).includes(asked)
          ? asked
          : SUPPORTED_VERSIONS[SUPPORTED_VERSIONS.length - 1];
      return {
        stdout: JSON.stringify({ cniVersion: v, supportedVersions: [...SUPPORTED_VERSIONS] }) + '\n',
        exitCode: 0,
      };
    }
    const conf = parseNetConf(stdin, cenv.command, env);
    version = conf.cniVersion;
    let store: Datastore;
    try {
      // No watch, no lease: etcd through its JSON gateway, not the slow-to-load gRPC client.
      store = openDatastore(conf.datastore, env, { shortLived: true });
    } catch (e) {
      if (cenv.command === 'STATUS') throw new CniError(CNI.PluginNotAvailable, (e as Error).message);
      throw e instanceof DatastoreError && e.code === 'invalid'
        ? new CniError(CNI.InvalidNetworkConfig, `network configuration: datastore: ${e.message}`)
        : e;
    }
    try {
      switch (cenv.command) {
        case 'ADD':
          return { stdout: JSON.stringify(await cmdAdd(store, conf, cenv)) + '\n', exitCode: 0 };
        case 'DEL':
          await cmdDel(store, conf, cenv);
          break;
        case 'CHECK':
          await cmdCheck(store, conf, cenv);
          break;
        case 'STATUS':
          await cmdStatus(store);
          break;
        case 'GC':
          await cmdGc(store, conf);
          break;
      }
      return { stdout: '', exitCode: 0 };
    } finally {
      await store.close().catch(() => undefined);
    }
  } catch (e) {
    return fail(e);
  }
}
