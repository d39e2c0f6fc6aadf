#!/usr/bin/env node
// Part of `npm run build`, after tsc: the compiled CNI plugin (dist/src/cni/cni-main.js and the
// ~35 modules it requires) as one file, dist/cni/vroute-cni.js, with the list of those modules
// (vroute-cni.js.inputs). A runtime starts a new process per ADD; resolving, reading and
// wrapping 35 files was about a third of the plugin's start-up here (bench/dataplane), one
// file half of that. Packages stay external (required from
// node_modules as before). Without esbuild (a devDependency) this step is skipped and
// bin/vroute-cni runs the unbundled modules: same behaviour, slower start.
// Then V8's code cache of the bundle's top level (vroute-cni.js.cache, made by this same node
// binary; bin/vroute-cni hands it to vm.Script): about a third less to load it here. V8 refuses
// a cache from another V8 version or flags by itself, and the bin ignores one older than the bundle.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
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
const built = esbuild.buildSync({
  absWorkingDir: root,
  metafile: true,
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

// Every compiled module the bundle holds, relative to the repo root (vroute-cni.js.inputs):
// bin/vroute-cni uses the bundle only while none of them is newer than it, so a later tsc that
// rewrote any of them (not only the entry) brings the modules back until the next bundle.
writeFileSync(`${out}.inputs`, `${JSON.stringify(Object.keys(built.metafile.inputs))}\n`);

// The cache must come from the same wrapper text the bin compiles (bin/vroute-cni: WRAP).
const cacheFile = `${out}.cache`;
rmSync(cacheFile, { force: true });
execFileSync(process.execPath, [
  '-e',
  `const fs=require('node:fs'),vm=require('node:vm'),path=require('node:path'),{createRequire}=require('node:module');
   const f=${JSON.stringify(out)};
   const s=new vm.Script('(function (exports, require, module, __filename, __dirname) {'+fs.readFileSync(f,'utf8')+'\\n})',{filename:f});
   const m={exports:{}};
   s.runInThisContext().call(m.exports,m.exports,createRequire(f),m,f,path.dirname(f));
   fs.writeFileSync(f+'.cache',s.createCachedData());`,
]);
