// What our nftables table holds, read back from the kernel: `nft -j list table` for a resync,
// `nft -j list chain` for one chain. Pure parsing (no I/O): the driver hands in the text.
import { COMMENT_RE, isOurChain, isOurMap, isOurSet } from './names';

export interface KernelRule {
  hash: string;
  handle: number;
}

export interface KernelChain {
  /** `forward:0` for a base chain (hook:priority, policy accept), undefined for a regular one. */
  base?: string;
  /** Our rules (comment `vr:HASH`), in kernel order. */
  ours: KernelRule[];
  /** Rules of someone else in this chain: never touched, and the chain is never deleted. */
  foreign: number;
}

export interface KernelTable {
  chains: Map<string, KernelChain>;
  /** Our sets: name -> type. */
  sets: Map<string, string>;
  /** Our sets' elements: set -> element -> true. */
  elements: Map<string, Map<string, true>>;
  /** Our maps' entries: map -> key -> verdict (`goto chain`). */
  mapElements: Map<string, Map<string, string>>;
  /** Whether the table exists at all. */
  exists: boolean;
}

export function emptyKernel(): KernelTable {
  return { chains: new Map(), sets: new Map(), elements: new Map(), mapElements: new Map(), exists: false };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function verdictText(v: unknown): string | undefined {
  if (!isObj(v)) return undefined;
  for (const kind of ['goto', 'jump']) {
    const t = v[kind];
    if (isObj(t) && typeof t.target === 'string') return `${kind} ${t.target}`;
  }
  return undefined;
}

/** Parses `nft -j list table inet vroute` (libnftables JSON schema 1). */
export function parseListing(json: string): KernelTable {
  const k = emptyKernel();
  const doc: unknown = JSON.parse(json);
  const items = isObj(doc) && Array.isArray(doc.nftables) ? doc.nftables : [];
  for (const item of items) {
    if (!isObj(item)) continue;
    if (isObj(item.table)) k.exists = true;
    const chain = item.chain;
    if (isObj(chain) && typeof chain.name === 'string' && isOurChain(chain.name)) {
      const base =
        typeof chain.hook === 'string'
          ? `${chain.hook}:${Number(chain.prio)}:${String(chain.policy ?? 'accept')}`
          : undefined;
      k.chains.set(chain.name, { base, ours: [], foreign: 0 });
    }
    for (const kind of ['set', 'map'] as const) {
      const s = item[kind];
      if (!isObj(s) || typeof s.name !== 'string') continue;
      if (kind === 'set' && !isOurSet(s.name)) continue;
      if (kind === 'map' && !isOurMap(s.name)) continue;
      if (kind === 'set') k.sets.set(s.name, String(s.type));
      const elems = Array.isArray(s.elem) ? s.elem : [];
      const setElems = new Map<string, true>(),
        mapElems = new Map<string, string>();
      for (const e of elems) {
        if (kind === 'set' && typeof e === 'string') setElems.set(e, true);
        if (kind === 'map' && Array.isArray(e) && typeof e[0] === 'string') {
          const v = verdictText(e[1]);
          if (v) mapElems.set(e[0], v);
        }
      }
      if (setElems.size) k.elements.set(s.name, setElems);
      if (mapElems.size) k.mapElements.set(s.name, mapElems);
      if (kind === 'map') k.sets.set(s.name, `map:${String(s.type)}`);
    }
    const rule = item.rule;
    if (isObj(rule) && typeof rule.chain === 'string') {
      const c = k.chains.get(rule.chain);
      if (!c) continue;
      const m = typeof rule.comment === 'string' ? COMMENT_RE.exec(rule.comment) : null;
      if (m && typeof rule.handle === 'number') c.ours.push({ hash: m[1]!, handle: rule.handle });
      else c.foreign++;
    }
  }
  return k;
}
