// One nft transaction from the trackers' pending keys, in one explicit order: what others
// depend on is added before its users and removed after them (sets before the rules that
// name them, chains before the map entries that jump to them, and the reverse on removal).
// Only chains whose hashes differ are rewritten (Felix's chained hashes); rules of others in
// our table are never deleted or moved.
import type { ChainSpec, RuleLine } from './acl-rules';
import type { DeltaTracker } from './delta';
import { type AclTrackers, baseKey } from './desired-acl';
import type { KernelChain, KernelRule } from './nft-kernel';
import { FAMILY, TABLE } from './names';

const T = `${FAMILY} ${TABLE}`;
/** Elements per `add element` line: keeps lines short without a line per element. */
const ELEMENTS_PER_LINE = 500;

export interface ChainPlan {
  name: string;
  spec: ChainSpec;
  /** Our rules kept as they are (a prefix of the desired list). */
  keep: KernelRule[];
  /** Desired rules added after them. */
  added: RuleLine[];
  /** The chain holds rules of others: read it back for our new rules' handles. */
  reread: boolean;
}

/** One set's or map's element changes, as planned (the tracker's generation then). */
export interface ElementPlan<V> {
  container: string;
  gen: number;
  updated: string[];
  values: V[];
  deleted: string[];
}

export interface Plan {
  script: string;
  // What the script does, captured when it was made: the trackers may move on while nft runs.
  setsAdded: [string, string][];
  setsDeleted: string[];
  elements: ElementPlan<true>[];
  mapEntries: ElementPlan<string>[];
  /** Chains rewritten (for the kernel view after success). */
  chains: ChainPlan[];
  /** Chains deleted whole, and chains of ours only emptied (they hold rules of others). */
  deletedChains: string[];
  emptiedChains: string[];
  empty: boolean;
}

function quoteKey(map: string, key: string): string {
  return map === 'from-ep' || map === 'to-ep' || map === 'ep-ifaces' ? `"${key}"` : key;
}

/** The pending changes of each container whose tracker has any, snapshotted. */
function snapshot<V>(containers: ReadonlyMap<string, DeltaTracker<V>>): ElementPlan<V>[] {
  const out: ElementPlan<V>[] = [];
  for (const [container, tr] of containers) {
    if (tr.inSyncNow) continue;
    const updated = [...tr.pendingUpdates];
    const values = updated.map((k) => tr.desired.get(k)!);
    out.push({ container, gen: tr.gen, updated, values, deleted: [...tr.pendingDeletes] });
  }
  return out;
}

/** `add|delete element` commands of at most ELEMENTS_PER_LINE items each, as `item` prints them. */
function elementLines(
  out: string[],
  verb: 'add' | 'delete',
  set: string,
  items: readonly string[],
  item: (i: number) => string,
): void {
  for (let i = 0; i < items.length; i += ELEMENTS_PER_LINE) {
    const end = Math.min(items.length, i + ELEMENTS_PER_LINE);
    let line = `${verb} element ${T} ${set} { ${item(i)}`;
    for (let j = i + 1; j < end; j++) line += `, ${item(j)}`;
    out.push(`${line} }`);
  }
}

function chainHeader(c: ChainSpec): string {
  if (!c.base) return `add chain ${T} ${c.name}`;
  return `add chain ${T} ${c.name} { type filter hook ${c.base.hook} priority ${c.base.priority}; policy accept; }`;
}

/** Order of chain removal: list chains jump to profile chains, base chains to the rest. */
function removalRank(name: string): number {
  if (name.startsWith('pl-') || name.startsWith('ep-')) return 0;
  if (/^p[io]-/.test(name)) return 1;
  return 2;
}

export function planTransaction(t: AclTrackers): Plan {
  const out: string[] = [`add table ${T}`];
  const plan: Plan = {
    script: '',
    setsAdded: [],
    setsDeleted: [...t.sets.pendingDeletes],
    elements: snapshot(t.elements.containers),
    mapEntries: snapshot(t.mapElements.containers),
    chains: [],
    deletedChains: [],
    emptiedChains: [],
    empty: true,
  };
  const touch = (): void => {
    plan.empty = false;
  };
  if (!t.table.exists) touch();

  // 1. Sets and maps we need.
  for (const name of t.sets.pendingUpdates) {
    const type = t.sets.desired.get(name)!;
    plan.setsAdded.push([name, type]);
    const have = t.sets.dataplane.get(name);
    const kind = type.startsWith('map:') ? 'map' : 'set';
    if (have !== undefined) out.push(`delete ${kind} ${T} ${name}`); // wrong type: replace it
    out.push(
      kind === 'map'
        ? `add map ${T} ${name} { type ${type.slice(4)} : verdict; }`
        : `add set ${T} ${name} { type ${type}; }`,
    );
    touch();
  }
  // 2. Set elements: stale ones out, new ones in (sets being removed go whole in step 6).
  for (const { container: set, deleted } of plan.elements) {
    if (!deleted.length || !t.sets.desired.has(set) || t.sets.pendingUpdates.has(set)) continue;
    elementLines(out, 'delete', set, deleted, (i) => quoteKey(set, deleted[i]!));
    touch();
  }
  for (const { container: set, updated } of plan.elements) {
    if (!updated.length) continue;
    elementLines(out, 'add', set, updated, (i) => quoteKey(set, updated[i]!));
    touch();
  }
  // 3. Chains: create missing ones first (rules may jump to each other), then rewrite.
  const changed = [...t.chains.pendingUpdates].map((n) => t.chains.desired.get(n)!);
  for (const c of changed) {
    const k = t.chains.dataplane.get(c.name);
    if (!k || baseKey(c) !== k.base) {
      if (k && k.foreign === 0) out.push(`flush chain ${T} ${c.name}`, `delete chain ${T} ${c.name}`);
      out.push(chainHeader(c));
    }
    touch();
  }
  for (const c of changed) plan.chains.push(rewriteChain(out, c, t.chains.dataplane.get(c.name)));
  // 4. Map entries: stale ones out, then new ones (their chains exist now).
  for (const { container: map, deleted } of plan.mapEntries) {
    if (!deleted.length) continue;
    elementLines(out, 'delete', map, deleted, (i) => `"${deleted[i]!}"`);
    touch();
  }
  // Batched like set elements: one command per element would have nft evaluate 20,000
  // commands for 10,000 endpoints. A changed entry is deleted and added again.
  for (const { container: map, updated } of plan.mapEntries) {
    const have = t.mapElements.containers.get(map)?.dataplane;
    const replaced = have?.size ? updated.filter((k) => have.has(k)) : [];
    elementLines(out, 'delete', map, replaced, (i) => `"${replaced[i]!}"`);
  }
  for (const { container: map, updated, values } of plan.mapEntries) {
    if (!updated.length) continue;
    elementLines(out, 'add', map, updated, (i) => `"${updated[i]!}" : ${values[i]!}`);
    touch();
  }
  // 5. Chains no longer wanted: users (profile-list chains) before what they jump to.
  const gone = [...t.chains.pendingDeletes].sort((a, b) => removalRank(a) - removalRank(b));
  for (const name of gone) {
    const k = t.chains.dataplane.get(name)!;
    if (k.foreign === 0) {
      out.push(`flush chain ${T} ${name}`, `delete chain ${T} ${name}`);
      plan.deletedChains.push(name);
    } else {
      for (const r of k.ours) out.push(`delete rule ${T} ${name} handle ${r.handle}`);
      plan.emptiedChains.push(name);
    }
    touch();
  }
  // 6. Sets and maps no longer wanted (no rule names them any more).
  for (const name of t.sets.pendingDeletes) {
    const type = t.sets.dataplane.get(name)!;
    out.push(`delete ${type.startsWith('map:') ? 'map' : 'set'} ${T} ${name}`);
    touch();
  }
  plan.script = `${out.join('\n')}\n`;
  return plan;
}

function comment(r: RuleLine): string {
  return `comment "vr:${r.hash}"`;
}

/**
 * Rewrites one changed chain. A chain holding only our rules is flushed and written whole in
 * the same (atomic) transaction: nft then needs no rule handles, and so no read of the
 * kernel's whole rule cache, which at 10,000 endpoints costs seconds. In a chain where the
 * last resync saw rules of someone else, those stay where they are: ours from the first one
 * whose hash differs are deleted by handle and the new ones appended, and the chain is read
 * back after the transaction for the handles of the new ones.
 */
function rewriteChain(out: string[], c: ChainSpec, k: KernelChain | undefined): ChainPlan {
  const add = (rules: RuleLine[]): void => {
    for (const r of rules) out.push(`add rule ${T} ${c.name} ${r.text} ${comment(r)}`);
  };
  if (!k || (baseKey(c) !== k.base && k.foreign === 0)) {
    add(c.rules); // created (or re-created) empty in step 3
    return { name: c.name, spec: c, keep: [], added: c.rules, reread: false };
  }
  if (k.foreign === 0) {
    out.push(`flush chain ${T} ${c.name}`);
    add(c.rules);
    return { name: c.name, spec: c, keep: [], added: c.rules, reread: false };
  }
  let i = 0;
  while (i < k.ours.length && i < c.rules.length && k.ours[i]!.hash === c.rules[i]!.hash) i++;
  for (const r of k.ours.slice(i)) out.push(`delete rule ${T} ${c.name} handle ${r.handle}`);
  add(c.rules.slice(i));
  return { name: c.name, spec: c, keep: k.ours.slice(0, i), added: c.rules.slice(i), reread: true };
}

/**
 * After a successful transaction: the trackers' kernel side is what the plan made. Handles of
 * rules we added are unknown (-1) until a read; only chains with rules of others need them.
 */
export function commitPlan(t: AclTrackers, plan: Plan): void {
  t.table.exists = true;
  for (const name of plan.setsDeleted) t.sets.deleteDataplane(name);
  for (const [name, type] of plan.setsAdded) t.sets.setDataplane(name, type);
  for (const e of plan.elements) t.elements.commit(e.container, e.gen, e.updated, e.values, e.deleted);
  for (const e of plan.mapEntries) t.mapElements.commit(e.container, e.gen, e.updated, e.values, e.deleted);
  for (const cp of plan.chains) {
    const prev = t.chains.dataplane.get(cp.name);
    const recreated = !prev || (baseKey(cp.spec) !== prev.base && prev.foreign === 0);
    const added = cp.added.map((r) => ({ hash: r.hash, handle: -1 }));
    t.chains.setDataplane(cp.name, {
      base: baseKey(cp.spec),
      ours: [...cp.keep, ...added],
      foreign: recreated ? 0 : prev.foreign,
    });
  }
  // Emptied chains stay in place for the rules of others; no longer ours to track.
  for (const name of [...plan.deletedChains, ...plan.emptiedChains]) t.chains.deleteDataplane(name);
}
