// What a batch's answers (batch.ts) do to the kernel sink's state: the installed map follows
// what took effect, a refusal is the prefix's failure (a route of another protocol holding the
// prefix gets its own text), an unknown result is looked at again, and lost answers ask for
// the table to be read again.
import { ackText, type BatchOutcome } from './batch';
import type { DirtyQueue } from './dirty';

const EEXIST = 17;

/** The parts of the sink's state a batch outcome touches. */
export interface OutcomeState {
  /** What the kernel holds of ours (asked each time: a table read replaces the map). */
  installed(): Map<string, string>;
  readonly failed: Map<string, string>;
  readonly dirty: DirtyQueue;
  readonly table: number;
  readonly metric: number;
  /** The prefix failed: counted and logged. */
  fail(prefix: string, why: string): void;
  /** Logged and shown as the last error, not counted. */
  noteError(prefix: string, why: string): void;
  /** The kernel table must be read again. */
  rescan(): void;
}

export function batchOutcome(s: OutcomeState): BatchOutcome {
  return {
    done: (prefix, key) => {
      if (key === undefined) s.installed().delete(prefix);
      else s.installed().set(prefix, key);
      if (s.failed.size > 0) s.failed.delete(prefix);
    },
    refused: (prefix, key, errno, message) => {
      // EEXIST on a set: a new route of ours carries NLM_F_EXCL, so another protocol's is there.
      s.fail(
        prefix,
        key !== undefined && errno === EEXIST
          ? `a route not ours (another protocol) holds ${prefix} metric ${s.metric} in table ${s.table}; left alone`
          : ackText(errno, message),
      );
    },
    unknown: (prefix) => s.dirty.add(prefix),
    strayRefused: (prefix, errno, message) => s.noteError(prefix, ackText(errno, message)),
    trouble: (what, err) => {
      s.noteError(what, err.message);
      s.rescan();
    },
  };
}
