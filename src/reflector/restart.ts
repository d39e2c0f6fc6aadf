// Did this reflector restart without saying goodbye, and who were its peers? Its
// registration (contract 4, reflector/<name>) lives under a lease: a clean stop revokes it, a
// crash leaves it until the lease runs out. Found at start, it means our clients (RFC 4724
// helpers, to whom we advertised the F bit) still hold our routes, so route selection is
// deferred (4.1) until the peers that were Established in our last status/<name> record
// (dynamic neighbors included, which no configuration names) sent End-of-RIB.
import { reflectorKey, statusKey, type Datastore } from '../datastore';

/** RFC 4724 4.1 Selection_Deferral_Timer for a restarted reflector. */
export const SELECTION_DEFERRAL_MS = 60_000;

export interface RestartState {
  /** Peers Established when we went away: the deferral waits for their End-of-RIB. */
  peers: string[];
}

/**
 * How long start-up waits for the datastore's answer. Generous: a wrong "clean start" verdict
 * (the answer came late, under load or with a slow etcd) sends End-of-RIB to the first client
 * back before the others' routes, and helpers then drop stale routes still in use.
 */
export const RESTART_STATE_WAIT_MS = 10_000;

/**
 * Our state from a previous life, if it outlived us; undefined: a clean start, or no answer
 * within `waitMs` (`onTimeout` is told, so the operator sees why no deferral happened).
 */
export async function restartState(
  store: Datastore,
  name: string,
  onTimeout: () => void = () => {},
  waitMs = RESTART_STATE_WAIT_MS,
): Promise<RestartState | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((r) => {
    timer = setTimeout(() => {
      onTimeout();
      r(undefined);
    }, waitMs);
  });
  const ask = async (): Promise<RestartState | undefined> => {
    if (!(await store.get(reflectorKey(name)))) return undefined;
    const status = await store.get(statusKey(name));
    let peers: string[] = [];
    try {
      const doc = status
        ? (JSON.parse(status.value) as { status?: { sessions?: Array<{ peer?: unknown; state?: unknown }> } })
        : undefined;
      peers = (doc?.status?.sessions ?? [])
        .filter((s) => s.state === 'Established' && typeof s.peer === 'string')
        .map((s) => s.peer as string);
    } catch {
      // An unreadable record: no peer list, the deferral ends by its timer or at once.
    }
    return { peers };
  };
  try {
    return await Promise.race([ask().catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
