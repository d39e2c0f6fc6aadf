// Datastore URLs (contract 5): `embedded`, `embedded:PATH`, `etcd://host:port[,host:port]`;
// from --datastore or VROUTE_DATASTORE. etcd TLS and auth come from the environment
// (VROUTE_ETCD_CA / _CERT / _KEY files, VROUTE_ETCD_USER / _PASSWORD) so secrets stay off argv.
import * as fs from 'node:fs';
import { EmbeddedDatastore } from './embedded';
import { EtcdDatastore, EtcdOptions } from './etcd';
import { Datastore, DatastoreError } from './store';

export type DatastoreUrl =
  | { kind: 'embedded'; path?: string }
  | { kind: 'etcd'; endpoints: string[]; tls: boolean };

export function parseDatastoreUrl(url: string): DatastoreUrl {
  const u = url.trim();
  if (u === 'embedded') return { kind: 'embedded' };
  if (u.startsWith('embedded:')) {
    const p = u.slice('embedded:'.length);
    if (p === '') throw new DatastoreError('invalid', `datastore: "${url}": embedded:PATH needs a path`);
    return { kind: 'embedded', path: p };
  }
  const m = /^(etcds?):\/\/(.+)$/.exec(u);
  if (m) {
    const endpoints = m[2]!.split(',').map((h) => h.trim()).filter((h) => h !== '');
    for (const h of endpoints) {
      if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(h)) {
        throw new DatastoreError('invalid', `datastore: "${url}": endpoint "${h}" is not host:port`);
      }
    }
    if (endpoints.length === 0) throw new DatastoreError('invalid', `datastore: "${url}": no etcd endpoints`);
    return { kind: 'etcd', endpoints, tls: m[1] === 'etcds' };
  }
  throw new DatastoreError('invalid', `datastore: "${url}" is not embedded, embedded:PATH or etcd://host:port[,host:port]`);
}

export function openDatastore(url?: string, env: NodeJS.ProcessEnv = process.env): Datastore {
  const spec = parseDatastoreUrl(url ?? env.VROUTE_DATASTORE ?? 'embedded');
  if (spec.kind === 'embedded') return new EmbeddedDatastore({ path: spec.path });
  const opts: EtcdOptions = { endpoints: spec.endpoints };
  const read = (f?: string) => (f ? fs.readFileSync(f) : undefined);
  if (spec.tls || env.VROUTE_ETCD_CA) {
    opts.tls = { ca: read(env.VROUTE_ETCD_CA), cert: read(env.VROUTE_ETCD_CERT), key: read(env.VROUTE_ETCD_KEY) };
  }
  if (env.VROUTE_ETCD_USER) opts.auth = { username: env.VROUTE_ETCD_USER, password: env.VROUTE_ETCD_PASSWORD ?? '' };
  return new EtcdDatastore(opts);
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
