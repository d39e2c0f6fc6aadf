// Update groups: peers with the same export signature share one Adj-RIB-Out computation and
// the same encoded UPDATE Buffers (DESIGN.md "Update groups"; STYLE.md "Outbound buckets
// pulled by the socket").
//
// Flow: Loc-RIB changes -> apply() -> export rules -> AdjRibOut (state + buckets). Nothing is
// encoded until a member pulls: the first member to reach the end of the group's log builds
// the next UPDATE(s) from the buckets (withdrawals first) and appends them; every member reads
// the same Buffers from its own position. The log is bounded: a member that falls behind it
// leaves the log and catches up from the Adj-RIB-Out state of the prefixes it missed (and a
// new member catches up from the whole table), so a slow peer neither blocks the others nor
// makes the group buffer without bound. No timers, no sockets: the session shell pulls when
// its socket drains.
import type { AttrSet, AttrStore, LocRibChange, Rib, Route } from '../rib';
import { AdjRibOut, NO_PEER } from './adj-rib-out';
import { carried, type Entry } from './log-entry';
import { PairQueue } from './pair-queue';
import { packState, TableReplay } from './replay';
import type { UpdatePacker } from './wire-encode';
import { SetSizeCache } from './size-cache';
import { MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from '../bgp/messages';
import { type ExportSignature, Exporter, signatureKey } from './export';
import type { GroupOptions, TooLarge } from './group-options';
import { InitialEor } from './initial-eor';
import { type LocalIdentity, roleOf } from './rules';

export type { GroupOptions, TooLarge } from './group-options';

interface Member {
  readonly peer: number;
  /** Next log sequence number to read, while live. */
  next: number;
  /** (prefix, tx) pairs to resend from state, while catching up. */
  queue?: PairQueue;
  /** The shared full-table walk a joining member reads first, and its position in it. */
  replay?: TableReplay;
  rAt: number;
  /** RFC 4724 2: the first End-of-RIB, owed until sent (bounded: initial-eor.ts). */
  readonly eor: InitialEor;
}

export class UpdateGroup {
  readonly key: string;
  readonly out: AdjRibOut;
  private readonly exporter: Exporter;
  private readonly members = new Map<number, Member>();
  private readonly log: Entry[] = [];
  private logStart = 0; // sequence number of log[0]
  private pullsSinceTrim = 0;
  // ADD-PATH scratch (reused, no per-change arrays): tx ids sent now / advertised before.
  private readonly nowTx: number[] = [];
  private readonly oldTx: number[] = [];
  private replay: TableReplay | undefined; // the walk new joiners share while state is unchanged
  private readonly maxLog: number;
  private readonly batch: number;
  private readonly onTooLarge: ((info: TooLarge) => void) | undefined;
  private readonly initialEor: GroupOptions['initialEor'];
  private readonly limit: number;
  // exported()'s size check, memoised per exported set (size-cache.ts says why).
  private readonly sizes = new SetSizeCache((a) => this.packer.sizeWithOnePrefix?.(a, this.sig.ctx) ?? 0);

  constructor(
    readonly sig: ExportSignature,
    private readonly rib: Rib,
    store: AttrStore,
    local: LocalIdentity,
    private readonly packer: UpdatePacker,
    opts: GroupOptions = {},
  ) {
    this.key = signatureKey(sig);
    this.out = new AdjRibOut(rib.prefixes, store, Math.max(64, rib.locRibSize), sig.addPath !== 'none');
    this.exporter = new Exporter(store, local, sig.target);
    this.maxLog = opts.maxLog ?? 1024;
    this.batch = opts.batch ?? 1024;
    this.onTooLarge = opts.onTooLarge;
    this.initialEor = opts.initialEor;
    this.limit = sig.ctx.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
  }

  get memberCount(): number {
    return this.members.size;
  }
  get logLength(): number {
    return this.log.length;
  }
  private get head(): number {
    return this.logStart + this.log.length;
  }
  isCatchingUp(peer: number): boolean {
    return this.members.get(peer)?.queue !== undefined;
  }

  /** May pull(peer) have something now? (False: nothing for it; the shell pulls after apply() and on drain.) */
  hasWork(peer: number): boolean {
    const m = this.members.get(peer);
    if (!m) return false;
    return (
      m.eor.owed || m.replay !== undefined || (m.queue?.size ?? 0) > 0 || m.next < this.head || this.out.pending > 0
    );
  }

  /**
   * A new member: it reads a walk of the whole Adj-RIB-Out (shared with other members joining
   * while the table is unchanged), then what changed meanwhile, then End-of-RIB, then live.
   */
  join(peer: number): void {
    if (this.members.has(peer)) return;
    if (!this.replay || this.replay.version !== this.out.version) {
      // Bigger batches than the buckets: grouping by attribute set packs fuller UPDATEs.
      this.replay = new TableReplay(this.out, this.packer, this.sig.ctx, this.batch * 8);
    }
    this.replay.users++;
    const q = new PairQueue(this.rib.prefixes);
    this.members.set(peer, {
      peer,
      next: this.head,
      queue: q,
      replay: this.replay,
      rAt: 0,
      eor: new InitialEor(this.initialEor),
    });
  }

  /**
   * Route refresh out (RFC 2918 3, RFC 7313): the member asked for our routes again; it
   * gets the whole Adj-RIB-Out from state, then goes live.
   */
  refresh(peer: number): void {
    const m = this.members.get(peer);
    if (!m) return;
    // A live member may not have read the log's tail yet: withdrawals there are for pairs no
    // longer in state, so the walk below would never resend them and the trim that follows
    // (catching-up members hold no log position) would drop them unread, leaving the peer on
    // routes we no longer advertise (RFC 4271 3.1). They join its queue first.
    const q = m.queue ?? this.fallBehind(m);
    this.out.forEach((p, tx) => {
      q.push(p, tx);
    });
    this.trim();
  }

  leave(peer: number): void {
    const m = this.members.get(peer);
    if (!m) return;
    m.queue?.clear();
    m.eor.done();
    this.leaveReplay(m);
    this.members.delete(peer);
    this.trim();
  }

  /** Releases everything the group holds (its last member left). */
  close(): void {
    for (const m of [...this.members.values()]) this.leave(m.peer);
    const ix = this.rib.prefixes;
    for (const e of this.log) for (let i = 0; i < e.ids.length; i++) ix.unref(e.ids[i]);
    this.logStart += this.log.length;
    this.log.length = 0;
    this.out.clear();
  }

  /**
   * Feeds Loc-RIB changes (from Rib.decide(), before the next decide()) through export.
   * `quiet`: update state without queueing UPDATEs (seeding a group before its first member).
   */
  apply(changes: readonly LocRibChange[], quiet = false): void {
    const mode = this.sig.addPath;
    for (const ch of changes) {
      if (mode === 'none') {
        if (!ch.bestChanged) continue;
        const r = ch.best;
        this.out.set(ch.prefix, 0, r ? this.exported(r) : undefined, r ? this.exclusion(r) : NO_PEER, quiet);
        continue;
      }
      this.applyPaths(ch.prefix, mode, quiet);
    }
  }

  /**
   * RFC 7911: every path (or the best N) with its own path ID, the path slot + 1; paths the
   * prefix no longer has (or that export now refuses) are withdrawn by their ID. What was
   * sent before is the Adj-RIB-Out's own chain for the prefix: no second index to keep.
   */
  private applyPaths(prefix: number, mode: 'all' | number, quiet: boolean): void {
    const routes = mode === 'all' ? this.rib.feasibleOf(prefix) : this.rib.rankedOf(prefix, mode);
    const now = this.nowTx;
    const old = this.oldTx;
    const nOld = this.out.txsOf(prefix, old);
    let n = 0;
    for (let i = 0; i < routes.length; i++) {
      const r = routes[i];
      const a = this.exported(r);
      if (!a) continue;
      this.out.set(prefix, r.slot + 1, a, this.exclusion(r), quiet);
      now[n++] = r.slot + 1;
    }
    for (let i = 0; i < nOld; i++) {
      const tx = old[i];
      let kept = false;
      for (let j = 0; j < n && !kept; j++) kept = now[j] === tx;
      if (!kept) this.out.set(prefix, tx, undefined, NO_PEER, quiet);
    }
  }

  /**
   * Up to `max` UPDATE messages for `peer` to write now (empty: nothing to send). Live
   * members get the group's shared Buffers. Work per call is bounded by `max` and `batch`.
   */
  pull(peer: number, max = 16): Buffer[] {
    const m = this.members.get(peer);
    const res: Buffer[] = [];
    if (!m) return res;
    if (m.replay) {
      this.readReplay(m, max, res);
      if (m.replay) return res;
    }
    if (m.queue) {
      this.catchUp(m, max, res);
      if (m.queue) return res;
    }
    let steps = max * 4; // bound skipped entries too
    while (res.length < max && steps-- > 0) {
      if (m.next === this.head && !this.build()) break;
      const e = this.log[m.next - this.logStart];
      m.next++;
      if ((e.only !== NO_PEER && e.only !== peer) || e.except === peer) continue;
      res.push(e.buf);
    }
    if (m.eor.owed && res.length < max && this.initialTableOut(m)) {
      m.eor.done();
      res.push(this.packer.endOfRib(this.sig.family)); // RFC 4724 2: initial table sent
    }
    // Finding the slowest member is O(members): once per members' worth of any pulls (O(1) a
    // pull; counting only pulls from the tail kept ~4 MiB of read entries at 500k), not at each
    // member's catching up (members read an entry one after the other: O(members^2) an UPDATE).
    if (this.log.length > this.maxLog || ++this.pullsSinceTrim >= this.members.size) {
      this.pullsSinceTrim = 0;
      this.trim();
    }
    return res;
  }

  /** RFC 4456 / RFC 4271 export rules, then the group's export policy. */
  private exported(r: Route): AttrSet | undefined {
    const a = this.exporter.export(r.peer, r.attrs);
    const pol = this.sig.exportPolicy;
    const out = a && pol ? pol.apply(this.rib.prefixes, r.prefix, a) : a;
    if (!out) return undefined;
    // What we add (ORIGINATOR_ID, CLUSTER_LIST, our AS) can push a set the peer sent near the
    // limit past it: no UPDATE can carry it (RFC 4271 4.3), and sending nothing would leave
    // the receivers on the route they had before. It is withdrawn instead, and reported.
    const size = this.sizes.size(out);
    if (size > this.limit) {
      this.onTooLarge?.({
        family: this.sig.family,
        prefix: this.rib.prefixes.format(r.prefix),
        attrs: out,
        size,
        limit: this.limit,
        from: r.peer.address,
      });
      return undefined;
    }
    return out;
  }

  /**
   * Never send a route back to the peer it came from. The source is recorded whenever it
   * could be a member (its role and AS match the group's), so a later join is covered too.
   */
  private exclusion(r: Route): number {
    const t = this.sig.target;
    const role = roleOf(r.peer);
    return role === t.role && (role !== 'ebgp' || r.peer.asn === t.asn) ? r.peer.index : NO_PEER;
  }

  /** Builds the next UPDATE(s) from the buckets into the log; false when nothing is pending. */
  private build(): boolean {
    const b = this.out.nextBucket();
    if (!b) return false;
    const pairs: number[] = [];
    const srcWd: number[] = [];
    this.out.take(b, this.batch, pairs, srcWd);
    const ix = this.rib.prefixes;
    const ctx = this.sig.ctx;
    for (let at = 0; at < pairs.length; ) {
      const p = b.attrs ? this.packer.announce(ix, b.attrs, pairs, at, ctx) : this.packer.withdraw(ix, pairs, at, ctx);
      if (p.next === at) break; // cannot happen with sane sizes; never loop forever
      this.append({ buf: p.buf, only: NO_PEER, except: b.excl, ...carried(pairs, at, p.next) });
      at = p.next;
    }
    // The source member gets a withdraw instead where it was sent an older route: the group
    // no longer advertises that one to it.
    if (b.excl !== NO_PEER && this.members.has(b.excl)) {
      for (let w = 0; w < srcWd.length; ) {
        const wp = this.packer.withdraw(ix, srcWd, w, ctx);
        if (wp.next === w) break;
        this.append({ buf: wp.buf, only: b.excl, except: NO_PEER, ...carried(srcWd, w, wp.next) });
        w = wp.next;
      }
    }
    this.out.releasePairs(pairs);
    return true;
  }

  private append(e: Entry): void {
    const ix = this.rib.prefixes;
    for (let i = 0; i < e.ids.length; i++) ix.ref(e.ids[i]);
    // Members catching up read state, not the log: what changes meanwhile joins their queue.
    // One with nothing left to catch up goes live here and reads this entry like the rest.
    for (const m of this.members.values()) {
      if (!m.queue) continue;
      if (m.queue.size === 0 && !m.replay) {
        m.queue = undefined;
        m.next = this.head;
        continue;
      }
      for (let i = 0; i < e.ids.length; i++) m.queue.push(e.ids[i], e.txs?.[i] ?? 0, true);
    }
    this.log.push(e);
  }

  /** Drops log entries every live member has read; pushes members too far behind out. */
  private trim(): void {
    if (this.log.length > this.maxLog) {
      const cut = this.head - this.maxLog;
      for (const m of this.members.values()) {
        if (!m.queue && m.next < cut) this.fallBehind(m);
      }
    }
    let min = this.head;
    for (const m of this.members.values()) if (!m.queue && m.next < min) min = m.next;
    const ix = this.rib.prefixes;
    while (this.logStart < min) {
      const e = this.log.shift() as Entry;
      for (let i = 0; i < e.ids.length; i++) ix.unref(e.ids[i]);
      this.logStart++;
    }
  }

  /** Moves a live member to catch-up: the pairs of the log entries it has not read join its queue. */
  private fallBehind(m: Member): PairQueue {
    const q = (m.queue = new PairQueue(this.rib.prefixes));
    for (let s = m.next; s < this.head; s++) {
      const e = this.log[s - this.logStart];
      if ((e.only !== NO_PEER && e.only !== m.peer) || e.except === m.peer) continue;
      for (let i = 0; i < e.ids.length; i++) q.push(e.ids[i], e.txs?.[i] ?? 0, true);
    }
    return q;
  }

  /** Reads the shared full-table walk, packing more of it when this member is ahead. */
  private readReplay(m: Member, max: number, res: Buffer[]): void {
    const r = m.replay as TableReplay;
    let steps = max * 4; // own routes are skipped: bound those too
    while (res.length < max && steps-- > 0) {
      if (m.rAt < r.entries.length) {
        const e = r.entries[m.rAt++];
        if (e.except !== m.peer) res.push(e.buf);
      } else if (!r.step()) break;
    }
    if (m.rAt >= r.entries.length && r.done) this.leaveReplay(m);
  }

  private leaveReplay(m: Member): void {
    const r = m.replay;
    if (!r) return;
    m.replay = undefined;
    if (--r.users > 0) return;
    r.close();
    if (this.replay === r) this.replay = undefined;
  }

  /** Sends current state for queued pairs in private Buffers; goes live when drained. */
  private catchUp(m: Member, max: number, res: Buffer[]): void {
    const q = m.queue as PairQueue;
    while (res.length < max && q.size > 0) {
      const batch: number[] = [];
      q.take(this.batch, batch);
      res.push(...packState(this.out, this.packer, this.sig.ctx, batch, m.peer));
      q.release(batch);
    }
    if (q.size > 0) return;
    m.queue = undefined;
    m.next = this.head;
  }

  // RFC 4724 2: End-of-RIB marks the initial table complete: every UPDATE built read, no bucket
  // left, no decision pending in the RIB (a route decided after the catch-up would follow it).
  // Once the bound has passed (initial-eor.ts), what was built and read is enough.
  private initialTableOut(m: Member): boolean {
    if (m.queue || m.replay || m.next !== this.head) return false;
    return m.eor.overdue || (this.out.pending === 0 && this.rib.pendingDecisions === 0);
  }
}
