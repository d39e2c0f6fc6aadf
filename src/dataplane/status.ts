// Status reports, as Felix's: one key per local endpoint (`up`, `down` or `error` with the
// reason), written when it changes and deleted with the endpoint, and one per node for the
// dataplane (last apply, failures), latest-wins and throttled. Keys sit under the node's
// status prefix of contract 4 (`/vroute/v1/status/<node>`, which the node agent itself
// holds), one level down so they never collide with it:
//   /vroute/v1/status/<node>/dataplane
//   /vroute/v1/status/<node>/endpoint/<endpoint name>
import type { Datastore } from '../datastore';
import { ROOT } from '../datastore';

export type EndpointState = 'up' | 'down' | 'error';

export interface EndpointStatus { state: EndpointState; reason?: string }

export interface NodeDataplaneStatus {
  node: string;
  /** ISO time of the last apply that succeeded, null before the first. */
  lastApply: string | null;
  lastApplyMs: number | null;
  applies: number;
  /** Failed applies since start, and in a row now. */
  failures: number;
  consecutiveFailures: number;
  lastError: string | null;
  endpoints: { up: number; down: number; error: number };
}

export function dataplaneStatusKey(node: string): string {
  return `${ROOT}status/${node}/dataplane`;
}

export function endpointStatusKey(node: string, endpoint: string): string {
  return `${ROOT}status/${node}/endpoint/${endpoint}`;
}

export class StatusReporter {
  private readonly written = new Map<string, string>();
  private chain: Promise<void> = Promise.resolve();
  private nodeTimer?: NodeJS.Timeout;
  private nodePending?: NodeDataplaneStatus;
  private lastNodeWrite = 0;

  constructor(
    private readonly store: Datastore, private readonly node: string,
    private readonly onError: (e: Error) => void, private readonly nodeIntervalMs = 1000,
  ) {}

  /** Writes the endpoint's status if it changed since the last write. */
  endpoint(name: string, s: EndpointStatus): void {
    const body = JSON.stringify({ endpoint: name, node: this.node, state: s.state, reason: s.reason ?? null });
    if (this.written.get(name) === body) return;
    this.written.set(name, body);
    const value = JSON.stringify({ ...JSON.parse(body) as object, updated: new Date().toISOString() });
    this.enqueue(() => this.store.put(endpointStatusKey(this.node, name), value));
  }

  endpointGone(name: string): void {
    if (!this.written.delete(name)) return;
    this.enqueue(() => this.store.delete(endpointStatusKey(this.node, name)));
  }

  /** Latest wins; written at most once per interval. */
  nodeStatus(s: NodeDataplaneStatus): void {
    this.nodePending = s;
    if (this.nodeTimer) return;
    const wait = Math.max(0, this.lastNodeWrite + this.nodeIntervalMs - Date.now());
    this.nodeTimer = setTimeout(() => { this.nodeTimer = undefined; this.writeNode(); }, wait);
    this.nodeTimer.unref?.();
  }

  /** Writes what is queued and waits for every write. */
  async flush(): Promise<void> {
    if (this.nodeTimer) { clearTimeout(this.nodeTimer); this.nodeTimer = undefined; this.writeNode(); }
    await this.chain;
  }

  close(): void {
    if (this.nodeTimer) clearTimeout(this.nodeTimer);
    this.nodeTimer = undefined;
  }

  private writeNode(): void {
    const s = this.nodePending;
    if (!s) return;
    this.nodePending = undefined;
    this.lastNodeWrite = Date.now();
    const value = JSON.stringify({ ...s, updated: new Date().toISOString() });
    this.enqueue(() => this.store.put(dataplaneStatusKey(this.node), value));
  }

  private enqueue(op: () => Promise<unknown>): void {
    // One write at a time, in order, so an endpoint's `up` never lands after its delete.
    this.chain = this.chain.then(op).then(() => undefined, (e: Error) => this.onError(e));
  }
}
