// Every step of a workload's set-up registers its undo before it runs (so a step that half
// succeeds is undone too); a failure later rolls them back in reverse order: no namespace,
// veth, address or endpoint is left behind (the reference CNI plugins' shape).
export class Undo {
  private readonly steps: Array<{ what: string; fn: () => Promise<unknown> }> = [];

  push(what: string, fn: () => Promise<unknown>): void {
    this.steps.push({ what, fn });
  }

  /** Success: nothing is undone. */
  commit(): void {
    this.steps.length = 0;
  }

  /** Runs every undo, last first; returns the ones that failed (each as one line). */
  async rollback(): Promise<string[]> {
    const failed: string[] = [];
    while (this.steps.length > 0) {
      const s = this.steps.pop()!;
      try {
        await s.fn();
      } catch (e) {
        failed.push(`undo ${s.what}: ${(e as Error).message}`);
      }
    }
    return failed;
  }
}

/** Runs `body` with a fresh Undo; on failure rolls back and rethrows, naming undo failures. */
export async function withUndo<T>(body: (undo: Undo) => Promise<T>): Promise<T> {
  const undo = new Undo();
  try {
    const v = await body(undo);
    undo.commit();
    return v;
  } catch (e) {
    const failed = await undo.rollback();
    if (failed.length > 0 && e instanceof Error) e.message += ` (and rolling back failed: ${failed.join('; ')})`;
    throw e;
  }
}
