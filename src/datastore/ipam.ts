// IPAM (Calico's block-affinity scheme): each IPPool is cut into blocks of `blockSize`; a node
// claims a block (affinity node:NAME) and allocates inside it, so it can advertise the whole
// block as one route. When its blocks are full it claims another free block; only when the
// pool has no free block left does it borrow an address from another node's block.
// Every claim and allocation is one compare-and-swap on the block's key (expectRevision, 0 for
// a new block), retried on conflict: concurrent allocators on one etcd never hand out the
// same address, because two writers of one block revision cannot both succeed.
// A pool's first and last addresses are never handed out (contract 7): hosts outside vroute
// may still treat them as the subnet's network and broadcast addresses.
import { type Cidr, contains, formatCidr, formatIp, parseCidr, parseIp, size, subBlock, bits } from './cidr';
import { type Datastore, type KeyValue, withCasRetry } from './store';
import { decodeStored, encodeStored } from './resources/documents';
import {
  API_VERSION,
  blockName,
  type IPAMBlockSpec,
  type IPPoolSpec,
  kindPrefix,
  type Resource,
  resourceKey,
} from './resources/types';

export class IpamError extends Error {
  readonly expose = true;
  constructor(message: string) {
    super(message);
    this.name = 'IpamError';
  }
}

interface Pool {
  name: string;
  cidr: Cidr;
  text: string;
  blockSize: number;
  disabled: boolean;
}
interface Block {
  kv: KeyValue;
  cidr: Cidr;
  spec: IPAMBlockSpec;
}

export interface AllocateOptions {
  node: string;
  /** Restrict to the pool with this CIDR; default: every enabled pool of the family. */
  pool?: string;
  count?: number;
  family?: 4 | 6;
  /** Recorded with each address (who holds it); default `node:NAME`. */
  handle?: string;
}

async function readPools(store: Datastore): Promise<Pool[]> {
  const l = await store.list(kindPrefix('IPPool'));
  return l.items.map((kv) => {
    const r = decodeStored('IPPool', kv.key, kv.value, kv.revision);
    const s = r.spec as unknown as IPPoolSpec;
    return {
      name: r.metadata.name,
      cidr: parseCidr(s.cidr)!,
      text: s.cidr,
      blockSize: s.blockSize,
      disabled: s.disabled,
    };
  });
}

async function readBlocks(store: Datastore): Promise<Block[]> {
  const l = await store.list(kindPrefix('IPAMBlock'));
  return l.items.map((kv) => {
    const r = decodeStored('IPAMBlock', kv.key, kv.value, kv.revision);
    const spec = r.spec as unknown as IPAMBlockSpec;
    return { kv, cidr: parseCidr(spec.cidr)!, spec };
  });
}

function blockResource(spec: IPAMBlockSpec): Resource {
  return {
    apiVersion: API_VERSION,
    kind: 'IPAMBlock',
    metadata: { name: blockName(spec.cidr) },
    spec: spec as unknown as Record<string, unknown>,
  };
}

function inside(pool: Pool, b: Block): boolean {
  return (
    b.cidr.family === pool.cidr.family &&
    b.cidr.base >= pool.cidr.base &&
    b.cidr.base < pool.cidr.base + size(pool.cidr)
  );
}

/** True for the pool's first and last address, which are never handed out. */
function reserved(pool: Pool, v: bigint): boolean {
  return v === pool.cidr.base || v === pool.cidr.base + size(pool.cidr) - 1n;
}

/** Takes up to `want` free addresses of a block, lowest first, skipping the pool's reserved ones. */
function freeAddresses(pool: Pool, b: Block, want: number): string[] {
  const out: string[] = [];
  const n = size(b.cidr);
  for (let i = 0n; i < n && out.length < want; i++) {
    if (reserved(pool, b.cidr.base + i)) continue;
    const ip = formatIp(b.cidr.family, b.cidr.base + i);
    if (!(ip in b.spec.allocations)) out.push(ip);
  }
  return out;
}

function used(b: Block): number {
  return Object.keys(b.spec.allocations).length;
}

/** Addresses of the block that can ever be handed out (its size less the pool's reserved ones inside it). */
function capacity(pool: Pool, b: Block): number {
  let n = Number(size(b.cidr));
  for (const v of [pool.cidr.base, pool.cidr.base + size(pool.cidr) - 1n])
    if (contains(b.cidr, pool.cidr.family, v)) n--;
  return n;
}

function hasRoom(pool: Pool, b: Block): boolean {
  // A reserved address recorded before this rule existed does not count against the capacity.
  const taken = Object.keys(b.spec.allocations).filter((ip) => {
    const v = parseIp(ip);
    return !v || !reserved(pool, v.value);
  }).length;
  return taken < capacity(pool, b);
}

/** Blocks lowest address first (keys sort as text, so 10-0-0-128 would come before 10-0-0-64). */
function byBase(a: Block, b: Block): number {
  return a.cidr.base < b.cidr.base ? -1 : a.cidr.base > b.cidr.base ? 1 : 0;
}

/** CAS-writes `ips` into block b; throws 'conflict' if anyone wrote the block meanwhile. */
async function takeIn(
  store: Datastore,
  b: Block | { new: IPAMBlockSpec },
  ips: string[],
  handle: string,
): Promise<void> {
  if ('new' in b) {
    const spec = { ...b.new, allocations: Object.fromEntries(ips.map((ip) => [ip, handle])) };
    await store.put(resourceKey('IPAMBlock', blockName(spec.cidr)), encodeStored(blockResource(spec)), {
      expectRevision: 0,
    });
    return;
  }
  const spec = { ...b.spec, allocations: { ...b.spec.allocations } };
  for (const ip of ips) spec.allocations[ip] = handle;
  await store.put(b.kv.key, encodeStored(blockResource(spec)), { expectRevision: b.kv.revision });
}

/** Up to `limit` block CIDRs of the pool that no block key holds yet, lowest first. */
function freeBlocks(pool: Pool, taken: Set<string>, limit: number): Cidr[] {
  const out: Cidr[] = [];
  const count = 1n << BigInt(pool.blockSize - pool.cidr.len);
  for (let n = 0n; n < count && out.length < limit; n++) {
    const c = subBlock(pool.cidr, pool.blockSize, n);
    if (!taken.has(formatCidr(c))) out.push(c);
  }
  return out;
}

/** One CAS round: allocates up to `want` addresses in one block write. */
async function allocateOnce(store: Datastore, opts: AllocateOptions, want: number, attempt: number): Promise<string[]> {
  const affinity = `node:${opts.node}`;
  const handle = opts.handle ?? affinity;
  const pools = (await readPools(store)).filter(
    (p) =>
      !p.disabled &&
      (opts.pool ? p.text === opts.pool || formatCidr(p.cidr) === opts.pool : p.cidr.family === (opts.family ?? 4)),
  );
  if (pools.length === 0)
    throw new IpamError(
      opts.pool ? `ipam: no enabled IPPool with cidr ${opts.pool}` : `ipam: no enabled IPv${opts.family ?? 4} IPPool`,
    );
  const blocks = (await readBlocks(store)).sort(byBase);
  const mine = (p: Pool) => blocks.filter((b) => inside(p, b) && b.spec.affinity === affinity && hasRoom(p, b));
  // 1. the lowest block this node already holds that has room
  for (const p of pools) {
    const b = mine(p)[0];
    if (b) {
      const ips = freeAddresses(p, b, want);
      await takeIn(store, b, ips, handle);
      return ips;
    }
  }
  // 2. claim a free block: the lowest on a first try (predictable addresses), then one of the
  //    first few at random, so nodes that lost a race spread out instead of colliding again
  const taken = new Set(blocks.map((b) => formatCidr(b.cidr)));
  for (const p of pools) {
    // A block of one address that is the pool's reserved one has no room at all.
    const free = freeBlocks(p, taken, 8).filter(
      (c) => capacity(p, { kv: undefined as never, cidr: c, spec: { cidr: '', affinity: null, allocations: {} } }) > 0,
    );
    if (free.length === 0) continue;
    const c = free[attempt === 0 ? 0 : Math.floor(Math.random() * free.length)]!;
    const spec: IPAMBlockSpec = { cidr: formatCidr(c), affinity, allocations: {} };
    const ips = freeAddresses(p, { kv: undefined as never, cidr: c, spec }, want);
    await takeIn(store, { new: spec }, ips, handle);
    return ips;
  }
  // 3. the pools have no free block: borrow from any block with room (another node's or none)
  for (const p of pools) {
    const b = blocks.filter((x) => inside(p, x) && hasRoom(p, x))[0];
    if (b) {
      const ips = freeAddresses(p, b, want);
      await takeIn(store, b, ips, handle);
      return ips;
    }
  }
  throw new IpamError(`ipam: pool${pools.length > 1 ? 's' : ''} ${pools.map((p) => p.text).join(', ')} exhausted`);
}

/** Allocates `count` addresses (default 1) for a node; returns them as bare addresses. */
export async function allocate(store: Datastore, opts: AllocateOptions): Promise<string[]> {
  const count = opts.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 65536)
    throw new IpamError(`ipam: --count ${count} is not in 1..65536`);
  const out: string[] = [];
  while (out.length < count) {
    let attempt = 0;
    const got = await withCasRetry(() => allocateOnce(store, opts, count - out.length, attempt++));
    if (got.length === 0)
      throw new IpamError('ipam: no free address found although a block claimed room (corrupt block?)');
    out.push(...got);
  }
  return out;
}

export interface AssignOptions {
  node: string;
  /** The address to record (bare, no prefix length). */
  address: string;
  /** Recorded with the address; default `node:NAME`. */
  handle?: string;
}

/**
 * Records a fixed address (`vroute workload add --ip ADDR`) in the block of its pool that holds
 * it, claiming that block for the node when no block holds it yet (contract 7). Refuses an
 * address in no enabled pool, a pool's first or last address, and one already allocated.
 * Returns the address in canonical form.
 */
export async function assign(store: Datastore, opts: AssignOptions): Promise<string> {
  const ip = parseIp(opts.address);
  if (!ip) throw new IpamError(`ipam: "${opts.address}" is not an IP address`);
  const text = formatIp(ip.family, ip.value);
  const handle = opts.handle ?? `node:${opts.node}`;
  return withCasRetry(async () => {
    const pool = (await readPools(store)).find((p) => contains(p.cidr, ip.family, ip.value));
    if (!pool) throw new IpamError(`ipam: ${text} is in no IPPool`);
    if (pool.disabled) throw new IpamError(`ipam: ${text} is in IPPool ${pool.name} (${pool.text}), which is disabled`);
    if (reserved(pool, ip.value))
      throw new IpamError(
        `ipam: ${text} is the ${ip.value === pool.cidr.base ? 'first' : 'last'} address of IPPool ${pool.text}, which is never handed out`,
      );
    const { block } = await blockOf(store, text);
    if (!block) {
      const hb = BigInt(bits(ip.family) - pool.blockSize);
      const spec: IPAMBlockSpec = {
        cidr: formatCidr({ family: ip.family, base: (ip.value >> hb) << hb, len: pool.blockSize }),
        affinity: `node:${opts.node}`,
        allocations: {},
      };
      await takeIn(store, { new: spec }, [text], handle);
      return text;
    }
    const holder = block.spec.allocations[text];
    if (holder !== undefined) throw new IpamError(`ipam: ${text} is already allocated (to ${holder})`);
    await takeIn(store, block, [text], handle);
    return text;
  });
}

async function blockOf(store: Datastore, addr: string): Promise<{ block?: Block; family: 4 | 6; value: bigint }> {
  const ip = parseIp(addr);
  if (!ip) throw new IpamError(`ipam: "${addr}" is not an IP address`);
  const pool = (await readPools(store)).find((p) => contains(p.cidr, ip.family, ip.value));
  if (!pool) throw new IpamError(`ipam: ${addr} is in no IPPool`);
  const hb = BigInt(bits(ip.family) - pool.blockSize);
  const cidr = formatCidr({ family: ip.family, base: (ip.value >> hb) << hb, len: pool.blockSize });
  const kv = await store.get(resourceKey('IPAMBlock', blockName(cidr)));
  if (!kv) return { family: ip.family, value: ip.value };
  const r = decodeStored('IPAMBlock', kv.key, kv.value, kv.revision);
  return {
    block: { kv, cidr: parseCidr(cidr)!, spec: r.spec as unknown as IPAMBlockSpec },
    family: ip.family,
    value: ip.value,
  };
}

/** The handle holding `addr`, or undefined when it is not allocated (or in no pool). */
export async function allocationOf(store: Datastore, addr: string): Promise<string | undefined> {
  const ip = parseIp(addr);
  if (!ip) return undefined;
  if (!(await readPools(store)).some((p) => contains(p.cidr, ip.family, ip.value))) return undefined;
  const { block } = await blockOf(store, addr);
  return block?.spec.allocations[formatIp(ip.family, ip.value)];
}

/** Returns the address to its block when it is allocated; false when it was not (idempotent cleanup). */
export async function releaseIfAllocated(store: Datastore, addr: string): Promise<boolean> {
  try {
    await release(store, addr);
    return true;
  } catch (e) {
    if (e instanceof IpamError && /is not allocated|is in no IPPool/.test(e.message)) return false;
    throw e;
  }
}

/** Returns the address to its block; returns the handle that held it. */
export async function release(store: Datastore, addr: string): Promise<string> {
  return withCasRetry(async () => {
    const { block, family, value } = await blockOf(store, addr);
    const ip = formatIp(family, value);
    if (!block || !(ip in block.spec.allocations)) throw new IpamError(`ipam: ${addr} is not allocated`);
    const handle = block.spec.allocations[ip]!;
    const spec = { ...block.spec, allocations: { ...block.spec.allocations } };
    delete spec.allocations[ip];
    await store.put(block.kv.key, encodeStored(blockResource(spec)), { expectRevision: block.kv.revision });
    return handle;
  });
}

/** Releases an empty block (its affinity goes with it); refuses one that still has addresses. */
export async function releaseBlock(store: Datastore, cidr: string): Promise<void> {
  await withCasRetry(async () => {
    const kv = await store.get(resourceKey('IPAMBlock', blockName(cidr)));
    if (!kv) throw new IpamError(`ipam: no block ${cidr}`);
    const spec = decodeStored('IPAMBlock', kv.key, kv.value, kv.revision).spec as unknown as IPAMBlockSpec;
    const n = Object.keys(spec.allocations).length;
    if (n > 0) throw new IpamError(`ipam: block ${cidr} still has ${n} allocated address${n > 1 ? 'es' : ''}`);
    await store.delete(kv.key, { expectRevision: kv.revision });
  });
}

export interface BlockSummary {
  cidr: string;
  pool: string | null;
  affinity: string | null;
  used: number;
  size: number;
}

/** Every block with its pool, affinity and use (for `vroute ipam show` and the node agent). */
export async function showBlocks(store: Datastore): Promise<{
  pools: Array<{ name: string; cidr: string; blockSize: number; disabled: boolean }>;
  blocks: BlockSummary[];
}> {
  const pools = await readPools(store);
  const blocks = await readBlocks(store);
  return {
    pools: pools.map((p) => ({ name: p.name, cidr: p.text, blockSize: p.blockSize, disabled: p.disabled })),
    blocks: blocks
      .map((b) => ({
        cidr: b.spec.cidr,
        pool: pools.find((p) => inside(p, b))?.text ?? null,
        affinity: b.spec.affinity,
        used: used(b),
        size: Number(size(b.cidr)),
      }))
      .sort((a, b) => (a.cidr < b.cidr ? -1 : 1)),
  };
}

/** CIDRs of the blocks a node holds (what its agent advertises). */
export async function blocksForNode(store: Datastore, node: string): Promise<string[]> {
  return (await readBlocks(store))
    .filter((b) => b.spec.affinity === `node:${node}`)
    .map((b) => b.spec.cidr)
    .sort();
}
