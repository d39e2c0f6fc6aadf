// The Rib's public types (paths handed out, Loc-RIB change events, import hook, options):
// separate from rib.ts so the table code and its consumers' vocabulary stay apart.
import type { Family } from '../bgp/messages';
import type { AttrSet, AttrStore } from './attrs';
import type { BestReason, Candidate, DecisionOptions } from './decision';
import type { PeerInfo, PeerTable } from './peer';
import type { PrefixId, PrefixIndex } from './prefix-index';

/** One path as handed out (transient: built for events and queries, not stored). */
export interface Route extends Candidate {
  readonly slot: number;
  readonly prefix: PrefixId;
  readonly pathId: number;
  readonly stale: boolean;
}

/** A Loc-RIB change: a new best (or its attributes changed), or `best` undefined: gone. */
export interface LocRibChange {
  readonly prefix: PrefixId;
  readonly best?: Route;
  readonly reason?: BestReason;
  readonly multipath?: readonly Route[];
  /** False when only a non-best path changed (ADD-PATH groups still care). */
  readonly bestChanged: boolean;
}

/**
 * Import hook run on every received path before it enters the Adj-RIB-In (RFC 4271 9.1.1,
 * RFC 4456 8 loop checks, policy). Returns the (possibly new, interned) set or undefined to
 * drop the path; a dropped announcement still implicitly withdraws the previous one.
 */
export type ImportFilter = (
  peer: PeerInfo,
  prefixes: PrefixIndex,
  prefix: PrefixId,
  attrs: AttrSet,
) => AttrSet | undefined;

export interface RibOptions extends DecisionOptions {
  readonly family: Family;
  readonly peers: PeerTable;
  readonly attrs: AttrStore;
  readonly importFilter?: ImportFilter;
  /** 9.1.2.2 (e): IGP cost to a next hop (as text), undefined when unknown, Infinity: unreachable. */
  readonly igpCost?: (nextHop: string) => number | undefined;
  readonly initialPrefixes?: number;
  /** Why importFilter just returned undefined (asked right after it did; default "rejected"). */
  readonly rejectReason?: () => string;
  /** A path was received and not kept (filter or reject()): for logs, rate-limited there. */
  readonly onReject?: (peer: number, prefix: PrefixId, pathId: number, reason: string) => void;
}
