// The node's AS comes from, in order: `asn` (flag or config file), the Node resource's
// spec.bgp.asNumber, BGPConfiguration `default` spec.asNumber, 64512 (contract 6). It is read
// once, at start: the local AS is in every OPEN we sent (RFC 4271 4.2) and decides which
// sessions are iBGP, so changing it means new sessions for every peer. Serious daemons treat it
// as a restart-level change too (FRR refuses `router bgp` with another AS until the instance is
// removed; BIRD restarts each protocol whose local AS changes on `configure`). So the agent
// does not follow it live: this watch notices when the datastore now asks for another AS and
// says so, loudly and once per value, in the log and in /status (`asnPending`), until the
// agent is restarted or the datastore asks for the running AS again.
import { watchResources, type BGPConfigurationSpec, type Datastore, type NodeSpec } from '../datastore';
import type { Logger } from '../observability';

/** BGPConfiguration `default`'s AS when it sets none (contract 6). */
export const DEFAULT_ASN = 64512;

export interface AsnSources {
  /** `asn` from the flags or the config file: it wins over the datastore. */
  readonly configured?: number;
  readonly nodeSpec?: NodeSpec;
  readonly bgpConfig?: BGPConfigurationSpec;
}

/** The AS the node should run with, and where it comes from. */
export function effectiveAsn(s: AsnSources): { asn: number; source: string } {
  if (s.configured !== undefined) return { asn: s.configured, source: 'asn in the flags or config file' };
  const fromNode = s.nodeSpec?.bgp?.asNumber;
  if (fromNode !== undefined) return { asn: fromNode, source: 'the Node resource (spec.bgp.asNumber)' };
  const fromDefault = s.bgpConfig?.asNumber;
  if (fromDefault !== undefined) return { asn: fromDefault, source: 'BGPConfiguration default (spec.asNumber)' };
  return { asn: DEFAULT_ASN, source: `the default ${DEFAULT_ASN}` };
}

export interface AsnWatch {
  /** The AS the datastore asks for now, when it differs from the running one. */
  pending(): number | undefined;
  cancel(): void;
}

/**
 * Follows the node's Node resource and BGPConfiguration `default`; when the AS they give
 * differs from `running`, logs a warning naming both and what to do, and calls `changed`
 * (for a status report). With a configured `asn` the datastore cannot change it: no watch.
 */
export function watchAsn(
  store: Datastore,
  node: string,
  configured: number | undefined,
  running: number,
  logger: Logger,
  changed: () => void = () => undefined,
): AsnWatch {
  if (configured !== undefined) return { pending: () => undefined, cancel: () => undefined };
  let nodeSpec: NodeSpec | undefined;
  let bgpConfig: BGPConfigurationSpec | undefined;
  let synced = 0;
  let pending: number | undefined;
  const check = (): void => {
    // Judge only once both kinds were listed: half a picture could name a false AS.
    if (synced < 2) return;
    const want = effectiveAsn({ nodeSpec, bgpConfig });
    const next = want.asn === running ? undefined : want.asn;
    if (next === pending) return;
    pending = next;
    if (next !== undefined) {
      logger.warn(
        { runningAsn: running, wantedAsn: next, source: want.source },
        `the datastore now gives this node AS ${next} (from ${want.source}) but it runs as AS ${running}: ` +
          'sessions keep the running AS until `vroute node` is restarted (a restart keeps the kernel routes)',
      );
    } else {
      logger.info({ runningAsn: running }, 'the datastore gives the running AS again: no restart needed');
    }
    changed();
  };
  const onSynced = (): void => {
    synced++;
    check();
  };
  const nodes = watchResources(store, 'Node', {
    onUpsert: (r) => {
      if (r.metadata.name !== node) return;
      nodeSpec = r.spec as NodeSpec;
      check();
    },
    onDelete: (name) => {
      if (name !== node) return;
      nodeSpec = undefined;
      check();
    },
    onSynced: once(onSynced),
  });
  const configs = watchResources(store, 'BGPConfiguration', {
    onUpsert: (r) => {
      if (r.metadata.name !== 'default') return;
      bgpConfig = r.spec as BGPConfigurationSpec;
      check();
    },
    onDelete: (name) => {
      if (name !== 'default') return;
      bgpConfig = undefined;
      check();
    },
    onSynced: once(onSynced),
  });
  return {
    pending: () => pending,
    cancel: () => {
      nodes.cancel();
      configs.cancel();
    },
  };
}

/** `fn` on the first call only (a watch reports synced again after every resync). */
function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
