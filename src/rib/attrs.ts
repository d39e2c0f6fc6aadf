// Path attribute sets as the RIB sees them, interned: one immutable AttrSet per distinct set,
// shared by every path that carries it (STYLE.md "Intern attribute sets"; BIRD's cached
// attributes). Policy that changes attributes interns a new set rather than mutating one.
//
// This is the RIB's own store, keyed by a canonical text of the decoded fields: it does not
// depend on the wire codec. An adapter from the codec's decoded UPDATE fills RouteAttrs.
import { IdPool } from './slots';

/** ORIGIN values, RFC 4271 4.3 (a). Lower is preferred (9.1.2.2 (c)... (b)). */
export const enum Origin {
  Igp = 0,
  Egp = 1,
  Incomplete = 2,
}

/** AS_PATH segment types: RFC 4271 4.3 (b), RFC 5065 3 (confederations). */
export const enum SegmentType {
  AsSet = 1,
  AsSequence = 2,
  ConfedSequence = 3,
  ConfedSet = 4,
}

export interface AsPathSegment {
  readonly type: number;
  readonly asns: readonly number[];
}

/** An attribute the RIB does not interpret, carried through (RFC 4271 5: optional transitive). */
export interface OpaqueAttr {
  readonly type: number;
  readonly flags: number;
  readonly value: Uint8Array;
}

/** Decoded path attributes. Addresses are text (canonical form); IDs are uint32. */
export interface RouteAttrs {
  readonly origin: number;
  readonly asPath: readonly AsPathSegment[];
  /** NEXT_HOP (IPv4) or the MP_REACH next hop(s), RFC 4760 3. */
  readonly nextHop: string;
  readonly nextHopLinkLocal?: string;
  readonly med?: number;
  readonly localPref?: number;
  readonly atomicAggregate?: boolean;
  readonly aggregator?: { readonly asn: number; readonly address: string };
  /** RFC 1997 communities, each (high << 16 | low) as uint32. */
  readonly communities?: readonly number[];
  /** RFC 4456 8: the originator's BGP identifier as uint32. */
  readonly originatorId?: number;
  /** RFC 4456 8: cluster IDs as uint32, nearest first. */
  readonly clusterList?: readonly number[];
  readonly other?: readonly OpaqueAttr[];
}

/** An interned attribute set: never mutate; derive a new RouteAttrs and intern it. */
export interface AttrSet extends RouteAttrs {
  readonly id: number;
  readonly key: string;
  /** RFC 4271 9.1.2.2 (a): AS_SET counts 1; RFC 5065 5.3: confederation segments count 0. */
  readonly asPathLength: number;
  /** RFC 4271 9.1.2.2 (c): the leftmost AS of the path, 0 when the path is empty. */
  readonly neighborAs: number;
}

export function asPathLength(path: readonly AsPathSegment[]): number {
  let n = 0;
  for (const seg of path) {
    if (seg.type === SegmentType.AsSequence) n += seg.asns.length;
    else if (seg.type === SegmentType.AsSet) n += 1;
  }
  return n;
}

function firstAs(path: readonly AsPathSegment[]): number {
  for (const seg of path) {
    if (seg.type === SegmentType.ConfedSequence || seg.type === SegmentType.ConfedSet) continue;
    return seg.type === SegmentType.AsSequence && seg.asns.length > 0 ? seg.asns[0] : 0;
  }
  return 0;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** The canonical text two equal sets share (field order fixed, absent fields empty). */
export function attrKey(a: RouteAttrs): string {
  const path = a.asPath.map((s) => `${s.type}:${s.asns.join(',')}`).join(' ');
  const agg = a.aggregator ? `${a.aggregator.asn}@${a.aggregator.address}` : '';
  const other = (a.other ?? []).map((o) => `${o.type}/${o.flags}/${hex(o.value)}`).join(',');
  return [a.origin, path, a.nextHop, a.nextHopLinkLocal ?? '', a.med ?? '', a.localPref ?? '',
    a.atomicAggregate ? 1 : '', agg, (a.communities ?? []).join(','), a.originatorId ?? '',
    (a.clusterList ?? []).join(','), other].join('|');
}

/** Interns RouteAttrs into AttrSets with reference counts; ids are small and reused. */
export class AttrStore {
  private readonly byKey = new Map<string, AttrSet>();
  private readonly byId: (AttrSet | undefined)[] = [];
  private refs: number[] = [];
  private readonly ids = new IdPool();

  get size(): number {
    return this.byKey.size;
  }

  /** The interned set equal to `a` (refcount unchanged: call ref() when storing it). */
  intern(a: RouteAttrs): AttrSet {
    const key = attrKey(a);
    const hit = this.byKey.get(key);
    if (hit) return hit;
    const id = this.ids.take();
    const set: AttrSet = Object.freeze({
      ...a,
      id,
      key,
      asPathLength: asPathLength(a.asPath),
      neighborAs: firstAs(a.asPath),
    });
    this.byKey.set(key, set);
    this.byId[id] = set;
    this.refs[id] = 0;
    return set;
  }

  get(id: number): AttrSet {
    const s = this.byId[id];
    if (!s) throw new RangeError(`attribute set ${id} is not live`);
    return s;
  }

  ref(set: AttrSet): void {
    this.refs[set.id]++;
  }

  /** Drops one reference; the set is forgotten when none remain. */
  unref(set: AttrSet): void {
    if (--this.refs[set.id] > 0) return;
    this.byKey.delete(set.key);
    this.byId[set.id] = undefined;
    this.ids.give(set.id);
  }

  /** Forgets a set nothing references (interned for a path that was then filtered). */
  dropIfUnused(set: AttrSet): void {
    if (this.isLive(set) && this.refs[set.id] === 0) {
      this.refs[set.id] = 1;
      this.unref(set);
    }
  }

  /** True while `set` is the interned set for its key (not forgotten, id not reused). */
  isLive(set: AttrSet): boolean {
    return this.byId[set.id] === set;
  }

  refCount(set: AttrSet): number {
    return this.refs[set.id] ?? 0;
  }
}

/** Formats a uint32 community as "high:low" (DESIGN.md contract 1). */
export function formatCommunity(c: number): string {
  return `${c >>> 16}:${c & 0xffff}`;
}

export function community(high: number, low: number): number {
  return ((high & 0xffff) * 65536 + (low & 0xffff)) >>> 0;
}
