// Reading and writing resource documents: YAML or JSON text, one or many documents per file
// (`---` separated, or a JSON list), validated, stored one key per resource.
import type * as Yaml from 'yaml';
import { type Datastore, DatastoreError } from '../store';
import { type Kind, kindOf, kindPrefix, KINDS, type Resource, resourceKey } from './types';
import { ResourceError, validateResource } from './validate';

/** Parses and validates every document in `text`; errors name the source and document number. */
export function parseDocuments(text: string, source = 'input'): Resource[] {
  // Loaded here, not at the top: the yaml parser is most of the start-up time of a short-lived
  // process such as vroute-cni, which reads and writes JSON only.
  const { parseAllDocuments } = require('yaml') as typeof Yaml;
  const out: Resource[] = [];
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((d, i) => {
    const where = list.length > 1 ? `${source} document ${i + 1}` : source;
    if (d.errors.length > 0)
      throw new ResourceError(`${where}: not valid YAML/JSON: ${d.errors[0]!.message.split('\n')[0]}`);
    const v: unknown = d.toJSON();
    if (v === null || v === undefined) return; // an empty document (e.g. a trailing ---)
    const items = Array.isArray(v) ? v : [v];
    items.forEach((item, j) => {
      out.push(validateResource(item, Array.isArray(v) ? `${where} item ${j + 1}` : where));
    });
  });
  if (out.length === 0) throw new ResourceError(`${source}: no resources found`);
  return out;
}

export function decodeStored(kind: Kind, key: string, value: string, revision: number): Resource {
  let doc: unknown;
  try {
    doc = JSON.parse(value);
  } catch {
    throw new DatastoreError('invalid', `datastore: ${key} does not hold JSON`);
  }
  const r = validateResource(doc, key);
  if (r.kind !== kind) throw new DatastoreError('invalid', `datastore: ${key} holds a ${r.kind}, not a ${kind}`);
  r.metadata.resourceVersion = revision;
  return r;
}

export function encodeStored(r: Resource): string {
  const { resourceVersion: _rv, ...metadata } = r.metadata;
  return JSON.stringify({ ...r, metadata });
}

/**
 * Creates or replaces one resource. With metadata.resourceVersion set, the write is a
 * compare-and-swap against that revision (0 = create only). Returns the new revision.
 */
export async function putResource(store: Datastore, r: Resource): Promise<number> {
  const checked = validateResource(
    { ...r, metadata: { name: r.metadata.name, labels: r.metadata.labels } },
    `${r.kind} ${r.metadata.name}`,
  );
  const expectRevision = r.metadata.resourceVersion;
  return store.put(
    resourceKey(checked.kind, checked.metadata.name),
    encodeStored(checked),
    expectRevision === undefined ? {} : { expectRevision },
  );
}

export async function getResource(store: Datastore, kind: Kind, name: string): Promise<Resource | undefined> {
  const kv = await store.get(resourceKey(kind, name));
  return kv ? decodeStored(kind, kv.key, kv.value, kv.revision) : undefined;
}

export async function listResources(store: Datastore, kind: Kind): Promise<{ items: Resource[]; revision: number }> {
  const l = await store.list(kindPrefix(kind));
  return { items: l.items.map((kv) => decodeStored(kind, kv.key, kv.value, kv.revision)), revision: l.revision };
}

export async function deleteResource(store: Datastore, kind: Kind, name: string): Promise<boolean> {
  return store.delete(resourceKey(kind, name));
}

/** A kind from user text, or a ResourceError naming the known kinds. */
export function requireKind(text: string): Kind {
  const k = kindOf(text);
  if (!k) throw new ResourceError(`unknown kind "${text}" (known: ${Object.keys(KINDS).join(', ')})`);
  return k;
}
