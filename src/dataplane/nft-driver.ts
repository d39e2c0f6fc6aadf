// Runs nft: one process per transaction (`nft -f -`, the script on stdin) and one per resync
// read (`nft -j list table inet vroute`). Never a process per rule. (`--echo` would hand back
// the new rules' handles, but makes nft read the kernel's whole ruleset first: seconds at
// 10,000 endpoints. Handles are needed only in chains that hold rules of others, which are
// read back one by one.)
import { spawn } from 'node:child_process';
import { FAMILY, TABLE } from './names';
import type { AclTrackers } from './desired-acl';
import { parseListing } from './nft-kernel';
import { commitPlan, planTransaction } from './nft-script';

export interface NftRunner {
  /** Runs one script as one atomic transaction; rejects with nft's error text. */
  apply(script: string): Promise<void>;
  /** Our table as `nft -j` JSON; undefined when the table does not exist. */
  list(): Promise<string | undefined>;
  /** One chain of our table as `nft -j` JSON; undefined when it does not exist. */
  listChain(name: string): Promise<string | undefined>;
}

export interface ProcResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command with `input` on stdin (bounded by a timeout, killed by PID after it). */
export function run(cmd: string, args: string[], input: string, timeoutMs = 60_000): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [],
      err: Buffer[] = [];
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    p.stdin.on('error', () => undefined); // an early exit closes stdin; the exit code tells why
    p.stdin.end(input);
  });
}

/** The real nft binary (in this process's network namespace). */
export function nftBinary(path = 'nft'): NftRunner {
  return {
    async apply(script) {
      const r = await run(path, ['-f', '-'], script);
      if (r.code !== 0) throw new Error(`nft: ${firstLines(r.stderr)}`);
    },
    list: () => listing(path, ['table', FAMILY, TABLE]),
    listChain: (name) => listing(path, ['chain', FAMILY, TABLE, name]),
  };
}

async function listing(path: string, what: string[]): Promise<string | undefined> {
  const r = await run(path, ['-j', 'list', ...what], '');
  if (r.code === 0) return r.stdout;
  if (/No such file or directory/.test(r.stderr)) return undefined;
  throw new Error(`nft list: ${firstLines(r.stderr)}`);
}

function firstLines(s: string): string {
  return s.trim().split('\n').slice(0, 3).join(' | ');
}

/**
 * A read of our table started ahead of the apply that uses it: the dataplane starts one when
 * it starts, so that nft lists the kernel while the datastore loads instead of after it (the
 * first apply then waits for no read of its own). Resolves to undefined when the read failed
 * (the apply then reads again).
 */
export type EarlyRead = Promise<{ json: string | undefined } | undefined>;

export function startRead(nft: NftRunner): EarlyRead {
  return nft.list().then(
    (json) => ({ json }),
    () => undefined,
  );
}

export interface AclApplyResult {
  changed: boolean;
  script?: string;
}

/**
 * Programs the trackers' pending changes in one transaction. With `resync`, reads the table
 * first (or takes `early`, a read started before), so what someone changed behind our back is
 * pending again. A failed transaction changes nothing in the kernel (nft is atomic) and the
 * next apply resyncs; so does a change made between an early read and the transaction, found
 * by the next periodic resync at the latest.
 */
export async function applyAcl(
  nft: NftRunner,
  t: AclTrackers,
  resync: boolean,
  early?: EarlyRead,
): Promise<AclApplyResult> {
  // A chain with rules of others whose handles a failed read left unknown: read it all.
  const unknown = [...t.chains.dataplane.values()].some((c) => c.foreign > 0 && c.ours.some((r) => r.handle < 0));
  if (resync || unknown) {
    const read = resync ? await early : undefined;
    const json = read ? read.json : await nft.list();
    const k = json === undefined ? undefined : parseListing(json);
    t.table.exists = k?.exists ?? false;
    t.chains.replaceDataplane(k?.chains ?? new Map());
    t.sets.replaceDataplane(k?.sets ?? new Map());
    t.elements.replaceDataplane(k?.elements ?? new Map());
    t.mapElements.replaceDataplane(k?.mapElements ?? new Map());
  }
  const plan = planTransaction(t);
  if (plan.empty) return { changed: false };
  await nft.apply(plan.script);
  commitPlan(t, plan);
  for (const cp of plan.chains) {
    if (!cp.reread) continue;
    const json = await nft.listChain(cp.name);
    const c = json === undefined ? undefined : parseListing(json).chains.get(cp.name);
    if (c) t.chains.setDataplane(cp.name, c);
    else t.chains.deleteDataplane(cp.name);
  }
  return { changed: true, script: plan.script };
}
