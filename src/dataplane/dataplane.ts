// The dataplane's entry point: datastore watches feed the desired state, one apply loop
// programs interfaces, routes and nftables, and status reports go back to the datastore.
import type { Logger } from 'pino';
import { type Datastore, kindPrefix, resyncingWatch } from '../datastore';
import { ApplyLoop, type Timers } from './apply-loop';
import type { HostAccess } from './acl-rules';
import { DesiredAcl } from './desired-acl';
import { type IfaceConfig, type InterfaceDriver, hostInterfaces } from './interfaces';
import { type Endpoint, parseEndpoint, parseProfile } from './model';
import { type EarlyRead, type NftRunner, applyAcl, nftBinary, startRead } from './nft-driver';
import type { RouteTable } from './routes';
import { type EndpointStatus, type NodeDataplaneStatus, StatusReporter } from './status';

export interface DataplaneOptions {
  store: Datastore;
  /** Endpoints whose `spec.node` equals this are ours to program. */
  nodeName: string;
  log: Logger;
  /** The route table shared with the FIB sink (the node agent's RouteOwner; a fake in tests). */
  routes: RouteTable;
  nft?: NftRunner;
  interfaces?: InterfaceDriver;
  /** Traffic from a workload to its own host beyond DHCP and NDP: denied unless 'allow'. */
  workloadToHost?: HostAccess;
  /** IPv6 gateway address workloads use (proxy NDP entry on each interface). Default fe80::1. */
  ipv6Gateway?: string;
  timers?: Timers;
  minIntervalMs?: number;
  /** Kernel re-read interval (default 10 s). */
  resyncMs?: number;
  /** How often an endpoint whose interface is missing is looked for again (default 1 s). */
  downRetryMs?: number;
  statusIntervalMs?: number;
}

export interface DataplaneStatus extends NodeDataplaneStatus {
  endpointStates: Record<string, EndpointStatus>;
}

export interface Dataplane {
  /** Stops watching and applying; leaves the kernel as it is (forwarding goes on). */
  stop(): Promise<void>;
  status(): DataplaneStatus;
  /** Resolves after an apply that started after everything seen so far succeeded (tests). */
  applied(): Promise<void>;
}

interface Programmed {
  cfg: IfaceConfig;
  key: string;
  routes: string[];
}

export async function startDataplane(o: DataplaneOptions): Promise<Dataplane> {
  const log = o.log.child({ component: 'dataplane' });
  const nft = o.nft ?? nftBinary();
  const routes = o.routes;
  const ifaces = o.interfaces ?? hostInterfaces({ ipv6Gateway: o.ipv6Gateway });
  const desired = new DesiredAcl(o.workloadToHost ?? 'deny');
  // The first apply's kernel read, started now: nft lists our table while the datastore loads.
  let firstRead: EarlyRead | undefined = startRead(nft);
  const reporter = new StatusReporter(
    o.store,
    o.nodeName,
    (e) => log.warn({ err: e.message }, 'status write failed'),
    o.statusIntervalMs,
  );
  const local = new Map<string, Endpoint>();
  const programmed = new Map<string, Programmed>();
  const states = new Map<string, EndpointStatus>();
  /** Local endpoints to (re)configure at the next apply: new, changed, or still down. */
  const toCheck = new Set<string>();
  const removed = new Map<string, Programmed>();
  const st: NodeDataplaneStatus = {
    node: o.nodeName,
    lastApply: null,
    lastApplyMs: null,
    applies: 0,
    failures: 0,
    consecutiveFailures: 0,
    lastError: null,
    endpoints: { up: 0, down: 0, error: 0 },
  };
  let inputGen = 0,
    appliedGen = -1,
    lastFailed = false;
  const waiters: { gen: number; resolve: () => void }[] = [];
  const downRetryMs = o.downRetryMs ?? 1000;

  const endpointKey = (ep: Endpoint): string => JSON.stringify([ep.ifname, ep.v4, ep.v6, ep.mac ?? null]);

  const apply = async (resync: boolean): Promise<{ ok: boolean; retryMs?: number }> => {
    const gen = inputGen;
    const started = Date.now();
    const errors = new Map<string, string>();
    let anyDown = false;
    let failure: string | undefined;
    let checked: string[] = [];
    try {
      // 1. Interfaces gone with their endpoints: undo, and drop their routes.
      const undo = [...removed.values()];
      removed.clear();
      for (const p of undo) for (const r of p.routes) routes.delete(r);
      if (undo.length) await ifaces.unconfigure(undo.map((p) => p.cfg));
      // 2. Interfaces to configure: new or changed endpoints, those still down, all on resync.
      const check = resync ? [...local.keys()] : [...toCheck];
      checked = check;
      toCheck.clear();
      const configure: { name: string; cfg: IfaceConfig; key: string }[] = [];
      for (const name of check) {
        const ep = local.get(name);
        if (!ep || !ep.ifname) continue;
        if (!(await ifaces.exists(ep.ifname))) {
          states.set(name, { state: 'down', reason: `interface ${ep.ifname} does not exist` });
          const p = programmed.get(name);
          if (p) {
            for (const r of p.routes) routes.delete(r);
            programmed.delete(name);
          }
          toCheck.add(name);
          anyDown = true;
          continue;
        }
        configure.push({ name, cfg: { ifname: ep.ifname, v4: ep.v4, v6: ep.v6, mac: ep.mac }, key: endpointKey(ep) });
      }
      const failedIf = configure.length
        ? await ifaces.configure(configure.map((c) => c.cfg))
        : new Map<string, string>();
      for (const c of configure) {
        const why = failedIf.get(c.cfg.ifname);
        if (why) {
          errors.set(c.name, why);
          toCheck.add(c.name);
        }
        const old = programmed.get(c.name);
        const want = [...c.cfg.v4.map((a) => `${a}/32`), ...c.cfg.v6.map((a) => `${a}/128`)];
        for (const r of old?.routes ?? []) if (!want.includes(r)) routes.delete(r);
        for (const r of want) routes.setDeviceRoute(r, c.cfg.ifname);
        programmed.set(c.name, { cfg: c.cfg, key: c.key, routes: want });
      }
      // 3. Routes, in one batch.
      const failedRoutes = await routes.apply(resync);
      if (failedRoutes.size) {
        for (const [name, p] of programmed) {
          for (const r of p.routes) {
            const why = failedRoutes.get(r);
            if (why && !errors.has(name)) errors.set(name, `route ${r}: ${why}`);
          }
        }
      }
      // 4. ACLs: one nftables transaction.
      try {
        const early = firstRead;
        firstRead = undefined;
        const r = await applyAcl(nft, desired.t, resync, early);
        if (r.changed) log.debug({ lines: r.script?.split('\n').length }, 'nftables transaction applied');
      } catch (e) {
        failure = (e as Error).message;
        for (const [name, ep] of local) {
          if (desired.endpointPending(ep)) errors.set(name, `ACL: ${failure}`);
        }
      }
      if (!failure && errors.size) failure = [...errors.values()][0];
    } catch (e) {
      failure = (e as Error).message;
    }
    // 5. Status: the endpoints this apply looked at, or all when the outcome flipped (bounded
    // work per apply: a change to one endpoint does not walk 10,000).
    const all = resync || (failure !== undefined) !== lastFailed;
    lastFailed = failure !== undefined;
    const look = all ? local.keys() : new Set([...checked, ...errors.keys()]).values();
    for (const name of look) {
      const ep = local.get(name);
      if (!ep) continue;
      const cur = states.get(name);
      if (errors.has(name)) states.set(name, { state: 'error', reason: errors.get(name) });
      else if (ep.error) states.set(name, { state: 'error', reason: ep.error });
      else if (programmed.has(name) && !failure) states.set(name, { state: 'up' });
      else if (!cur) continue;
      reporter.endpoint(name, states.get(name)!);
    }
    st.applies++;
    st.endpoints = { up: 0, down: 0, error: 0 };
    for (const s of states.values()) st.endpoints[s.state]++;
    if (failure) {
      st.failures++;
      st.consecutiveFailures++;
      st.lastError = failure;
      if (st.consecutiveFailures === 1 || Number.isInteger(Math.log2(st.consecutiveFailures))) {
        log.warn({ err: failure, failures: st.consecutiveFailures }, 'dataplane apply failed; retrying');
      }
    } else {
      st.consecutiveFailures = 0;
      st.lastApply = new Date().toISOString();
      st.lastApplyMs = Date.now() - started;
      appliedGen = gen;
      for (const w of waiters.splice(0)) {
        if (w.gen <= gen) w.resolve();
        else waiters.push(w);
      }
    }
    reporter.nodeStatus({ ...st });
    return { ok: !failure, retryMs: anyDown ? downRetryMs : undefined };
  };

  const loop = new ApplyLoop(apply, {
    timers: o.timers,
    minIntervalMs: o.minIntervalMs,
    resyncMs: o.resyncMs,
  });

  const changed = (): void => {
    inputGen++;
    if (synced.size === 2) loop.kick();
  };
  const synced = new Set<string>();
  const onSynced = (which: string) => (): void => {
    if (synced.has(which)) return;
    synced.add(which);
    if (synced.size === 2) {
      log.info({ endpoints: local.size }, 'datastore synced; programming the dataplane');
      loop.kick();
    }
  };

  // Two local endpoints naming one interface would share chains and routes: the first keeps
  // it, the other reports an error until the first lets go.
  const ifOwner = new Map<string, string>();
  const blocked = new Map<string, Endpoint>();
  const releaseIf = (name: string, ifname: string | undefined): void => {
    if (!ifname || ifOwner.get(ifname) !== name) return;
    ifOwner.delete(ifname);
    const next = [...blocked.values()].find((b) => b.ifname === ifname);
    if (next) {
      blocked.delete(next.name);
      setEndpoint(next.name, next);
    }
  };
  const setEndpoint = (name: string, parsed: Endpoint | undefined): void => {
    let ep = parsed;
    const isLocal = ep?.node === o.nodeName;
    const old = local.get(name);
    blocked.delete(name);
    if (old?.ifname && old.ifname !== ep?.ifname) releaseIf(name, old.ifname);
    if (isLocal && ep?.ifname) {
      const owner = ifOwner.get(ep.ifname);
      if (owner !== undefined && owner !== name) {
        blocked.set(name, ep);
        ep = {
          ...ep,
          ifname: '',
          error: `spec.interfaceName: ${ep.ifname} is already the interface of endpoint ${owner}`,
        };
      } else {
        ifOwner.set(ep.ifname, name);
      }
    }
    desired.setEndpoint(name, ep, isLocal);
    if (isLocal && ep) {
      local.set(name, ep);
      if (!old || endpointKey(old) !== endpointKey(ep)) {
        if (old && old.ifname !== ep.ifname) {
          const p = programmed.get(name);
          if (p) removed.set(`${name}\0${old.ifname}`, p);
          programmed.delete(name);
        }
        toCheck.add(name);
      }
      if (ep.error) log.warn({ endpoint: name, err: ep.error }, 'workload endpoint has errors');
    } else if (old) {
      local.delete(name);
      toCheck.delete(name);
      const p = programmed.get(name);
      if (p) removed.set(name, p);
      programmed.delete(name);
      states.delete(name);
      reporter.endpointGone(name);
    }
    changed();
  };

  const epPrefix = kindPrefix('WorkloadEndpoint');
  const epWatch = resyncingWatch(
    o.store,
    epPrefix,
    (e) => {
      const name = e.key.slice(epPrefix.length);
      const ep = e.type === 'put' ? parseEndpoint(name, e.value ?? '') : undefined;
      if (e.type === 'put' && !ep)
        log.warn({ key: e.key }, 'workload endpoint is not a document with spec.node; ignored');
      setEndpoint(name, ep);
    },
    { onSynced: onSynced('endpoints') },
  );

  const profPrefix = kindPrefix('Profile');
  const profWatch = resyncingWatch(
    o.store,
    profPrefix,
    (e) => {
      const name = e.key.slice(profPrefix.length);
      const p = e.type === 'put' ? parseProfile(name, e.value ?? '') : undefined;
      if (p?.error)
        log.warn({ profile: name, err: p.error }, 'profile has a bad rule; its endpoints deny all traffic under it');
      desired.setProfile(name, p);
      changed();
    },
    { onSynced: onSynced('profiles') },
  );

  return {
    async stop() {
      epWatch.cancel();
      profWatch.cancel();
      loop.stop();
      await loop.whenIdle();
      await reporter.flush();
      reporter.close();
    },
    status() {
      return { ...st, endpointStates: Object.fromEntries(states) };
    },
    applied() {
      const gen = inputGen;
      if (appliedGen >= gen && synced.size === 2) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ gen, resolve }));
    },
  };
}
