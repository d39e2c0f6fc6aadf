// The fabric scenario of issue 11, shared by bench/fabric/run.ts (500 nodes, timed) and
// test/reflector/fabric.test.ts (a few nodes, no timing asserts):
//   1. two reflectors up; N simulated nodes connect to both and announce their blocks;
//      wait until every node holds every other node's block from both reflectors;
//   2. SIGKILL reflector A; wait until every node saw that session drop, checking all along
//      (every 10 ms) that every node still holds every block through reflector B;
//   3. start A again on the same address and port; wait until every node again holds the
//      full set from A too.
// Each wait is bounded by the scenario's deadline; a miss throws with the progress so far.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Fabric, sourceRange, type FabricProgress } from './sim-node';
import { ReflectorProcess } from './reflectors';
import { sleep } from '../reflect/proc';

export interface ScenarioOptions {
  readonly nodes: number;
  /** Whole-run bound, ms: every wait gets what is left of it. */
  readonly timeoutMs: number;
  /** How long reflector A stays dead before it starts again, ms (default 0: at once once every node saw it go). */
  readonly downMs?: number;
  /** Progress lines (bench); default silent. */
  readonly say?: (line: string) => void;
}

/** Resource use of one reflector process life. */
export interface ReflectorUse {
  readonly name: string;
  readonly cpuSeconds: number;
  readonly peakRssMiB: number;
}

export interface ScenarioResult {
  readonly nodes: number;
  /** ms from the first connect to: every session Established; every node holding every block; both reflectors' full sets. */
  readonly allEstablishedMs: number;
  readonly convergedMs: number;
  readonly bothFullMs: number;
  /** ms from SIGKILL of A until every node saw its session to A drop. */
  readonly killNoticedMs: number;
  /** Samples taken while A was down; nodes missing a block in the worst sample (0: none ever did). */
  readonly samplesWhileDown: number;
  readonly worstNodesMissingWhileDown: number;
  /** ms from A's new spawn to: its listener up; every session to it Established; every node holding A's full set again. */
  readonly restartListeningMs: number;
  readonly reestablishedMs: number;
  readonly refullMs: number;
  /** Reflector A before the kill, A after the restart (to the end), B over the whole run. */
  readonly use: readonly ReflectorUse[];
  /** Sessions each reflector's /status listed as Established at the end. */
  readonly statusEstablished: readonly [number, number];
  /** The simulating process itself (all N nodes). */
  /** Blocks received with a NEXT_HOP other than their originator's. */
  readonly wrongNextHops: number;
  readonly simCpuSeconds: number;
  readonly simPeakRssMiB: number;
}

export async function runScenario(o: ScenarioOptions): Promise<ScenarioResult> {
  const say = o.say ?? (() => undefined);
  const deadline = Date.now() + o.timeoutMs;
  const dir = mkdtempSync(path.join(tmpdir(), `vroute-fabric-${process.pid}-`));
  // A second octet for the nodes' sources per run (127.B.0.0/16), away from 127.0.x.x.
  const octet = 100 + (process.pid % 150);
  const spec = { asn: 64512, clusterId: '10.255.0.1', clients: sourceRange(octet), maxPeers: o.nodes + 10, dir };
  const rrA = new ReflectorProcess({ ...spec, name: 'fabric-rr-a', routerId: '10.255.0.1', address: '127.0.0.11' });
  const rrB = new ReflectorProcess({ ...spec, name: 'fabric-rr-b', routerId: '10.255.0.2', address: '127.0.0.12' });
  let fabric: Fabric | undefined;
  const cpu0 = process.cpuUsage();
  const until = async (what: string, ok: () => boolean, onSample?: () => void): Promise<number> => {
    const t0 = Date.now();
    for (;;) {
      onSample?.();
      if (ok()) return Date.now() - t0;
      if (Date.now() > deadline) {
        const p: FabricProgress | undefined = fabric?.progress();
        throw new Error(
          `fabric: timed out waiting for ${what}; progress ${JSON.stringify(p)}\n` +
            `--- ${rrA.spec.name} log\n${rrA.tail()}\n--- ${rrB.spec.name} log\n${rrB.tail()}`,
        );
      }
      await sleep(10);
    }
  };
  try {
    await Promise.all([rrA.start(), rrB.start()]);
    say(
      `reflectors up: A pid ${rrA.life!.pid} ${rrA.spec.address}:${rrA.port}, B pid ${rrB.life!.pid} ${rrB.spec.address}:${rrB.port}`,
    );
    fabric = new Fabric({
      nodes: o.nodes,
      sourceOctet: octet,
      asn: spec.asn,
      reflectors: [
        { address: rrA.spec.address, port: rrA.port },
        { address: rrB.spec.address, port: rrB.port },
      ],
    });
    const f = fabric;
    const n = o.nodes;
    const t0 = Date.now();
    f.start();
    const est = (side: 0 | 1): number => f.progress().established[side];
    const allEstablishedMs = await until('every session Established', () => est(0) === n && est(1) === n);
    say(
      `all ${2 * n} sessions Established after ${allEstablishedMs} ms; A ${JSON.stringify(f.establishTimes(0, t0))} B ${JSON.stringify(f.establishTimes(1, t0))}`,
    );
    await until('every node holding every block', () => f.converged());
    const convergedMs = Date.now() - t0;
    say(`every node holds every block after ${convergedMs} ms`);
    await until("both reflectors' full sets at every node", () => f.sideFull(0) && f.sideFull(1));
    const bothFullMs = Date.now() - t0;
    say(`every node holds both reflectors' full sets after ${bothFullMs} ms`);

    // 2. Reflector A dies without a word (no Cease): the clients see the TCP connection close.
    const useA1 = { name: 'A (first life, to the kill)', cpuSeconds: rrA.cpuSeconds(), peakRssMiB: rrA.peakRssMiB() };
    let samples = 0;
    let worst = 0;
    const sample = (): void => {
      samples++;
      worst = Math.max(worst, n - f.progress().fullNodes);
    };
    const tKill = Date.now();
    await rrA.kill();
    const killNoticedMs = await until('every node to see reflector A go', () => est(0) === 0, sample);
    say(
      `A killed: every node saw its session drop after ${killNoticedMs} ms; nodes missing a block at worst: ${worst} (${samples} samples)`,
    );
    // Bounded extra look while A is down: B alone must keep every node whole.
    const downUntil = Date.now() + (o.downMs ?? 0);
    while (Date.now() < downUntil) {
      sample();
      await sleep(10);
    }
    sample();

    // 3. A comes back on the same address and port.
    const tSpawn = Date.now();
    await rrA.start(Math.max(1000, deadline - Date.now()));
    const restartListeningMs = Date.now() - tSpawn;
    await until('every session to A Established again', () => est(0) === n, sample);
    const reestablishedMs = Date.now() - tSpawn;
    say(`A's sessions Established again: ${JSON.stringify(f.establishTimes(0, tSpawn))}`);
    await until("every node holding A's full set again", () => f.sideFull(0), sample);
    const refullMs = Date.now() - tSpawn;
    say(
      `A back (killed ${tSpawn - tKill} ms before the new spawn): listening after ${restartListeningMs} ms, ` +
        `all Established after ${reestablishedMs} ms, full sets after ${refullMs} ms; worst missing ${worst}`,
    );
    const statusA = (await rrA.sessions()).filter((s) => s.state === 'Established').length;
    const statusB = (await rrB.sessions()).filter((s) => s.state === 'Established').length;
    const cpu = process.cpuUsage(cpu0);
    return {
      nodes: n,
      allEstablishedMs,
      convergedMs,
      bothFullMs,
      killNoticedMs,
      samplesWhileDown: samples,
      worstNodesMissingWhileDown: worst,
      restartListeningMs,
      reestablishedMs,
      refullMs,
      use: [
        useA1,
        { name: 'A (after the restart)', cpuSeconds: rrA.cpuSeconds(), peakRssMiB: rrA.peakRssMiB() },
        { name: 'B (whole run)', cpuSeconds: rrB.cpuSeconds(), peakRssMiB: rrB.peakRssMiB() },
      ],
      statusEstablished: [statusA, statusB],
      wrongNextHops: f.wrongNextHops,
      simCpuSeconds: (cpu.user + cpu.system) / 1e6,
      simPeakRssMiB: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    // Bounded: the Peers' Cease, then the reflectors by PID (SIGTERM, SIGKILL after 5 s).
    if (fabric) await Promise.race([fabric.stop(), sleep(5000)]);
    await Promise.all([rrA.stop(), rrB.stop()]);
    // VROUTE_FABRIC_KEEP=1 keeps the reflectors' configs and logs for a look.
    if (process.env.VROUTE_FABRIC_KEEP === '1') say(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
