// What an update group is given besides its signature (update-group.ts): its log and batch
// sizes, the report of routes too large for any UPDATE, and the bound on its members' first
// End-of-RIB (initial-eor.ts).
import type { AttrSet } from '../rib';
import type { InitialEorBound } from './initial-eor';

export interface GroupOptions {
  /** Log entries kept for slow members before they fall back to catch-up (default 1024). */
  readonly maxLog?: number;
  /** (prefix, path) pairs taken from a bucket or catch-up queue per build (default 1024). */
  readonly batch?: number;
  /**
   * A route whose exported attributes fit no UPDATE (see exported()); it is withdrawn from
   * the group instead. Called for each (group, prefix) it happens to.
   */
  readonly onTooLarge?: (info: TooLarge) => void;
  /** A member's first End-of-RIB goes at the latest this long after its join; absent: no bound. */
  readonly initialEor?: InitialEorBound;
}

export interface TooLarge {
  readonly family: number;
  readonly prefix: string;
  /** The attribute set as exported to the group (one log line per set is enough). */
  readonly attrs: AttrSet;
  readonly size: number;
  readonly limit: number;
  /** The peer the route came from. */
  readonly from: string;
}
