// Felix's delta tracker: what we want (desired) beside what the kernel has (dataplane), and
// the keys where they differ. Writers change `desired` as the datastore moves; the apply loop
// programs the pending keys and records what the kernel now holds; a resync replaces the
// dataplane side with a fresh read, so anything changed behind our back shows up as pending.

export class DeltaTracker<D, K = D> {
  readonly desired = new Map<string, D>();
  readonly dataplane = new Map<string, K>();
  /** Keys whose desired value is not (or not yet known to be) in the kernel. */
  readonly pendingUpdates = new Set<string>();
  /** Keys in the kernel that are no longer desired. */
  readonly pendingDeletes = new Set<string>();

  constructor(private readonly inSync: (desired: D, kernel: K) => boolean) {}

  setDesired(key: string, value: D): void {
    this.desired.set(key, value);
    this.recheck(key, value);
  }

  deleteDesired(key: string): void {
    if (!this.desired.delete(key)) return;
    this.recheck(key);
  }

  setDataplane(key: string, value: K): void {
    this.dataplane.set(key, value);
    this.recheck(key, undefined, value);
  }

  deleteDataplane(key: string): void {
    this.dataplane.delete(key);
    this.recheck(key);
  }

  /** After a read of the kernel: its content replaces our idea of it. */
  replaceDataplane(all: Map<string, K>): void {
    this.dataplane.clear();
    this.pendingUpdates.clear();
    this.pendingDeletes.clear();
    for (const [k, v] of all) this.dataplane.set(k, v);
    for (const k of this.desired.keys()) this.recheck(k);
    for (const k of this.dataplane.keys()) if (!this.desired.has(k)) this.pendingDeletes.add(k);
  }

  get inSyncNow(): boolean {
    return this.pendingUpdates.size === 0 && this.pendingDeletes.size === 0;
  }

  // Hot: called for every key of 10,000 endpoints on a first apply, so it touches only the
  // sets it must.
  private recheck(key: string, knownD?: D, knownK?: K): void {
    const d = knownD ?? this.desired.get(key);
    const k = knownK ?? this.dataplane.get(key);
    if (d !== undefined) {
      if (k === undefined || !this.inSync(d, k)) this.pendingUpdates.add(key);
      else this.pendingUpdates.delete(key);
      if (this.pendingDeletes.size !== 0) this.pendingDeletes.delete(key);
    } else {
      if (this.pendingUpdates.size !== 0) this.pendingUpdates.delete(key);
      if (k !== undefined) this.pendingDeletes.add(key);
      else if (this.pendingDeletes.size !== 0) this.pendingDeletes.delete(key);
    }
  }
}
