// bench/fabric (issue 11): N simulated nodes (one process, 2N real BGP sessions) against two
// `vroute reflector` processes. Measures the time until every node holds every block, the
// kill of one reflector (every node must keep every block through the other), the time until
// the restarted reflector has given every node its full set again, and each reflector's CPU
// seconds and peak RSS (/proc/PID/stat, VmHWM). Bounded by --timeout; every process it
// started is stopped by PID on the way out (also on a timeout or a crash).
// Run: npm run build && node dist/bench/fabric/run.js [--nodes 500] [--timeout 300] [--down 0] [--json]
import { cpus, loadavg } from 'node:os';
import { runScenario, type ScenarioResult } from './scenario';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`--${name}: ${process.argv[i + 1]} is not a number`);
  return v;
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function report(r: ScenarioResult, load: string): string {
  const lines = [
    `nodes ${r.nodes} (${2 * r.nodes} sessions), load average at start ${load}`,
    `| phase | time |`,
    `| --- | --- |`,
    `| every session Established | ${s(r.allEstablishedMs)} |`,
    `| every node holds every block | ${s(r.convergedMs)} |`,
    `| every node holds both reflectors' full sets | ${s(r.bothFullMs)} |`,
    `| A SIGKILLed: every node saw its session drop | ${s(r.killNoticedMs)} |`,
    `| nodes missing a block while A was down (worst of ${r.samplesWhileDown} samples) | ${r.worstNodesMissingWhileDown} |`,
    `| A restarted: listening | ${s(r.restartListeningMs)} |`,
    `| A restarted: every session Established again | ${s(r.reestablishedMs)} |`,
    `| A restarted: every node holds A's full set again | ${s(r.refullMs)} |`,
    '',
    `| process | CPU seconds | peak RSS |`,
    `| --- | --- | --- |`,
    ...r.use.map((u) => `| reflector ${u.name} | ${u.cpuSeconds.toFixed(2)} | ${u.peakRssMiB.toFixed(0)} MiB |`),
    `| simulator (${r.nodes} nodes, one process) | ${r.simCpuSeconds.toFixed(2)} | ${r.simPeakRssMiB.toFixed(0)} MiB |`,
    '',
    `/status Established sessions at the end: A ${r.statusEstablished[0]}, B ${r.statusEstablished[1]}; blocks with a wrong next hop: ${r.wrongNextHops}`,
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const nodes = arg('nodes', 500);
  const timeoutMs = arg('timeout', 300) * 1000;
  const downMs = arg('down', 0) * 1000;
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  process.stdout.write(
    `bench/fabric: ${nodes} nodes, ${cpus().length} CPUs, load ${load}, ${new Date().toISOString()}\n`,
  );
  // The hard bound behind the scenario's own deadline: reflectors are SIGKILLed on exit.
  setTimeout(() => {
    process.stderr.write('bench/fabric: hard timeout\n');
    process.exit(1);
  }, timeoutMs + 30_000).unref();
  const r = await runScenario({ nodes, timeoutMs, downMs, say: (l) => process.stdout.write(`  ${l}\n`) });
  process.stdout.write(
    `${report(r, load)}\nload average at end ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}\n`,
  );
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(r)}\n`);
  const bad =
    r.worstNodesMissingWhileDown !== 0 ||
    r.wrongNextHops !== 0 ||
    r.statusEstablished[0] !== nodes ||
    r.statusEstablished[1] !== nodes;
  process.exit(bad ? 1 : 0);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench/fabric: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
