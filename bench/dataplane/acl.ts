// bench/dataplane, the ACL part: runs inside a network namespace of its own (the parent makes
// and deletes it), so `nft` acts on an empty ruleset there. N local endpoints in 100
// profiles, programmed through the dataplane's own path (DesiredAcl -> applyAcl -> one
// `nft -f -`), against the floor: the same final ruleset, as `nft list table` prints it,
// loaded into an empty kernel by one `nft -f`. Then single changes, each one apply:
//   remote-join:  an endpoint on another node joins a profile (one set element)
//   local-join:   a local endpoint appends a second profile (its map entries, a set element,
//                 and the chains of its new profile list when no other endpoint has that list)
//   profile-rule: one profile's rules change (that profile's chain rewritten)
//   resync:       a kernel re-read that finds nothing to change (the periodic cost)
// Every timed apply goes through the real nft binary; a final resync must find nothing to do,
// so the kernel held exactly what the dataplane wanted.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DesiredAcl } from '../../src/dataplane/desired-acl';
import { type Endpoint, parseProfile, type Profile } from '../../src/dataplane/model';
import { type NftRunner, applyAcl, nftBinary, startRead } from '../../src/dataplane/nft-driver';

export const PROFILES = 100;

export interface Timing {
  /** Wall milliseconds of the whole step. */
  ms: number;
  /** Of which inside nft (process start to exit, list and apply). */
  nftMs: number;
  /** This process's CPU milliseconds during the step (user + system). */
  cpuMs: number;
  /** CPU milliseconds of the nft processes of the step (reaped children; 10 ms ticks). */
  nftCpuMs: number;
}

export interface AclResult {
  n: number;
  profiles: number;
  scratch: Timing[];
  floor: number[];
  /** CPU milliseconds of the floor's nft process. */
  floorCpu: number[];
  /** Bytes of our from-scratch script and of the floor's ruleset text. */
  scriptBytes: number;
  floorBytes: number;
  chains: number;
  changes: Record<'remote-join' | 'local-join' | 'profile-rule' | 'resync', Timing[]>;
  /** Whether the last resync found the kernel as wanted (must be true). */
  inSync: boolean;
}

/** Profile p's stored document, as the datastore hands it to the dataplane (a string). */
function profileText(p: number, port: number): string {
  const name = `PROF_${p}`;
  return JSON.stringify({
    spec: {
      inbound: [
        { action: 'allow', srcTag: name },
        { action: 'allow', protocol: 'tcp', dstPorts: [22, port], srcNet: '10.0.0.0/8' },
        { action: 'allow', protocol: 'icmp', icmpType: 8 },
      ],
      outbound: [{ action: 'deny', protocol: 'udp', dstPorts: ['135:139'] }, { action: 'allow' }],
    },
  });
}

const profileDoc = (p: number, port: number): Profile => parseProfile(`PROF_${p}`, profileText(p, port));

function address(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

/** Endpoint i: profile i % 100, every tenth also the next one (two-profile lists). */
function endpoint(i: number, node = 'bench'): Endpoint {
  const profiles = [`PROF_${i % PROFILES}`];
  if (i % 10 === 0) profiles.push(`PROF_${(i + 1) % PROFILES}`);
  return {
    name: `${node}.w${i}.eth0`,
    node,
    ifname: `vr${i.toString(16).padStart(11, '0')}`,
    v4: [address(i)],
    v6: [],
    profiles,
  };
}

/** Wraps the runner to count the time spent in nft. */
function timedNft(): { nft: NftRunner; spent: () => number } {
  const real = nftBinary();
  let spent = 0;
  const timed =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      const t0 = performance.now();
      try {
        return await fn(...a);
      } finally {
        spent += performance.now() - t0;
      }
    };
  return {
    nft: { apply: timed(real.apply), list: timed(real.list), listChain: timed(real.listChain) },
    spent: () => spent,
  };
}

/** CPU milliseconds of waited-for children (cutime + cstime of /proc/self/stat, 10 ms ticks). */
export function childCpuMs(): number {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[13]) + Number(f[14])) * 10;
}

async function measure(fn: () => Promise<void>, spent: () => number): Promise<Timing> {
  const c0 = process.cpuUsage();
  const k0 = childCpuMs();
  const n0 = spent();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, nftMs: spent() - n0, cpuMs: (c.user + c.system) / 1000, nftCpuMs: childCpuMs() - k0 };
}

const nftCmd = (args: string[], input?: string): string =>
  execFileSync('nft', args, {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });

function deleteTable(): void {
  try {
    nftCmd(['delete', 'table', 'inet', 'vroute']);
  } catch {
    /* not there */
  }
}

/**
 * A full collection before each timed step (when node runs with --expose-gc, as run.ts starts
 * it): the dataplane's first apply runs in a fresh process, not in a heap holding the previous
 * repetition's state and the floor's listing, whose collection would otherwise land in the
 * next step timed.
 */
const collect = (): void => (globalThis as { gc?: () => void }).gc?.();

export async function runAcl(n: number, reps: number, changeReps: number): Promise<AclResult> {
  const { nft, spent } = timedNft();
  const res: AclResult = {
    n,
    profiles: PROFILES,
    scratch: [],
    floor: [],
    floorCpu: [],
    scriptBytes: 0,
    floorBytes: 0,
    chains: 0,
    changes: { 'remote-join': [], 'local-join': [], 'profile-rule': [], resync: [] },
    inSync: false,
  };
  const file = path.join(os.tmpdir(), `vr-dpbench-${process.pid}.nft`);
  let d = new DesiredAcl();
  for (let r = 0; r < reps; r++) {
    deleteTable();
    d = new DesiredAcl();
    // From scratch: the datastore's documents in, the kernel programmed. The first apply reads
    // the kernel too, as the dataplane's does: a read started with the step, as the dataplane
    // starts it when it starts, before the datastore's documents come in.
    const eps = Array.from({ length: n }, (_, i) => endpoint(i));
    const texts = Array.from({ length: PROFILES }, (_, p) => profileText(p, 8080));
    collect();
    res.scratch.push(
      await measure(async () => {
        const early = startRead(nft);
        for (let p = 0; p < PROFILES; p++) d.setProfile(`PROF_${p}`, parseProfile(`PROF_${p}`, texts[p]!));
        for (const ep of eps) d.setEndpoint(ep.name, ep, true);
        const a = await applyAcl(nft, d.t, true, early);
        res.scriptBytes = a.script?.length ?? 0;
      }, spent),
    );
    // The floor: what we made, printed by nft, loaded back into an empty kernel by one nft -f.
    const text = nftCmd(['list', 'table', 'inet', 'vroute']);
    res.floorBytes = text.length;
    res.chains = (text.match(/^\tchain /gm) ?? []).length;
    writeFileSync(file, text);
    deleteTable();
    collect();
    const k0 = childCpuMs();
    const t0 = performance.now();
    nftCmd(['-f', file]);
    res.floor.push(performance.now() - t0);
    res.floorCpu.push(childCpuMs() - k0);
    // What the floor loaded is what we want: a resync finds nothing to do.
    const check = await applyAcl(nft, d.t, true);
    if (check.changed)
      throw new Error(`N=${n}: the reloaded ruleset differs from the dataplane's:\n${check.script?.slice(0, 2000)}`);
  }
  for (let r = 0; r < changeReps; r++) {
    const k = (r * 7) % PROFILES;
    const remote = { ...endpoint(n + r, 'other'), profiles: [`PROF_${k}`] };
    res.changes['remote-join'].push(
      await measure(async () => {
        d.setEndpoint(remote.name, remote, false);
        if (!(await applyAcl(nft, d.t, false)).changed) throw new Error('remote join: nothing applied');
      }, spent),
    );
    const local = endpoint(r * 13 + 1);
    local.profiles = [...local.profiles, `PROF_${(k + 50) % PROFILES}`];
    res.changes['local-join'].push(
      await measure(async () => {
        d.setEndpoint(local.name, local, true);
        if (!(await applyAcl(nft, d.t, false)).changed) throw new Error('local join: nothing applied');
      }, spent),
    );
    res.changes['profile-rule'].push(
      await measure(async () => {
        d.setProfile(`PROF_${k}`, profileDoc(k, 9000 + r));
        if (!(await applyAcl(nft, d.t, false)).changed) throw new Error('profile change: nothing applied');
      }, spent),
    );
  }
  for (let r = 0; r < Math.max(3, Math.min(changeReps, 5)); r++) {
    res.changes.resync.push(
      await measure(async () => {
        const a = await applyAcl(nft, d.t, true);
        res.inSync = !a.changed;
      }, spent),
    );
  }
  deleteTable();
  return res;
}
