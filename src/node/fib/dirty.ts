// The FIB sink's queue of prefixes to look at: a change is coalesced per prefix (set then
// delete between batches is one look, which sends a delete or nothing), and batches take
// prefixes off it in the order they first changed.
export class DirtyQueue {
  private dirty = new Set<string>();
  /** The set being worked through (detached from `dirty`) and how much of it is left. */
  private walk: Iterator<string> | undefined;
  private walkLeft = 0;

  add(prefix: string): void {
    this.dirty.add(prefix);
  }

  /** Prefixes changed and not yet looked at. */
  get size(): number {
    return this.dirty.size + this.walkLeft;
  }

  clear(): void {
    this.dirty.clear();
    this.walk = undefined;
    this.walkLeft = 0;
  }

  /**
   * The next prefix. Batches walk a detached set with one iterator: deleting from the front
   * of a big Set and iterating it again per batch would skip the deleted slots each time
   * (quadratic in a table's worth of changes). A change arriving meanwhile lands in the
   * fresh set and is looked at again after (a second look at an unchanged prefix sends
   * nothing).
   */
  next(): string | undefined {
    for (;;) {
      if (this.walk) {
        const r = this.walk.next();
        if (!r.done) {
          this.walkLeft--;
          return r.value;
        }
        this.walk = undefined;
        this.walkLeft = 0;
      }
      if (this.dirty.size === 0) return undefined;
      this.walkLeft = this.dirty.size;
      this.walk = this.dirty.values();
      this.dirty = new Set();
    }
  }
}
