// etcd v3 for short-lived commands (the CNI plugin): the same keys and the same
// compare-and-swap semantics as etcd.ts, spoken through etcd's JSON gateway (the gRPC API as
// HTTP/1.1 + JSON: POST /v3/kv/range and /v3/kv/txn, keys and values base64, int64 as
// strings, zero values omitted) over node:http. Why: `etcd3` (grpc-js, protobufjs compiling
// .proto files at load) takes 0.5-1.5 s to require on our 2-core machines, more than a whole
// `vroute-cni ADD` may take. Daemons keep etcd.ts: they need watches and kept-alive leases,
// which this client does not offer (watch and grant fail with 'invalid').
import * as http from 'node:http';
import * as https from 'node:https';
import {
  type Compare,
  type Datastore,
  DatastoreError,
  type KeyValue,
  type Lease,
  type ListResult,
  type TxnOp,
  type Watch,
  type WatchEvent,
} from './store';
import { EtcdWrites, type TxnAnswer } from './etcd-writes';
import type { EtcdOptions } from './etcd';

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined): string => (s ? Buffer.from(s, 'base64').toString('utf8') : '');

/** The byte string after every key with this prefix: etcd's range_end for a prefix scan. */
function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      const end = Buffer.from(b.subarray(0, i + 1));
      end[i]! += 1;
      return end;
    }
  }
  return Buffer.from([0]);
}

interface GwKv {
  key?: string;
  value?: string;
  mod_revision?: string;
  create_revision?: string;
  lease?: string;
}
interface GwHeader {
  header?: { revision?: string };
}
type GwRange = GwHeader & { kvs?: GwKv[] };
type GwTxn = GwHeader & {
  succeeded?: boolean;
  responses?: Array<{ response_delete_range?: { deleted?: string } }>;
};

function toKeyValue(kv: GwKv): KeyValue {
  const out: KeyValue = {
    key: unb64(kv.key),
    value: unb64(kv.value),
    revision: Number(kv.mod_revision ?? 0),
    createRevision: Number(kv.create_revision ?? 0),
  };
  if (kv.lease && kv.lease !== '0') out.lease = kv.lease;
  return out;
}

/** A failure to reach etcd or an error it answered: one line, no stack. */
class GatewayFailure extends Error {
  constructor(
    message: string,
    /** Worth trying the next endpoint (no answer at all, or etcd is not ready). */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export class EtcdGatewayDatastore extends EtcdWrites implements Datastore {
  readonly kind = 'etcd' as const;
  private readonly bases: URL[];
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private token: Promise<string | undefined> | undefined;
  /** The endpoint that answered last: the next call starts there. */
  private current = 0;

  constructor(private readonly opts: EtcdOptions) {
    super();
    const tls = !!opts.tls;
    this.bases = opts.endpoints.map((h) => new URL(h.includes('://') ? h : `${tls ? 'https' : 'http'}://${h}`));
    // One kept-alive connection for the few calls a command makes (an ADD makes about ten).
    this.agent = tls
      ? new https.Agent({ keepAlive: true, maxSockets: 4, ca: opts.tls!.ca, cert: opts.tls!.cert, key: opts.tls!.key })
      : new http.Agent({ keepAlive: true, maxSockets: 4 });
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  private post<T>(base: URL, path: string, body: unknown, token?: string): Promise<T> {
    const text = JSON.stringify(body);
    const mod = base.protocol === 'https:' ? https : http;
    return new Promise<T>((resolve, reject) => {
      const req = mod.request(
        {
          host: base.hostname.replace(/^\[|\]$/g, ''),
          port: base.port,
          path,
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(text),
            ...(token ? { authorization: token } : {}),
          },
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(new GatewayFailure(e.message, true)));
          res.on('end', () => {
            let json: { error?: string; message?: string } & Record<string, unknown>;
            try {
              json = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
            } catch {
              reject(new GatewayFailure(`${path}: HTTP ${res.statusCode}, not JSON`, true));
              return;
            }
            if (res.statusCode !== 200 || json.error !== undefined) {
              const msg = String(json.message ?? json.error ?? `HTTP ${res.statusCode}`);
              // 503 and "not ready" answers come from a member without a leader: try another.
              reject(new GatewayFailure(msg, res.statusCode === 503 || /no leader|not ready|timed out/i.test(msg)));
              return;
            }
            resolve(json as T);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (e) => reject(new GatewayFailure(e.message, true)));
      req.end(text);
    });
  }

  /** The auth token (etcd's simple or JWT token), fetched once per process when a user is set. */
  private authToken(base: URL): Promise<string | undefined> {
    const auth = this.opts.auth;
    if (!auth) return Promise.resolve(undefined);
    this.token ??= this.post<{ token?: string }>(base, '/v3/auth/authenticate', {
      name: auth.username,
      password: auth.password,
    }).then(
      (r) => r.token,
      (e) => {
        this.token = undefined;
        throw e;
      },
    );
    return this.token;
  }

  /**
   * One call, tried on each endpoint in turn (from the last good one) while the failure is a
   * lost one; twice at least, so a kept-alive connection the server had closed costs no error.
   * A retried txn is safe: its compares fail if the first try was applied after all.
   */
  private async call<T>(path: string, body: unknown): Promise<T> {
    let last: Error | undefined;
    for (let i = 0; i < Math.max(2, this.bases.length); i++) {
      const at = (this.current + i) % this.bases.length;
      const base = this.bases[at]!;
      try {
        const res = await this.post<T>(base, path, body, await this.authToken(base));
        this.current = at;
        return res;
      } catch (e) {
        last = e as Error;
        if (!(e instanceof GatewayFailure) || !e.retryable) break;
      }
    }
    throw new DatastoreError('unavailable', `datastore: etcd: ${last?.message ?? 'no endpoint'}`);
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.call<GwRange>('/v3/kv/range', { key: b64(key) });
    const kv = res.kvs?.[0];
    return kv ? toKeyValue(kv) : undefined;
  }

  async list(prefix: string): Promise<ListResult> {
    const res = await this.call<GwRange>('/v3/kv/range', { key: b64(prefix), range_end: b64(prefixEnd(prefix)) });
    return { items: (res.kvs ?? []).map(toKeyValue), revision: Number(res.header?.revision ?? 0) };
  }

  protected async rawTxn(compares: Compare[], ops: TxnOp[]): Promise<TxnAnswer> {
    // Exactly etcd.ts's transaction: compare mod_revision == N (an absent key has 0).
    const res = await this.call<GwTxn>('/v3/kv/txn', {
      compare: compares.map((c) => ({
        key: b64(c.key),
        target: 'MOD',
        result: 'EQUAL',
        mod_revision: String(c.revision),
      })),
      success: ops.map((op) =>
        op.type === 'put'
          ? { request_put: { key: b64(op.key), value: b64(op.value), lease: op.lease?.id ?? '0' } }
          : { request_delete_range: { key: b64(op.key) } },
      ),
      failure: [],
    });
    if (!res.succeeded) throw DatastoreError.conflict(compares.map((c) => c.key).join(', '));
    return {
      revision: Number(res.header?.revision ?? 0),
      deleted: Number(res.responses?.[0]?.response_delete_range?.deleted ?? 0),
    };
  }

  watch(prefix: string, _from: number, _onEvent: (e: WatchEvent) => void): Watch {
    throw new DatastoreError('invalid', `datastore: etcd (JSON gateway client): watch ${prefix}: not offered here`);
  }

  async grant(_ttlSeconds: number): Promise<Lease> {
    throw new DatastoreError('invalid', 'datastore: etcd (JSON gateway client): leases are not offered here');
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
