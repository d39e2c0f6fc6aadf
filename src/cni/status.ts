// An endpoint's status as the node's dataplane reports it (Felix's per-endpoint status:
// up, down, error with a reason) from the datastore's status/<node> area (contract 4). The
// dataplane writes it (src/dataplane: status/<node>/endpoint/<ID> = {endpoint, node, state,
// reason}); this only reads, and also accepts an entry in a node status document
// (`endpoints` or `workloadEndpoints` keyed by the ID, at the top or under `status`).
import { type Datastore, ROOT } from '../datastore';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One line: `up`, `down`, `error: REASON`, or the raw value; undefined when none is reported. */
export function describeStatus(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (isObj(v)) {
    const state = v.status ?? v.state;
    const reason = v.reason ?? v.error ?? v.message;
    if (typeof state === 'string') return typeof reason === 'string' && reason !== '' ? `${state}: ${reason}` : state;
  }
  return JSON.stringify(v);
}

function fromDocument(doc: unknown, id: string): unknown {
  if (!isObj(doc)) return undefined;
  for (const holder of [doc, doc.status]) {
    if (!isObj(holder)) continue;
    for (const k of ['endpoints', 'workloadEndpoints', 'workloadendpoints']) {
      const m = holder[k];
      if (isObj(m) && id in m) return m[id];
      if (Array.isArray(m)) {
        const e = m.find((x) => isObj(x) && (x.id === id || x.name === id || x.endpoint === id));
        if (e !== undefined) return e;
      }
    }
  }
  return undefined;
}

/** The reported status of endpoint `id` on `node`, or undefined when the dataplane wrote none. */
export async function endpointStatus(store: Datastore, node: string, id: string): Promise<string | undefined> {
  const parse = (s: string): unknown => {
    try {
      return JSON.parse(s);
    } catch {
      return s;
    }
  };
  const own = await store.list(`${ROOT}status/${node}/`);
  const mine = own.items.find((kv) => kv.key.endsWith(`/${id}`));
  if (mine) return describeStatus(parse(mine.value));
  for (const kv of own.items) {
    const v = fromDocument(parse(kv.value), id);
    if (v !== undefined) return describeStatus(v);
  }
  const doc = await store.get(`${ROOT}status/${node}`);
  return doc ? describeStatus(fromDocument(parse(doc.value), id)) : undefined;
}
