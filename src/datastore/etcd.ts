// The etcd v3 datastore, on the `etcd3` package. Reads and writes use the raw KV RPCs so that
// every put/delete is a Txn whose compares are exactly our expectRevision checks (etcd's
// compare on mod_revision: an absent key compares as 0, which gives "must not exist").
// Watches ride on etcd3's watcher, which reconnects by itself after a lost stream and resumes
// at its last seen revision; a compacted revision ends the watch with an error, which
// `resyncingWatch` (resync.ts) turns into a fresh list plus the real differences.
// Types only at load time: etcd3 (grpc-js, protobufjs) costs ~22 MiB of RSS, so it is
// required when an etcd:// datastore is opened, not by every process that imports src/datastore.
import type { Etcd3, IOptions, ITxnResponse, Lease as EtcdLease } from 'etcd3';
import {
  type Compare,
  type Datastore,
  DatastoreError,
  type KeyValue,
  type Lease,
  type ListResult,
  type TxnOp,
  type Watch,
  type WatchErrorHandler,
  type WatchEvent,
} from './store';
import { EtcdWrites, type TxnAnswer } from './etcd-writes';

export interface EtcdOptions {
  endpoints: string[];
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  auth?: { username: string; password: string };
  /** Per-call deadline in ms, so a dead cluster gives an error instead of a hang (default 5000). */
  timeoutMs?: number;
}

/** The byte after every key with this prefix: etcd's range_end for a prefix scan. */
function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      const end = Buffer.from(b.subarray(0, i + 1));
      end[i]! += 1;
      return end;
    }
  }
  return Buffer.from([0]); // all 0xff: to the end of the keyspace
}

function unavailable(e: unknown): DatastoreError {
  if (e instanceof DatastoreError) return e;
  // gRPC appends a "Resolution note" and more; the first sentence is the useful part.
  const msg = String((e as Error).message ?? e).split(/\.? Resolution note|\n/)[0];
  return new DatastoreError('unavailable', `datastore: etcd: ${msg}`);
}

export class EtcdDatastore extends EtcdWrites implements Datastore {
  readonly kind = 'etcd' as const;
  readonly client: Etcd3;
  private readonly callOpts: () => { deadline: Date };
  private leases = new Set<EtcdLease>();

  constructor(opts: EtcdOptions) {
    super();
    const o: IOptions = {
      hosts: opts.endpoints.map((h) => (h.includes('://') ? h : `${opts.tls ? 'https' : 'http'}://${h}`)),
    };
    if (opts.tls?.ca)
      o.credentials = { rootCertificate: opts.tls.ca, privateKey: opts.tls.key, certChain: opts.tls.cert };
    if (opts.auth) o.auth = { username: opts.auth.username, password: opts.auth.password };
    // etcd3's default fault handling retries a failed call on another endpoint (3 tries)
    // and breaks the circuit to a dead host, which is what a cluster losing a member needs.
    o.dialTimeout = 2000;
    const etcd3 = require('etcd3') as typeof import('etcd3');
    this.client = new etcd3.Etcd3(o);
    const ms = opts.timeoutMs ?? 5000;
    this.callOpts = () => ({ deadline: new Date(Date.now() + ms) });
  }

  async get(key: string): Promise<KeyValue | undefined> {
    try {
      const res = await this.client.kv.range({ key: Buffer.from(key) }, this.callOpts());
      const kv = res.kvs[0];
      return kv ? toKeyValue(kv) : undefined;
    } catch (e) {
      throw unavailable(e);
    }
  }

  async list(prefix: string): Promise<ListResult> {
    try {
      const res = await this.client.kv.range(
        { key: Buffer.from(prefix), range_end: prefixEnd(prefix) },
        this.callOpts(),
      );
      return { items: res.kvs.map(toKeyValue), revision: Number(res.header.revision) };
    } catch (e) {
      throw unavailable(e);
    }
  }

  protected async rawTxn(compares: Compare[], ops: TxnOp[]): Promise<TxnAnswer> {
    let res: ITxnResponse;
    try {
      res = await this.client.kv.txn(
        {
          compare: compares.map((c) => ({
            key: Buffer.from(c.key),
            target: 'Mod' as const,
            result: 'Equal' as const,
            mod_revision: String(c.revision),
          })),
          success: ops.map((op) =>
            op.type === 'put'
              ? { request_put: { key: Buffer.from(op.key), value: Buffer.from(op.value), lease: op.lease?.id ?? '0' } }
              : { request_delete_range: { key: Buffer.from(op.key) } },
          ),
          failure: [],
        },
        this.callOpts(),
      );
    } catch (e) {
      throw unavailable(e);
    }
    if (!res.succeeded) {
      const bad = compares.map((c) => c.key).join(', ');
      throw DatastoreError.conflict(bad);
    }
    return {
      revision: Number(res.header.revision),
      deleted: Number(res.responses[0]?.response_delete_range?.deleted ?? 0),
    };
  }

  watch(prefix: string, fromRevision: number, onEvent: (e: WatchEvent) => void, onError?: WatchErrorHandler): Watch {
    let cancelled = false;
    const builder = this.client.watch().prefix(prefix);
    if (fromRevision > 0) builder.startRevision(String(fromRevision));
    const watcher = builder.watcher();
    let next = fromRevision; // the first revision we have not delivered
    watcher.on('data', (res) => {
      if (cancelled) return;
      if (res.compact_revision && Number(res.compact_revision) > 0 && res.canceled) return; // reported via 'error'
      for (const ev of res.events) {
        const key = ev.kv.key.toString();
        const revision = Number(ev.kv.mod_revision);
        // Only delivered events move `next`: a catching-up watch's header revision runs ahead.
        next = Math.max(next, revision + 1);
        if (ev.type === 'Put') onEvent({ type: 'put', key, value: ev.kv.value.toString(), revision });
        else onEvent({ type: 'delete', key, revision });
      }
    });
    // etcd3 resumes a lost stream from the header revision of the last response + 1, and a
    // catching-up watch's header runs ahead of the events it has delivered: a stream lost
    // between the 'created' answer and the catch-up events would skip them. Resume from the
    // first revision not delivered instead (a repeat of an event is harmless: consumers drop
    // anything not newer than what they hold).
    watcher.on('disconnected', () => {
      if (next > 0) watcher.request.start_revision = String(next);
    });
    watcher.on('error', (err) => {
      if (cancelled) return;
      cancelled = true;
      void watcher.cancel().catch(() => undefined);
      // etcd 3.4 cancels a watch on a compacted revision with an empty cancel_reason (the
      // revision is in a field etcd3 does not pass on), so ask etcd: a read at the revision
      // the watch wanted fails with "required revision has been compacted" exactly then.
      const msg = String(err.message ?? err);
      const want = next;
      const report = (code: 'compacted' | 'lost') =>
        onError?.(
          new DatastoreError(
            code,
            `datastore: etcd watch on ${prefix} from ${want}: ${code === 'compacted' ? 'revision compacted' : msg}`,
          ),
        );
      if (/compact/i.test(msg)) {
        report('compacted');
        return;
      }
      if (want <= 0) {
        report('lost');
        return;
      }
      this.client.kv.range({ key: Buffer.from(prefix), revision: String(want), limit: 1 }, this.callOpts()).then(
        () => report('lost'),
        (e: Error) => report(/compact/i.test(String(e.message)) ? 'compacted' : 'lost'),
      );
    });
    return {
      cancel: () => {
        if (cancelled) return;
        cancelled = true;
        void watcher.cancel().catch(() => undefined);
      },
    };
  }

  async grant(ttlSeconds: number): Promise<Lease> {
    // etcd3 keeps the lease alive by itself (every ttl/3) and emits 'lost' when it cannot.
    const l = this.client.lease(ttlSeconds, { autoKeepAlive: true });
    let id: string;
    try {
      id = await l.grant();
    } catch (e) {
      throw unavailable(e);
    }
    this.leases.add(l);
    const lost: Array<() => void> = [];
    l.on('lost', () => {
      for (const cb of lost) cb();
    });
    return {
      id,
      keepAlive: async () => {
        try {
          await l.keepaliveOnce();
        } catch (e) {
          throw new DatastoreError('lost', `datastore: lease ${id}: ${(e as Error).message}`);
        }
      },
      revoke: async () => {
        this.leases.delete(l);
        await l.revoke().catch(() => undefined);
      },
      onLost: (cb) => {
        lost.push(cb);
      },
    };
  }

  /** etcd's compaction (tests and maintenance): history before `revision` is dropped. */
  async compact(revision: number): Promise<void> {
    await this.client.kv.compact({ revision: String(revision), physical: true }, this.callOpts());
  }

  async close(): Promise<void> {
    for (const l of this.leases) l.release();
    this.leases.clear();
    this.client.close();
  }
}

function toKeyValue(kv: {
  key: Buffer;
  value: Buffer;
  mod_revision: string;
  create_revision: string;
  lease: string;
}): KeyValue {
  const out: KeyValue = {
    key: kv.key.toString(),
    value: kv.value.toString(),
    revision: Number(kv.mod_revision),
    createRevision: Number(kv.create_revision),
  };
  if (kv.lease && kv.lease !== '0') out.lease = kv.lease;
  return out;
}
