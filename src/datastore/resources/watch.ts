// Live configuration for daemons: typed resource events from a resyncing watch, so a
// reflector or node agent follows BGPConfiguration / Node / IPPool changes without caring
// about compaction or reconnects. Invalid stored documents are reported, never thrown.
import type { Datastore } from '../store';
import { resyncingWatch } from '../resync';
import { decodeStored } from './documents';
import { type Kind, kindPrefix, type Resource } from './types';

export interface ResourceHandlers {
  /** A resource was created or changed (also called for each one on the first sync). */
  onUpsert(r: Resource): void;
  onDelete(name: string): void;
  /** The handlers' view equals the store (after the first list and after every resync). */
  onSynced?(revision: number): void;
  onInvalid?(key: string, err: Error): void;
}

export function watchResources(store: Datastore, kind: Kind, h: ResourceHandlers): { cancel(): void } {
  const prefix = kindPrefix(kind);
  return resyncingWatch(
    store,
    prefix,
    (e) => {
      const name = e.key.slice(prefix.length);
      if (e.type === 'delete') {
        h.onDelete(name);
        return;
      }
      try {
        h.onUpsert(decodeStored(kind, e.key, e.value ?? '', e.revision));
      } catch (err) {
        h.onInvalid?.(e.key, err as Error);
      }
    },
    { onSynced: h.onSynced },
  );
}
