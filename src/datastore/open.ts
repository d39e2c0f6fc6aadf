// Datastore URLs (contracts 4 and 5), from --datastore or VROUTE_DATASTORE:
// - `embedded` (the default): the host's shared file $VROUTE_DATA_DIR/datastore.json, the
//   directory being /var/lib/vroute for root and $XDG_STATE_HOME/vroute (or
//   ~/.local/state/vroute) for other users, created 0700 on first use;
// - `embedded:PATH`: another file (its directory must exist);
// - `memory`: a private in-process store (tests);
// - `etcd://host:port[,host:port]` (`etcds://` for TLS).
// etcd TLS and auth come from the environment (VROUTE_ETCD_CA / _CERT / _KEY files,
// VROUTE_ETCD_USER / _PASSWORD) so secrets stay off argv.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmbeddedDatastore } from './embedded';
import { EtcdDatastore, type EtcdOptions } from './etcd';
import { EtcdGatewayDatastore } from './etcd-gateway';
import { type Datastore, DatastoreError } from './store';

export type DatastoreUrl =
  | { kind: 'embedded'; path?: string }
  | { kind: 'memory' }
  | { kind: 'etcd'; endpoints: string[]; tls: boolean };

export const DATASTORE_URL_FORMS = 'embedded, embedded:PATH, memory or etcd://host:port[,host:port]';
export const DATASTORE_FILE = 'datastore.json';

export function parseDatastoreUrl(url: string): DatastoreUrl {
  const u = url.trim();
  if (u === 'embedded') return { kind: 'embedded' };
  if (u === 'memory') return { kind: 'memory' };
  if (u.startsWith('embedded:')) {
    const p = u.slice('embedded:'.length);
    if (p === '') throw new DatastoreError('invalid', `datastore: "${url}": embedded:PATH needs a path`);
    return { kind: 'embedded', path: p };
  }
  const m = /^(etcds?):\/\/(.+)$/.exec(u);
  if (m) {
    const endpoints = m[2]!
      .split(',')
      .map((h) => h.trim())
      .filter((h) => h !== '');
    for (const h of endpoints) {
      if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(h)) {
        throw new DatastoreError('invalid', `datastore: "${url}": endpoint "${h}" is not host:port`);
      }
    }
    if (endpoints.length === 0) throw new DatastoreError('invalid', `datastore: "${url}": no etcd endpoints`);
    return { kind: 'etcd', endpoints, tls: m[1] === 'etcds' };
  }
  throw new DatastoreError('invalid', `datastore: "${url}" is not ${DATASTORE_URL_FORMS}`);
}

/** The directory of the default embedded file (contract 4); not created here. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? -1): string {
  if (env.VROUTE_DATA_DIR) return path.resolve(env.VROUTE_DATA_DIR);
  if (uid === 0) return '/var/lib/vroute';
  const state =
    env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME)
      ? env.XDG_STATE_HOME
      : path.join(env.HOME || os.homedir(), '.local', 'state');
  return path.join(state, 'vroute');
}

/** The file `embedded` or `embedded:PATH` means, its directory checked (and, for the default, created). */
export function embeddedPath(spec: { path?: string }, env: NodeJS.ProcessEnv = process.env): string {
  if (spec.path !== undefined) {
    const file = path.resolve(spec.path);
    const dir = path.dirname(file);
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(dir);
    } catch {
      /* reported below */
    }
    if (!st?.isDirectory())
      throw new DatastoreError('unavailable', `datastore: embedded:${spec.path}: directory ${dir} does not exist`);
    return file;
  }
  const dir = defaultDataDir(env);
  try {
    // 0700: the store holds BGP passwords and the whole fabric's configuration.
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new DatastoreError(
      'unavailable',
      `datastore: cannot create ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (set VROUTE_DATA_DIR or use --datastore embedded:PATH)`,
    );
  }
  return path.join(dir, DATASTORE_FILE);
}

export interface OpenOptions {
  /**
   * A one-shot command that needs no watch and no lease (the CNI plugin): etcd is then spoken
   * through its JSON gateway (etcd-gateway.ts) instead of loading the gRPC client.
   */
  shortLived?: boolean;
}

export function openDatastore(url?: string, env: NodeJS.ProcessEnv = process.env, o: OpenOptions = {}): Datastore {
  const spec = parseDatastoreUrl(url ?? env.VROUTE_DATASTORE ?? 'embedded');
  if (spec.kind === 'memory') return new EmbeddedDatastore();
  if (spec.kind === 'embedded') return new EmbeddedDatastore({ path: embeddedPath(spec, env) });
  const opts: EtcdOptions = { endpoints: spec.endpoints };
  const read = (f?: string) => (f ? fs.readFileSync(f) : undefined);
  if (spec.tls || env.VROUTE_ETCD_CA) {
    opts.tls = { ca: read(env.VROUTE_ETCD_CA), cert: read(env.VROUTE_ETCD_CERT), key: read(env.VROUTE_ETCD_KEY) };
  }
  if (env.VROUTE_ETCD_USER) opts.auth = { username: env.VROUTE_ETCD_USER, password: env.VROUTE_ETCD_PASSWORD ?? '' };
  return o.shortLived ? new EtcdGatewayDatastore(opts) : new EtcdDatastore(opts);
}

/** Opens the datastore, runs `body`, and always closes it (so a CLI process can exit). */
export async function withDatastore<T>(url: string | undefined, body: (ds: Datastore) => Promise<T>): Promise<T> {
  const ds = openDatastore(url);
  try {
    return await body(ds);
  } finally {
    await ds.close();
  }
}
