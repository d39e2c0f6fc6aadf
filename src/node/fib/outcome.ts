// What a batch's answers (batch.ts) do to the kernel sink's state: the slot's installed key
// follows what took effect, a refusal is the prefix's failure (a route of another protocol
// holding the prefix gets its own text), an unknown result is looked at again, and lost
// answers ask for the table to be read again.
import { ackText, type BatchOutcome } from './batch';
import { FAILED, type FamilyTable } from './table';

const EEXIST = 17;

/** The parts of the sink's state a batch outcome touches. */
export interface OutcomeState {
  /** The family table of a tag (tag & 1: IPv6). */
  readonly tables: readonly [FamilyTable, FamilyTable];
  /** Failure texts by tag. */
  readonly failed: Map<number, string>;
  readonly table: number;
  readonly metric: number;
  /** Queue the slot to be looked at again. */
  touch(t: FamilyTable, id: number): void;
  /** The slot failed: counted and logged. */
  fail(t: FamilyTable, id: number, why: string): void;
  /** Logged and shown as the last error, not counted. */
  noteError(prefix: string, why: string): void;
  /** The kernel table must be read again. */
  rescan(): void;
}

export function batchOutcome(s: OutcomeState): BatchOutcome {
  return {
    done: (tag, key) => {
      const t = s.tables[tag & 1]!;
      const id = tag >>> 1;
      t.setInstalled(id, key);
      if ((t.flags[id]! & FAILED) !== 0) {
        t.flags[id] &= ~FAILED;
        s.failed.delete(tag);
      }
      t.release(id);
    },
    refused: (tag, key, errno, message) => {
      const t = s.tables[tag & 1]!;
      const id = tag >>> 1;
      // EEXIST on a set: a new route of ours carries NLM_F_EXCL, so another protocol's is there.
      s.fail(
        t,
        id,
        key >= 0 && errno === EEXIST
          ? `a route not ours (another protocol) holds ${t.text(id)} metric ${s.metric} in table ${s.table}; left alone`
          : ackText(errno, message),
      );
    },
    unknown: (tag) => s.touch(s.tables[tag & 1]!, tag >>> 1),
    strayRefused: (prefix, errno, message) => s.noteError(prefix, ackText(errno, message)),
    trouble: (what, err) => {
      s.noteError(what, err.message);
      s.rescan();
    },
  };
}
