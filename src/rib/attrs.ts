// Path attribute sets as the RIB sees them, interned: one immutable AttrSet per distinct set,
// shared by every path that carries it (STYLE.md "Intern attribute sets"; BIRD's cached
// attributes). Policy that changes attributes interns a new set rather than mutating one.
//
// One form from the wire to the wire: the values are the wire's own (uint32 IDs and AS
// numbers, next hops as their address octets, attributes we do not interpret as raw octets),
// filled once from the codec's decoded UPDATE (ingest.ts), interned here, and encoded back
// from the same values by the Adj-RIB-Out's packer (src/routing/wire-encode.ts). Text forms
// exist only at the edges: `vroute decode` (the codec's json.ts) and the HTTP API's /routes.
import type { Aggregator } from '../bgp/messages';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../net';
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

/** Path attributes in the RIB's one form: the wire's values (see the top of this file). */
export interface RouteAttrs {
  readonly origin: number;
  /** AS_PATH with AS4_PATH merged (RFC 6793 4.2.3): 4-octet AS numbers. */
  readonly asPath: readonly AsPathSegment[];
  /**
   * The next hop's address octets as on the wire: 4 (NEXT_HOP, RFC 4271 5.1.3, or an IPv4
   * MP_REACH next hop) or 16 (the global address of an MP_REACH next hop, RFC 2545 3).
   */
  readonly nextHop: Uint8Array;
  /** RFC 2545 3: the link-local half of a 32-octet MP_REACH next hop. */
  readonly nextHopLinkLocal?: Uint8Array;
  readonly med?: number;
  readonly localPref?: number;
  readonly atomicAggregate?: boolean;
  /** AGGREGATOR (AS4_AGGREGATOR merged): 4-octet AS, address as uint32. */
  readonly aggregator?: Aggregator;
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
  return [
    a.origin,
    path,
    hex(a.nextHop),
    a.nextHopLinkLocal ? hex(a.nextHopLinkLocal) : '',
    a.med ?? '',
    a.localPref ?? '',
    a.atomicAggregate ? 1 : '',
    agg,
    (a.communities ?? []).join(','),
    a.originatorId ?? '',
    (a.clusterList ?? []).join(','),
    other,
  ].join('|');
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

/** A next hop's octets as text (IPv4 dotted quad, IPv6 per RFC 5952; else hex): for the edges. */
export function nextHopText(b: Uint8Array): string {
  if (b.length === 4) return formatIpv4(((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0);
  if (b.length === 16) return formatIpv6(b, 0);
  return hex(b);
}

/** The octets of an IPv4 address given as uint32 (a NEXT_HOP as the codec decodes it). */
export function ipv4Octets(v: number): Uint8Array {
  return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/** A next hop from text (config, local origination, tests); undefined when not an address. */
export function parseNextHop(text: string): Uint8Array | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return ipv4Octets(v4);
  return parseIpv6(text);
}
