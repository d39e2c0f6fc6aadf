// The kernel FIB sink's failures: why a prefix's last change failed (by slot tag, its FAILED
// flag says it is here), texts set() or delete() could not take as a prefix, the last error
// shown in stats, and the rate-limited log line.
import { LogRateLimiter } from '../../observability';
import { V6, prefixWords } from './prefix-text';
import { FAILED, tagOf, type FamilyTable } from './table';
import type { FibLogger } from './types';

export class Failures {
  /** Why a slot's last change failed, by tag. */
  readonly failed = new Map<number, string>();
  /** Texts set() or delete() could not take as a prefix, and why. */
  readonly badText = new Map<string, string>();
  lastError: string | undefined;
  private readonly limiter = new LogRateLimiter(5, 10_000);
  private readonly v4scratch = new Uint8Array(4);
  private readonly words = new Uint32Array(4);

  constructor(private readonly log: FibLogger) {}

  get size(): number {
    return this.failed.size + this.badText.size;
  }

  unfail(t: FamilyTable, id: number): void {
    if ((t.flags[id]! & FAILED) === 0) return;
    t.flags[id] &= ~FAILED;
    this.failed.delete(tagOf(t, id));
  }

  fail(t: FamilyTable, id: number, why: string): void {
    t.flags[id] |= FAILED;
    this.failed.set(tagOf(t, id), why);
    this.note(t.text(id), why);
  }

  /** A text that is not a prefix: counted and logged. */
  badPrefix(prefix: string, why: string): void {
    this.badText.set(prefix, why);
    this.note(prefix, why);
  }

  /** Logged and shown as the last error, not counted. */
  note(prefix: string, why: string): void {
    this.lastError = `${prefix}: ${why}`;
    const d = this.limiter.allow('fib');
    if (d.ok) this.log.warn({ prefix, err: why, suppressed: d.suppressed || undefined }, 'fib: route not installed');
  }

  /** Why the route of a text prefix failed, or undefined. */
  of(prefix: string, tables: readonly [FamilyTable, FamilyTable]): string | undefined {
    if (this.size === 0) return undefined;
    const r = prefixWords(prefix, this.v4scratch, this.words);
    if (typeof r !== 'number') return this.badText.get(prefix);
    const t = tables[r >= V6 ? 1 : 0];
    const id = t.find(this.words, r & 0xff);
    return id < 0 ? undefined : this.failed.get(tagOf(t, id));
  }
}
