// Reusing freed slot numbers, so that ids stay dense (per-id state elsewhere is a plain typed
// array indexed by id) and churn neither grows the tables nor allocates. Two shapes: for a
// table of parallel typed arrays the free list is threaded through the table's own link
// array (SlotFreeList); for ids of JS-side tables a small stack of freed ids (IdPool).

const NIL = -1;

/**
 * Slot numbers for a table of parallel typed arrays: freed slots are reused first, kept on a
 * list threaded through the table's own link array (each free slot's link names the next
 * free one), so churn neither grows the arrays nor allocates. A slot in use may use its link
 * for anything else (a chain of its own).
 */
export class SlotFreeList {
  /** First free slot, or -1. */
  private head = NIL;
  /** Slots ever handed out: new ones come from here. */
  used = 0;

  /** True when take() would need a slot past `capacity`: grow the arrays first. */
  full(capacity: number): boolean {
    return this.head === NIL && this.used >= capacity;
  }

  /** A slot: the last freed one, else a new one (the caller checked full()). */
  take(links: Int32Array): number {
    const s = this.head;
    if (s === NIL) return this.used++;
    this.head = links[s];
    return s;
  }

  /** Puts slot `s` on the list (overwrites links[s]). */
  give(links: Int32Array, s: number): void {
    links[s] = this.head;
    this.head = s;
  }

  clear(): void {
    this.head = NIL;
    this.used = 0;
  }
}

/** Dense ids: the last freed one first, else the next never used (0, 1, 2, ...). */
export class IdPool {
  private readonly free: number[] = [];
  /** Ids ever handed out: one past the highest. */
  used = 0;

  take(): number {
    return this.free.length > 0 ? (this.free.pop() as number) : this.used++;
  }

  give(id: number): void {
    this.free.push(id);
  }
}
