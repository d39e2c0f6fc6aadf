// Refused-path bookkeeping for a Rib: paths a peer sent that are not in its Adj-RIB-In, with
// a reason each. Separate from rib.ts because it never touches paths or the decision process.
import { IntTable } from './int-table';
import type { PrefixId, PrefixIndex } from './prefix-index';

/** Distinct reason texts a Rib keeps; more collapse into the last (bounded memory). */
const MAX_REASONS = 1024;

export class RejectedPaths {
  /**
   * Per peer index: (prefixId, rxPathId) -> reason code, for paths the peer sent that are not
   * in its Adj-RIB-In (import rules, RFC 7606 treat-as-withdraw). Contract 3's `received`
   * counts them with the kept ones. Each entry holds a prefix reference.
   */
  private readonly rejectedIn: (IntTable | undefined)[] = [];
  private readonly reasons: string[] = ['rejected'];
  private readonly reasonCodes = new Map<string, number>([['rejected', 0]]);

  constructor(
    private readonly prefixes: PrefixIndex,
    private readonly onReject?: (peer: number, prefix: PrefixId, pathId: number, reason: string) => void,
  ) {}

  /** Paths of one peer received and not kept (still announced by it, refused by us). */
  count(peer: number): number {
    return this.rejectedIn[peer]?.size ?? 0;
  }

  /** Every rejected path: fn(peer, prefix, pathId, reason). */
  forEach(fn: (peer: number, prefix: PrefixId, pathId: number, reason: string) => void): void {
    this.rejectedIn.forEach((t, peer) => {
      t?.forEach((k, off, code) => {
        fn(peer, k[off], k[off + 1], this.reasons[code] ?? 'rejected');
      });
    });
  }

  private reasonCode(text: string): number {
    let c = this.reasonCodes.get(text);
    if (c === undefined) {
      if (this.reasons.length >= MAX_REASONS) return 0;
      c = this.reasons.push(text) - 1;
      this.reasonCodes.set(text, c);
    }
    return c;
  }

  note(peer: number, prefix: PrefixId, pathId: number, reason: string): void {
    const t = (this.rejectedIn[peer] ??= new IntTable(2, 16));
    t.key[0] = prefix;
    t.key[1] = pathId;
    const probe = t.probe();
    const code = this.reasonCode(reason);
    if (probe >= 0) t.setValueAt(probe, code);
    else {
      this.prefixes.ref(prefix);
      t.insertAt(probe, code);
    }
    this.onReject?.(peer, prefix, pathId, reason);
  }

  /** The peer withdrew or re-sent (and we kept) a path we had refused. */
  forget(peer: number, prefix: PrefixId, pathId: number): void {
    const t = this.rejectedIn[peer];
    if (!t || t.size === 0) return;
    t.key[0] = prefix;
    t.key[1] = pathId;
    const probe = t.probe();
    if (probe < 0) return;
    t.deleteAt(probe);
    this.prefixes.unref(prefix);
  }

  /** The peer's session ended or it will send everything again (RFC 7313 BoRR). */
  clear(peer: number): void {
    const t = this.rejectedIn[peer];
    if (!t) return;
    const ids: number[] = [];
    t.forEach((k, off) => {
      ids.push(k[off]);
    });
    this.rejectedIn[peer] = undefined;
    for (const id of ids) this.prefixes.unref(id);
  }
}
