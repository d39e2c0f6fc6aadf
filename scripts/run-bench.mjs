#!/usr/bin/env node
// `npm run bench [name...]`: runs the compiled benchmarks under dist/bench one after another
// (never in parallel: they measure a 2-core machine). Results are printed; bench/decode
// appends to bench/RESULTS.md with --write (`npm run bench -- decode --write`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const BENCHES = {
  decode: ['dist/bench/decode/run.js'],
  rib: ['dist/bench/rib/rib-bench.js'],
  fsm: ['dist/bench/fsm/fsm-bench.js'],
  policy: ['dist/bench/policy/policy-bench.js'],
  // Need root, BIRD 2 and FRR; long: run on their own (`npm run bench -- reflect`).
  soak: ['dist/bench/soak/soak.js'],
  reflect: ['dist/bench/reflect/run.js'],
  // Needs root (a network namespace): the FIB layer alone, 100k..1M routes into a kernel table.
  fib: ['dist/bench/fib/run.js'],
  // No root needed; a few minutes: 500 simulated nodes against two reflector processes.
  fabric: ['dist/bench/fabric/run.js'],
  // Needs root (network namespaces, nft): ACLs of 1k/10k endpoints vs one `nft -f`, and vroute-cni ADD.
  dataplane: ['dist/bench/dataplane/run.js'],
  // Needs root and BIRD 2: BGP session to kernel table, `vroute node` and BIRD side by side.
  'fib-e2e': ['dist/bench/fib/e2e.js'],
};
const DEFAULT = ['decode', 'rib', 'fsm'];
const args = process.argv.slice(2);
const names = args.filter((a) => !a.startsWith('-'));
const flags = args.filter((a) => a.startsWith('-'));
const chosen = names.length ? names : DEFAULT;
let failed = 0;
for (const name of chosen) {
  const files = BENCHES[name];
  if (!files) {
    console.error(`run-bench: no benchmark named ${name} (have: ${Object.keys(BENCHES).join(', ')})`);
    process.exit(2);
  }
  for (const f of files) {
    if (!existsSync(f)) {
      console.error(`run-bench: ${f} is missing; run npm run build`);
      process.exit(1);
    }
    console.log(`== ${name}: node ${f} ${flags.join(' ')}`);
    const r = spawnSync(process.execPath, ['--expose-gc', f, ...flags], { stdio: 'inherit' });
    if (r.status !== 0) failed++;
  }
}
process.exit(failed ? 1 : 0);
