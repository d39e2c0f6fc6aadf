// The one key-value interface every role uses (contract 4). Shaped after etcd v3: a global
// revision that every write bumps, per-key create/mod revisions, compare-and-swap by mod
// revision, watches that start at a revision, and leases for liveness.

export interface KeyValue {
  key: string;
  value: string;
  /** The store revision of this key's last write (etcd's mod_revision). */
  revision: number;
  /** The store revision that created this key (etcd's create_revision). */
  createRevision: number;
  lease?: string;
}

export interface ListResult {
  items: KeyValue[];
  /** The store revision the list was read at: watch from revision + 1 to miss nothing. */
  revision: number;
}

export interface PutOptions {
  /** Compare-and-swap: the key's current mod revision must equal this; 0 = must not exist. */
  expectRevision?: number;
  lease?: Lease;
}

export interface DeleteOptions {
  expectRevision?: number;
}

export type Compare = { key: string; revision: number }; // 0 = key must not exist

export type TxnOp = { type: 'put'; key: string; value: string; lease?: Lease } | { type: 'delete'; key: string };

export interface WatchEvent {
  type: 'put' | 'delete';
  key: string;
  value?: string;
  revision: number;
}

export interface Watch {
  cancel(): void;
}

/** Called when a watch cannot go on by itself (compacted revision, lost stream). */
export type WatchErrorHandler = (err: DatastoreError) => void;

export interface Lease {
  readonly id: string;
  /** Refreshes the TTL once; the lease also refreshes itself every ttl/3 until revoked. */
  keepAlive(): Promise<void>;
  revoke(): Promise<void>;
  /** Set when the lease expired or was revoked (its keys are gone). */
  onLost(cb: () => void): void;
}

export interface Datastore {
  /** embedded: the host's shared file; memory: private to this process; etcd: a cluster. */
  readonly kind: 'embedded' | 'memory' | 'etcd';
  get(key: string): Promise<KeyValue | undefined>;
  list(prefix: string): Promise<ListResult>;
  /** Returns the new store revision; throws DatastoreError 'conflict' when expectRevision fails. */
  put(key: string, value: string, opts?: PutOptions): Promise<number>;
  /** Returns true when a key was deleted; 'conflict' when expectRevision fails. */
  delete(key: string, opts?: DeleteOptions): Promise<boolean>;
  /** All compares hold -> all ops applied at one revision (returned); else 'conflict', nothing applied. */
  txn(compares: Compare[], ops: TxnOp[]): Promise<number>;
  /**
   * Events for keys under prefix with revision >= fromRevision, in revision order. A too-old
   * fromRevision reports a 'compacted' error through onError (etcd's behaviour).
   */
  watch(prefix: string, fromRevision: number, onEvent: (e: WatchEvent) => void, onError?: WatchErrorHandler): Watch;
  grant(ttlSeconds: number): Promise<Lease>;
  close(): Promise<void>;
}

export type DatastoreErrorCode = 'conflict' | 'compacted' | 'unavailable' | 'invalid' | 'lost';

/** A datastore failure. `expose` lets the CLI print it as one line (src/cli/run.ts). */
export class DatastoreError extends Error {
  readonly expose = true;
  constructor(
    readonly code: DatastoreErrorCode,
    message: string,
    readonly compactRevision?: number,
  ) {
    super(message);
    this.name = 'DatastoreError';
  }
  static conflict(key: string): DatastoreError {
    return new DatastoreError('conflict', `datastore: revision conflict on ${key}`);
  }
}

export function isConflict(e: unknown): boolean {
  return e instanceof DatastoreError && e.code === 'conflict';
}

/** Retries a compare-and-swap body on conflict (bounded), the usual etcd read-modify-write loop. */
export async function withCasRetry<T>(body: () => Promise<T>, attempts = 200): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await body();
    } catch (e) {
      if (!isConflict(e) || i >= attempts) throw e;
      // Random back-off so contending processes spread out instead of colliding in lockstep.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 + i * 2)));
    }
  }
}
