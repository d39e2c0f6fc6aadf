// What this node advertises, from the IPAM blocks in the datastore (followed live): each
// block affine to the node as one route (plus its local blackhole), and a host route (/32,
// /128) for every address the node holds in a block that is not its own (Calico's borrowed
// addresses). An address is the node's when its handle is `node:NAME` (what `vroute ipam
// allocate --node NAME` records) or `node:NAME/...` (a workload's handle on that node).
import { watchResources, type Datastore, type IPAMBlockSpec } from '../datastore';

export interface LocalRoute {
  prefix: string;
  /** The block is ours: a local blackhole route goes with it. */
  block: boolean;
}

/** The pure computation: every route node `node` should originate, by prefix. */
export function desiredLocalRoutes(blocks: Iterable<IPAMBlockSpec>, node: string): Map<string, LocalRoute> {
  const affinity = `node:${node}`;
  const out = new Map<string, LocalRoute>();
  const held = (h: string) => h === affinity || h.startsWith(`${affinity}/`);
  for (const b of blocks) {
    if (b.affinity === affinity) {
      out.set(b.cidr, { prefix: b.cidr, block: true });
      continue;
    }
    const len = b.cidr.includes(':') ? 128 : 32;
    for (const [ip, handle] of Object.entries(b.allocations ?? {})) {
      if (typeof handle === 'string' && held(handle)) out.set(`${ip}/${len}`, { prefix: `${ip}/${len}`, block: false });
    }
  }
  return out;
}

export interface LocalBlocksOptions {
  debounceMs?: number;
  onInvalid?: (key: string, err: Error) => void;
  /** An exception from onChange (it runs from a timer). */
  onError?: (err: unknown) => void;
}

/**
 * Follows IPAMBlock resources and reports the node's local routes as they change: `added`
 * and `removed` against the previous report (the first report lists all). Debounced, so an
 * allocation burst becomes one change.
 */
export class LocalBlocks {
  private readonly blocks = new Map<string, IPAMBlockSpec>();
  private current = new Map<string, LocalRoute>();
  private readonly watch: { cancel(): void };
  private timer?: NodeJS.Timeout;
  private synced = false;

  constructor(
    store: Datastore,
    private readonly node: string,
    private readonly onChange: (c: { added: LocalRoute[]; removed: LocalRoute[] }) => void,
    private readonly opts: LocalBlocksOptions = {},
  ) {
    this.watch = watchResources(store, 'IPAMBlock', {
      onUpsert: (r) => {
        this.blocks.set(r.metadata.name, r.spec as unknown as IPAMBlockSpec);
        this.schedule();
      },
      onDelete: (name) => {
        this.blocks.delete(name);
        this.schedule();
      },
      onSynced: () => {
        this.synced = true;
        this.schedule();
      },
      onInvalid: (key, err) => opts.onInvalid?.(key, err),
    });
  }

  routes(): LocalRoute[] {
    return [...this.current.values()];
  }

  cancel(): void {
    this.watch.cancel();
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (!this.synced || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      try {
        this.recompute();
      } catch (e) {
        this.opts.onError?.(e);
      }
    }, this.opts.debounceMs ?? 100);
  }

  private recompute(): void {
    const next = desiredLocalRoutes(this.blocks.values(), this.node);
    const added: LocalRoute[] = [];
    const removed: LocalRoute[] = [];
    for (const [p, r] of next) {
      const old = this.current.get(p);
      if (!old || old.block !== r.block) added.push(r);
    }
    for (const [p, r] of this.current) if (!next.has(p)) removed.push(r);
    this.current = next;
    if (added.length + removed.length > 0) this.onChange({ added, removed });
  }
}
