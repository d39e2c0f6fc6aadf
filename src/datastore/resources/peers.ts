// The BGP peers a speaker should have, from BGPPeer, Node and BGPConfiguration resources:
// - a BGPPeer with spec.node applies to that node only, with spec.nodeSelector to nodes whose
//   labels match, with neither to every speaker (nodes and reflectors);
// - a BGPPeer with spec.peerSelector expands to one peer per matching Node or registered
//   reflector (/vroute/v1/reflector/<name>, with its labels and addresses), which is how
//   reflector meshes and RR-client sets are written: nodes find live reflectors by label;
// - with the node-to-node mesh on (BGPConfiguration "default", on unless set false), every
//   other Node with a BGP address is a peer too; explicit BGPPeers win over mesh entries;
// - with the mesh off, a node agent (DESIGN 6) peers with every registered reflector instead
//   (`reflectorsWhenMeshOff`; a reflector itself does not: its own meshes are BGPPeers).
// `PeerSource` keeps this answer current from a watch and reports differences, debounced.
import type { Datastore, WatchEvent } from '../store';
import { resyncingWatch } from '../resync';
import { decodeStored } from './documents';
import { parseSelector, type Labels } from './selector';
import { ipVersion } from '../../net';
import {
  API_VERSION,
  type BGPConfigurationSpec,
  type BGPPeerSpec,
  kindPrefix,
  type NodeSpec,
  type Resource,
  ROOT,
} from './types';

const REFLECTORS = `${ROOT}reflector/`;

export interface EffectivePeer {
  /** Stable identity: the peer address (one session per address). */
  peerIP: string;
  asNumber: number;
  /** Where it came from: `bgppeer/NAME` or `mesh/NODE`. */
  source: string;
  password?: string;
  ttlSecurity?: number;
  localAddress?: string;
  holdTime?: number;
  keepaliveTime?: number;
  maxPrefixes?: number;
  routeReflectorClient: boolean;
  passive: boolean;
  /** TCP port to connect to (BGPPeer spec.port); absent: 179. */
  port?: number;
}

export interface PeerInputs {
  peers: Resource[];
  nodes: Resource[];
  config?: Resource;
  /** Live reflector registrations, as Node-shaped resources (matched by peerSelector only). */
  reflectors?: Resource[];
}

/** A reflector registration record (registration.ts) as a Node-shaped resource, or undefined. */
export function reflectorAsNode(value: string): Resource | undefined {
  let r: { name?: unknown; asn?: unknown; addresses?: unknown; labels?: unknown };
  try {
    r = JSON.parse(value) as typeof r;
  } catch {
    return undefined;
  }
  if (typeof r.name !== 'string') return undefined;
  const addrs = Array.isArray(r.addresses) ? r.addresses.filter((a): a is string => typeof a === 'string') : [];
  const bgp: Record<string, unknown> = {};
  const v4 = addrs.find((a) => ipVersion(a) === 4);
  const v6 = addrs.find((a) => ipVersion(a) === 6);
  if (v4) bgp.ipv4Address = v4;
  if (v6) bgp.ipv6Address = v6;
  if (typeof r.asn === 'number') bgp.asNumber = r.asn;
  const labels = typeof r.labels === 'object' && r.labels !== null ? (r.labels as Record<string, string>) : {};
  return { apiVersion: API_VERSION, kind: 'Node', metadata: { name: r.name, labels }, spec: { bgp } };
}

function nodeAddresses(n: Resource): string[] {
  const b = (n.spec as NodeSpec).bgp;
  return [b?.ipv4Address, b?.ipv6Address].filter((x): x is string => typeof x === 'string');
}

export interface ComputeOptions {
  /** With the mesh off, peer with every registered reflector (a node agent, DESIGN 6). */
  reflectorsWhenMeshOff?: boolean;
}

/** The pure computation behind peersForNode, sorted by peerIP. */
export function computePeers(
  inputs: PeerInputs,
  nodeName: string,
  labels: Labels,
  opts: ComputeOptions = {},
): EffectivePeer[] {
  const cfg = (inputs.config?.spec ?? {}) as BGPConfigurationSpec;
  const defaultAs = cfg.asNumber ?? 64512;
  const nodeAs = (n: Resource) => (n.spec as NodeSpec).bgp?.asNumber ?? defaultAs;
  const self = inputs.nodes.find((n) => n.metadata.name === nodeName);
  const own = new Set(self ? nodeAddresses(self) : []);
  const out = new Map<string, EffectivePeer>();
  const sorted = [...inputs.peers].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  for (const p of sorted) {
    const s = p.spec as unknown as BGPPeerSpec;
    if (s.node !== undefined && s.node !== nodeName) continue;
    if (s.nodeSelector !== undefined && !parseSelector(s.nodeSelector)(labels)) continue;
    const base = {
      source: `bgppeer/${p.metadata.name}`,
      password: s.password,
      ttlSecurity: s.ttlSecurity,
      localAddress: s.localAddress,
      holdTime: s.holdTime,
      keepaliveTime: s.keepaliveTime,
      maxPrefixes: s.maxPrefixes,
      routeReflectorClient: s.routeReflectorClient ?? false,
      passive: s.passive ?? false,
      port: s.port,
    };
    const targets: Array<{ ip: string; as: number }> = [];
    if (s.peerSelector !== undefined) {
      const sel = parseSelector(s.peerSelector);
      for (const n of [...inputs.nodes, ...(inputs.reflectors ?? [])]) {
        if (n.metadata.name === nodeName || !sel(n.metadata.labels ?? {})) continue;
        for (const ip of nodeAddresses(n)) targets.push({ ip, as: s.asNumber ?? nodeAs(n) });
      }
    } else {
      targets.push({ ip: s.peerIP, as: s.asNumber });
    }
    for (const t of targets) {
      if (own.has(t.ip) || out.has(t.ip)) continue; // never peer with ourselves; first name wins
      out.set(t.ip, strip({ peerIP: t.ip, asNumber: t.as, ...base }));
    }
  }
  if (cfg.nodeToNodeMesh !== false) {
    for (const n of inputs.nodes) {
      if (n.metadata.name === nodeName) continue;
      for (const ip of nodeAddresses(n)) {
        if (own.has(ip) || out.has(ip)) continue;
        out.set(ip, {
          peerIP: ip,
          asNumber: nodeAs(n),
          source: `mesh/${n.metadata.name}`,
          routeReflectorClient: false,
          passive: false,
        });
      }
    }
  } else if (opts.reflectorsWhenMeshOff) {
    // The reflectors are not our clients (we are theirs): a plain iBGP session to each, in
    // the reflector's registered AS (normally the cluster's, so iBGP).
    for (const r of inputs.reflectors ?? []) {
      if (r.metadata.name === nodeName) continue;
      for (const ip of nodeAddresses(r)) {
        if (own.has(ip) || out.has(ip)) continue;
        out.set(ip, {
          peerIP: ip,
          asNumber: nodeAs(r),
          source: `reflector/${r.metadata.name}`,
          routeReflectorClient: false,
          passive: false,
        });
      }
    }
  }
  return [...out.values()].sort((a, b) => (a.peerIP < b.peerIP ? -1 : 1));
}

function strip(p: EffectivePeer): EffectivePeer {
  for (const k of Object.keys(p) as (keyof EffectivePeer)[]) if (p[k] === undefined) delete p[k];
  return p;
}

async function readInputs(store: Datastore): Promise<PeerInputs> {
  const [peers, nodes, configs, rrs] = await Promise.all(
    ['bgppeer', 'node', 'bgpconfig', 'reflector'].map((k) => store.list(`${ROOT}${k}/`)),
  );
  return {
    peers: peers!.items.map((kv) => decodeStored('BGPPeer', kv.key, kv.value, kv.revision)),
    nodes: nodes!.items.map((kv) => decodeStored('Node', kv.key, kv.value, kv.revision)),
    reflectors: rrs!.items.map((kv) => reflectorAsNode(kv.value)).filter((r): r is Resource => r !== undefined),
    config: configs!.items
      .filter((kv) => kv.key.endsWith('/default'))
      .map((kv) => decodeStored('BGPConfiguration', kv.key, kv.value, kv.revision))[0],
  };
}

/** The effective peers of speaker `nodeName`; labels default to its Node resource's labels. */
export async function peersForNode(
  store: Datastore,
  nodeName: string,
  labels?: Labels,
  opts: ComputeOptions = {},
): Promise<EffectivePeer[]> {
  const inputs = await readInputs(store);
  const own = labels ?? inputs.nodes.find((n) => n.metadata.name === nodeName)?.metadata.labels ?? {};
  return computePeers(inputs, nodeName, own, opts);
}

export interface PeerChanges {
  added: EffectivePeer[];
  changed: EffectivePeer[];
  removed: EffectivePeer[];
}

export interface PeerSourceOptions extends ComputeOptions {
  /** Speaker labels; default: its Node resource's labels (followed live). */
  labels?: Labels;
  debounceMs?: number; // default 200 (always < 1 s)
  /** A resource that fails to decode is skipped; this hears about it. */
  onInvalid?: (key: string, err: Error) => void;
  /**
   * An exception from the recompute or from onChange (it runs from a timer, where it would
   * end the process). Default: printed to stderr. The next change recomputes again.
   */
  onError?: (err: unknown) => void;
  /**
   * How long a deleted reflector registration still counts (default 30000 ms): a reflector
   * whose lease lapsed (a partition from the store) writes the same record again when it can,
   * and its sessions should not be torn down meanwhile. A dead reflector's sessions end by
   * their own hold timer anyway.
   */
  reflectorGraceMs?: number;
}

function printError(err: unknown): void {
  process.stderr.write(
    `vroute: internal error computing peers: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
}

/**
 * Watches BGPPeer, Node and BGPConfiguration and reports the speaker's peer set as it changes:
 * the first report has every peer as `added`; later ones only differences. Debounced, so a
 * burst of edits (an `apply -f` of many documents) becomes one report.
 */
export class PeerSource {
  private readonly raw = new Map<string, Resource>();
  private current = new Map<string, EffectivePeer>();
  private timer?: NodeJS.Timeout;
  private readonly watches: Array<{ cancel(): void }> = [];
  /** Reflector registrations deleted but still within reflectorGraceMs, by key. */
  private readonly fading = new Map<string, NodeJS.Timeout>();
  private synced = 0;

  constructor(
    store: Datastore,
    private readonly nodeName: string,
    private readonly onChange: (c: PeerChanges) => void,
    private readonly opts: PeerSourceOptions = {},
  ) {
    const kinds = [
      ['BGPPeer', kindPrefix('BGPPeer')],
      ['Node', kindPrefix('Node')],
      ['BGPConfiguration', kindPrefix('BGPConfiguration')],
      ['reflector', REFLECTORS],
    ] as const;
    for (const [kind, prefix] of kinds) {
      this.watches.push(
        resyncingWatch(
          store,
          prefix,
          (e: WatchEvent) => {
            const fade = this.fading.get(e.key);
            if (fade) {
              clearTimeout(fade);
              this.fading.delete(e.key);
            }
            if (
              e.type === 'delete' &&
              kind === 'reflector' &&
              this.raw.has(e.key) &&
              (this.opts.reflectorGraceMs ?? 30_000) > 0
            ) {
              const t = setTimeout(() => {
                this.fading.delete(e.key);
                this.raw.delete(e.key);
                this.schedule();
              }, this.opts.reflectorGraceMs ?? 30_000);
              t.unref();
              this.fading.set(e.key, t);
              return;
            }
            if (e.type === 'delete') this.raw.delete(e.key);
            else if (kind === 'reflector') {
              const r = reflectorAsNode(e.value ?? '');
              if (r) this.raw.set(e.key, r);
              else this.raw.delete(e.key);
            } else {
              try {
                this.raw.set(e.key, decodeStored(kind, e.key, e.value ?? '', e.revision));
              } catch (err) {
                this.raw.delete(e.key);
                this.opts.onInvalid?.(e.key, err as Error);
              }
            }
            this.schedule();
          },
          {
            onSynced: () => {
              this.synced++;
              this.schedule();
            },
          },
        ),
      );
    }
  }

  peers(): EffectivePeer[] {
    return [...this.current.values()];
  }

  cancel(): void {
    for (const w of this.watches) w.cancel();
    for (const t of this.fading.values()) clearTimeout(t);
    this.fading.clear();
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.synced < 4 || this.timer) return; // the first report waits for all four lists
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        try {
          this.recompute();
        } catch (e) {
          (this.opts.onError ?? printError)(e);
        }
      },
      Math.min(this.opts.debounceMs ?? 200, 900),
    );
  }

  private recompute(): void {
    const all = [...this.raw.entries()];
    const of = (prefix: string) => all.filter(([k]) => k.startsWith(prefix)).map(([, r]) => r);
    const nodes = of(kindPrefix('Node'));
    const inputs: PeerInputs = {
      peers: of(kindPrefix('BGPPeer')),
      nodes,
      reflectors: of(REFLECTORS),
      config: this.raw.get(kindPrefix('BGPConfiguration') + 'default'),
    };
    const labels = this.opts.labels ?? nodes.find((n) => n.metadata.name === this.nodeName)?.metadata.labels ?? {};
    const next = new Map(computePeers(inputs, this.nodeName, labels, this.opts).map((p) => [p.peerIP, p]));
    const changes: PeerChanges = { added: [], changed: [], removed: [] };
    for (const [ip, p] of next) {
      const old = this.current.get(ip);
      if (!old) changes.added.push(p);
      else if (JSON.stringify(old) !== JSON.stringify(p)) changes.changed.push(p);
    }
    for (const [ip, p] of this.current) if (!next.has(ip)) changes.removed.push(p);
    const first = !this.reported; // the first report goes out even when empty
    this.current = next;
    if (first || changes.added.length + changes.changed.length + changes.removed.length > 0) {
      this.reported = true;
      this.onChange(changes);
    }
  }

  private reported = false;
}
