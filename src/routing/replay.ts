// Sending an Adj-RIB-Out's current state, outside its bucket stream: to members joining an
// update group (the full table) and to members that fell behind (the pairs they missed).
// - TableReplay: one walk over the whole table whose packed UPDATEs are shared by every
//   member joining while the table is unchanged (a burst of peers connecting at start-up
//   costs one walk, not one per peer).
// - packState: a member's private batch (pairs it missed), announce or withdraw per pair.
import type { CodecContext } from '../bgp/messages';
import { type AdjRibOut, NO_PEER } from './adj-rib-out';
import type { AttrSet } from '../rib';
import { PairQueue } from './pair-queue';
import type { UpdatePacker } from './wire-encode';

export interface ReplayEntry {
  readonly buf: Buffer;
  /** The member this UPDATE must skip (its own routes), or NO_PEER. */
  readonly except: number;
}

export class TableReplay {
  /** AdjRibOut.version when the walk was taken: joiners may share it while unchanged. */
  readonly version: number;
  readonly entries: ReplayEntry[] = [];
  users = 0;
  private readonly todo: PairQueue;

  constructor(
    private readonly out: AdjRibOut,
    private readonly packer: UpdatePacker,
    private readonly ctx: CodecContext,
    private readonly batch: number,
  ) {
    this.version = out.version;
    this.todo = new PairQueue(out.prefixes);
    out.forEach((p, tx) => {
      this.todo.push(p, tx);
    });
  }

  get done(): boolean {
    return this.todo.size === 0;
  }

  /** Packs the next batch of the walk into entries; false when the walk is over. */
  step(): boolean {
    if (this.todo.size === 0) return false;
    const pairs: number[] = [];
    this.todo.take(this.batch, pairs);
    // Group by (attribute set, excluded source) as the buckets do.
    const groups = new Map<number, { attrs: AttrSet; excl: number; pairs: number[] }>();
    for (let i = 0; i < pairs.length; i += 2) {
      const a = this.out.lookup(pairs[i], pairs[i + 1]);
      if (!a) continue; // withdrawn since the walk began; joiners never had it
      const excl = this.out.exclusionOf(pairs[i], pairs[i + 1]);
      const key = a.id * 2097152 + (excl + 1);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { attrs: a, excl, pairs: [] }));
      g.pairs.push(pairs[i], pairs[i + 1]);
    }
    for (const g of groups.values()) {
      for (let at = 0; at < g.pairs.length; ) {
        const p = this.packer.announce(this.out.prefixes, g.attrs, g.pairs, at, this.ctx);
        if (p.next === at) break;
        this.entries.push({ buf: p.buf, except: g.excl });
        at = p.next;
      }
    }
    this.todo.release(pairs);
    return true;
  }

  /** Drops the walk's remaining references (its last user left). */
  close(): void {
    this.todo.clear();
  }
}

/**
 * UPDATEs carrying the current state of `pairs` for one member: announcements where the
 * group advertises the pair to it, withdrawals otherwise (the member may hold an older
 * announcement of it: these pairs changed since it was last sent anything).
 */
export function packState(
  out: AdjRibOut,
  packer: UpdatePacker,
  ctx: CodecContext,
  pairs: readonly number[],
  peer: number,
): Buffer[] {
  const res: Buffer[] = [];
  const withdraw: number[] = [];
  const announce = new Map<AttrSet, number[]>();
  for (let i = 0; i < pairs.length; i += 2) {
    const a = out.lookup(pairs[i], pairs[i + 1]);
    const own = a !== undefined && peer !== NO_PEER && out.exclusionOf(pairs[i], pairs[i + 1]) === peer;
    if (!a || own) {
      withdraw.push(pairs[i], pairs[i + 1]);
      continue;
    }
    let l = announce.get(a);
    if (!l) announce.set(a, (l = []));
    l.push(pairs[i], pairs[i + 1]);
  }
  for (let at = 0; at < withdraw.length; ) {
    const p = packer.withdraw(out.prefixes, withdraw, at, ctx);
    if (p.next === at) break;
    res.push(p.buf);
    at = p.next;
  }
  for (const [a, l] of announce) {
    for (let at = 0; at < l.length; ) {
      const p = packer.announce(out.prefixes, a, l, at, ctx);
      if (p.next === at) break;
      res.push(p.buf);
      at = p.next;
    }
  }
  return res;
}
