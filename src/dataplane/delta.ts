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
  /** Bumped by every change: a plan made at this generation still describes the pending keys. */
  gen = 0;

  constructor(private readonly inSync: (desired: D, kernel: K) => boolean) {}

  setDesired(key: string, value: D): void {
    this.gen++;
    this.desired.set(key, value);
    this.recheck(key, value);
  }

  deleteDesired(key: string): void {
    if (!this.desired.delete(key)) return;
    this.gen++;
    this.recheck(key);
  }

  setDataplane(key: string, value: K): void {
    this.gen++;
    this.dataplane.set(key, value);
    this.recheck(key, undefined, value);
  }

  deleteDataplane(key: string): void {
    this.gen++;
    this.dataplane.delete(key);
    this.recheck(key);
  }

  /**
   * After a read of the kernel: its content replaces our idea of it. Only keys whose kernel
   * value differs from what we recorded are checked again (the pending sets are kept right
   * for every other key by each change), so a read that finds what we expected, or an empty
   * kernel where we expected one (a first start), costs a lookup per key and no set changes.
   */
  replaceDataplane(all: ReadonlyMap<string, K>): void {
    this.gen++;
    for (const k of this.dataplane.keys()) {
      if (all.has(k)) continue;
      this.dataplane.delete(k);
      this.recheck(k);
    }
    for (const [k, v] of all) {
      if (this.dataplane.get(k) === v && v !== undefined) continue;
      this.dataplane.set(k, v);
      this.recheck(k, undefined, v);
    }
  }

  /**
   * After a transaction that programmed exactly the pending keys of generation `gen`: the
   * kernel now holds `values[i]` for `updated[i]` and none of `deleted`. When nothing changed
   * since (the usual case) the pending sets are cleared whole rather than key by key (a first
   * apply commits ~40,000 keys at 10,000 endpoints); otherwise key by key.
   */
  commit(gen: number, updated: readonly string[], values: readonly K[], deleted: readonly string[]): void {
    if (gen !== this.gen) {
      for (const key of deleted) this.deleteDataplane(key);
      for (let i = 0; i < updated.length; i++) this.setDataplane(updated[i]!, values[i]!);
      return;
    }
    for (const key of deleted) this.dataplane.delete(key);
    for (let i = 0; i < updated.length; i++) this.dataplane.set(updated[i]!, values[i]!);
    this.pendingUpdates.clear();
    this.pendingDeletes.clear();
    this.gen++;
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

/**
 * The same for the elements of many sets and maps: one tracker per container, keyed by the
 * element itself. The element strings are the endpoint's own (interface name, address), so a
 * change makes no `set\0element` key to build, hash and split again when the script is made.
 */
export class ElementTracker<V> {
  readonly containers = new Map<string, DeltaTracker<V>>();

  constructor(private readonly inSync: (desired: V, kernel: V) => boolean) {}

  private of(container: string): DeltaTracker<V> {
    let t = this.containers.get(container);
    if (!t) this.containers.set(container, (t = new DeltaTracker(this.inSync)));
    return t;
  }

  /**
   * Drops a container's tracker once it has nothing wanted and nothing in the kernel; only
   * when the kernel side is recorded (commit, read), so a plan's trackers outlive its apply.
   */
  private prune(container: string, t: DeltaTracker<V>): void {
    if (t.desired.size === 0 && t.dataplane.size === 0) this.containers.delete(container);
  }

  setDesired(container: string, elem: string, value: V): void {
    this.of(container).setDesired(elem, value);
  }

  deleteDesired(container: string, elem: string): void {
    const t = this.containers.get(container);
    t?.deleteDesired(elem);
  }

  /** Whether the element is wanted but not (known to be) in the kernel. */
  pending(container: string, elem: string): boolean {
    return this.containers.get(container)?.pendingUpdates.has(elem) ?? false;
  }

  /** After a read of the kernel: container -> element -> value. */
  replaceDataplane(all: ReadonlyMap<string, ReadonlyMap<string, V>>): void {
    const none = new Map<string, V>();
    for (const [c, t] of this.containers) t.replaceDataplane(all.get(c) ?? none);
    for (const [c, m] of all) if (!this.containers.has(c)) this.of(c).replaceDataplane(m);
    for (const [c, t] of this.containers) this.prune(c, t);
  }

  commit(
    container: string,
    gen: number,
    updated: readonly string[],
    values: readonly V[],
    deleted: readonly string[],
  ): void {
    const t = this.of(container);
    t.commit(gen, updated, values, deleted);
    this.prune(container, t);
  }

  get inSyncNow(): boolean {
    for (const t of this.containers.values()) if (!t.inSyncNow) return false;
    return true;
  }
}
