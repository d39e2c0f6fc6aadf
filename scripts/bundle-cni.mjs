#!/usr/bin/env node
// Part of `npm run build`, after tsc: the compiled CNI plugin (dist/src/cni/cni-main.js and the
// ~35 modules it requires) as one file, dist/cni/vroute-cni.js. A runtime starts a new
// process per ADD; resolving, reading and wrapping 35 files was about a third of the plugin's
// start-up here (bench/dataplane), one file half of that. Packages stay external (required from
// node_modules as before). Without esbuild (a devDependency) this step is skipped and
// bin/vroute-cni runs the unbundled modules: same behaviour, slower start.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const entry = path.join(root, 'dist', 'src', 'cni', 'cni-main.js');
const out = path.join(root, 'dist', 'cni', 'vroute-cni.js');

let esbuild;
try {
  esbuild = createRequire(import.meta.url)('esbuild');
} catch {
  console.error('bundle-cni: esbuild not installed; bin/vroute-cni will load the unbundled modules');
  process.exit(0);
}
mkdirSync(path.dirname(out), { recursive: true });
esbuild.buildSync({
  entryPoints: [entry],
  outfile: out,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  // Stack traces never reach stdout (contract 8), but a developer reading stderr gets the files.
  sourcemap: 'linked',
  logLevel: 'warning',
});
