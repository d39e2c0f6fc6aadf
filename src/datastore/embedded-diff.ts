// What changed in the shared embedded file since a process last looked, as watch events
// (contract 4: watchers in other processes see every write). Pure: the state we held, the
// revision we had seen, the state the file holds now.
import type { FileRow, FileState } from './embedded-file';
import type { WatchEvent } from './store';

/**
 * Puts for keys whose value or mod revision changed, at that mod revision; deletes from the
 * file's delete log at their own revisions (or, for deletes older than the log keeps, at the
 * log's floor); all in revision order. A key changed twice between two looks shows its latest
 * value only, as after an etcd compaction.
 */
export function fileChanges(cur: ReadonlyMap<string, FileRow>, seen: number, next: FileState): WatchEvent[] {
  const events: WatchEvent[] = [];
  const deleted = new Set<string>();
  // The latest delete of each key since we last looked: reported when we held the key, or
  // when it is gone now (created and deleted between two looks: the delete still happened,
  // as an etcd watcher would hear; a resyncing watch ignores deletes of keys it never saw).
  const lastDelete = new Map<string, number>();
  for (const [k, rev] of next.deleted) if (rev > seen) lastDelete.set(k, rev);
  for (const [k, rev] of lastDelete) {
    if (cur.has(k) || !next.keys.has(k)) {
      deleted.add(k);
      events.push({ type: 'delete', key: k, revision: rev });
    }
  }
  // Deleted longer ago than the log remembers (or the file was replaced): at the log's floor.
  const lateRev = Math.min(Math.max(next.revision, seen), Math.max(seen + 1, next.deletedFloor));
  for (const k of cur.keys()) {
    if (!next.keys.has(k) && !deleted.has(k)) events.push({ type: 'delete', key: k, revision: lateRev });
  }
  for (const [k, r] of next.keys) {
    const old = cur.get(k);
    if (old && old.revision === r.revision && old.value === r.value) continue;
    events.push({ type: 'put', key: k, value: r.value, revision: r.revision });
  }
  // Stable: at one revision (one transaction) deletes come before puts, as they were listed.
  return events.sort((a, b) => a.revision - b.revision);
}
