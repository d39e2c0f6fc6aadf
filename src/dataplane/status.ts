// Status reports, as Felix's: one key per local endpoint (`up`, `down` or `error` with the
// reason), written when it changes and deleted with the endpoint, and one per node for the
// dataplane (last apply, failures), latest-wins. Writes are batched into transactions at most
// once per interval. Keys sit under the node's
// status prefix of contract 4 (`/vroute/v1/status/<node>`, which the node agent itself
// holds), one level down so they never collide with it:
//   /vroute/v1/status/<node>/dataplane
//   /vroute/v1/status/<node>/endpoint/<endpoint name>
import type { Datastore, TxnOp } from '../datastore';
import { ROOT } from '../datastore';

export type EndpointState = 'up' | 'down' | 'error';

export interface EndpointStatus {
  state: EndpointState;
  reason?: string;
}

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

/** etcd refuses transactions of more than 128 operations by default (--max-txn-ops). */
const OPS_PER_TXN = 100;

export class StatusReporter {
  private readonly written = new Map<string, string>();
  /** Endpoint key -> value to put, or null to delete; written together at the next flush. */
  private readonly pending = new Map<string, string | null>();
  private nodePending?: NodeDataplaneStatus;
  private chain: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private lastWrite = 0;

  constructor(
    private readonly store: Datastore,
    private readonly node: string,
    private readonly onError: (e: Error) => void,
    private readonly intervalMs = 1000,
  ) {}

  /** Queues the endpoint's status if it changed since the last one queued. */
  endpoint(name: string, s: EndpointStatus): void {
    const body = JSON.stringify({ endpoint: name, node: this.node, state: s.state, reason: s.reason ?? null });
    if (this.written.get(name) === body) return;
    this.written.set(name, body);
    this.pending.set(endpointStatusKey(this.node, name), body);
    this.schedule();
  }

  endpointGone(name: string): void {
    if (!this.written.delete(name)) return;
    this.pending.set(endpointStatusKey(this.node, name), null);
    this.schedule();
  }

  /** Latest wins. */
  nodeStatus(s: NodeDataplaneStatus): void {
    this.nodePending = s;
    this.schedule();
  }

  /** Writes what is queued and waits for every write. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.write();
    await this.chain;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** At most one batch per interval: thousands of endpoints coming up are a few transactions. */
  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastWrite + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.write();
    }, wait);
  }

  private write(): void {
    const updated = new Date().toISOString();
    const ops: TxnOp[] = [];
    for (const [key, body] of this.pending) {
      ops.push(
        body === null
          ? { type: 'delete', key }
          : { type: 'put', key, value: JSON.stringify({ ...(JSON.parse(body) as object), updated }) },
      );
    }
    this.pending.clear();
    if (this.nodePending) {
      ops.push({
        type: 'put',
        key: dataplaneStatusKey(this.node),
        value: JSON.stringify({ ...this.nodePending, updated }),
      });
      this.nodePending = undefined;
    }
    if (ops.length === 0) return;
    this.lastWrite = Date.now();
    for (let i = 0; i < ops.length; i += OPS_PER_TXN) {
      const batch = ops.slice(i, i + OPS_PER_TXN);
      // One write at a time, in order, so an endpoint's `up` never lands after its delete.
      this.chain = this.chain
        .then(() => this.store.txn([], batch))
        .then(
          () => undefined,
          (e: Error) => this.onError(e),
        );
    }
  }
}
