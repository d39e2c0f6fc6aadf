// Records the BGP captures in test/pcap-fixtures/ between BIRD and FRR in network namespaces,
// then writes each capture's expected NDJSON with scripts/tshark-to-ndjson.mjs.
//   sudo npx tsx scripts/record-fixtures/record.ts [scenario ...]   (default: all)
// Needs root, iproute2, bird2, frr, tcpdump, tshark. Everything started is stopped by PID
// and the namespaces are deleted, also on failure.
import { execFileSync } from 'node:child_process';
import { writeFileSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, REPO, Run } from './lib';
import { SCENARIOS } from './scenarios';

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : Object.keys(SCENARIOS);
  for (const name of names) {
    const sc = SCENARIOS[name];
    if (!sc) throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(' ')}`);
    const t0 = Date.now();
    const run = new Run(name, sc.hosts);
    let file: string;
    try {
      const cap = await run.capture(sc.captureOn, name);
      await sc.run(run);
      // Let the last packets (Cease, FIN) reach the capture before stopping it.
      await new Promise((r) => setTimeout(r, 1000));
      await cap.stop();
      file = cap.file;
    } catch (e) {
      if (process.env.FX_VERBOSE) console.error(run.logTails());
      throw e;
    } finally {
      await run.close();
    }
    if (sc.pcapng) {
      const ng = path.join(FIXTURES, `${name}.pcapng`);
      execFileSync('editcap', ['-F', 'pcapng', file, ng]);
      execFileSync('rm', ['-f', file]);
      file = ng;
    }
    const ndjson = execFileSync(process.execPath, [path.join(REPO, 'scripts', 'tshark-to-ndjson.mjs'), file], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const out = path.join(FIXTURES, `${name}.ndjson`);
    writeFileSync(`${out}.tmp`, ndjson);
    renameSync(`${out}.tmp`, out);
    console.log(`${name}: ${path.relative(REPO, file)}, ${ndjson.split('\n').length - 1} messages, ${Date.now() - t0} ms`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
