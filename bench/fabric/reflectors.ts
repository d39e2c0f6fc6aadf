// The two route reflectors of bench/fabric, each a real `vroute reflector` process (bin/vroute,
// as operators start it) on a loopback address with a free port, accepting the simulated
// nodes from one dynamic-neighbor range as route-reflector clients. Both share a cluster ID
// (RFC 4456 7: redundant reflectors of one cluster), each has its own router ID, and they do
// not peer with each other: every node peers with both. The datastore is `memory` (private
// to each process), so nothing touches the host's shared file.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { canConnect, cpuSeconds, freePort, peakRssMiB, spawnLogged, stopChild, waitFor } from '../reflect/proc';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const VROUTE = path.join(REPO_ROOT, 'bin', 'vroute');

/** Live reflector processes: SIGKILLed by PID if this process exits without stopping them (hard timeout, crash). */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export interface ReflectorSpec {
  readonly name: string;
  readonly routerId: string;
  readonly clusterId: string;
  readonly asn: number;
  readonly address: string;
  /** Dynamic-neighbor range of the clients and how many sessions it may hold. */
  readonly clients: string;
  readonly maxPeers: number;
  readonly dir: string;
}

/** One life of a reflector process: its PID, CPU and peak RSS, read from /proc while it runs. */
export interface ReflectorLife {
  readonly pid: number;
  readonly child: ChildProcess;
  readonly startedAt: number;
}

export interface SessionStatus {
  readonly peer: string;
  readonly state: string;
}

export class ReflectorProcess {
  port = 0;
  apiPort = 0;
  life: ReflectorLife | undefined;
  private readonly config: string;
  readonly log: string;

  constructor(readonly spec: ReflectorSpec) {
    this.config = path.join(spec.dir, `${spec.name}.json`);
    this.log = path.join(spec.dir, `${spec.name}.log`);
  }

  /** Picks free ports (first start only), writes the config, spawns, waits for the listener. */
  async start(timeoutMs = 20_000): Promise<ReflectorLife> {
    const s = this.spec;
    if (this.port === 0) {
      this.port = await freePort(s.address);
      this.apiPort = await freePort('127.0.0.1');
      writeFileSync(
        this.config,
        JSON.stringify({
          name: s.name,
          routerId: s.routerId,
          asn: s.asn,
          listen: { address: s.address, port: this.port },
          reflector: { clusterId: s.clusterId, advertiseAddress: s.address },
          neighbors: [],
          dynamicNeighbors: [{ prefix: s.clients, asn: s.asn, routeReflectorClient: true, maxPeers: s.maxPeers }],
          datastore: 'memory',
          api: `127.0.0.1:${this.apiPort}`,
          log: 'warn',
        }),
      );
    }
    // VROUTE_FABRIC_PROF=DIR: V8 CPU profiles of the reflectors (written on a clean stop only).
    const prof = process.env.VROUTE_FABRIC_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.VROUTE_FABRIC_PROF}`]
      : [];
    const child = spawnLogged(process.execPath, [...prof, VROUTE, 'reflector', '--config', this.config], this.log);
    if (child.pid === undefined) throw new Error(`${s.name}: spawn failed`);
    live.add(child);
    child.once('exit', () => live.delete(child));
    const life = { pid: child.pid, child, startedAt: Date.now() };
    this.life = life;
    const up = await waitFor(
      async () => child.exitCode === null && (await canConnect(s.address, this.port)),
      timeoutMs,
      50,
    );
    if (!up)
      throw new Error(`${s.name}: not listening on ${s.address}:${this.port} after ${timeoutMs} ms\n${this.tail()}`);
    return life;
  }

  running(): boolean {
    const c = this.life?.child;
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  }

  /** SIGKILL by PID (no Cease: the sessions die with the process), and wait for the exit. */
  async kill(): Promise<void> {
    const c = this.life?.child;
    if (!c || !this.running()) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    process.kill(this.life!.pid, 'SIGKILL');
    await gone;
  }

  /** SIGTERM (Cease to every client), SIGKILL after a grace period. */
  async stop(): Promise<void> {
    if (this.life) await stopChild(this.life.child, 5000);
  }

  cpuSeconds(): number {
    return this.life ? cpuSeconds(this.life.pid) : NaN;
  }

  peakRssMiB(): number {
    return this.life ? peakRssMiB(this.life.pid) : NaN;
  }

  /** The sessions of its /status (contract 3). */
  async sessions(): Promise<SessionStatus[]> {
    const r = await fetch(`http://127.0.0.1:${this.apiPort}/status`, { signal: AbortSignal.timeout(10_000) });
    const body = (await r.json()) as { sessions: SessionStatus[] };
    return body.sessions;
  }

  /** The last lines of its log, for failure messages. */
  tail(chars = 3000): string {
    try {
      return readFileSync(this.log, 'utf8').slice(-chars);
    } catch {
      return '';
    }
  }
}
