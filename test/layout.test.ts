// DESIGN.md's Layout as a test: every relative import in src/**/*.ts (type-only ones too) is
// parsed with the TypeScript compiler's own pre-processor and checked against the layer order
//   net < sys < bgp/messages < bgp/fsm < rib < routing < roles (reflector, node) < cli
// with the side folders placed where they are used: observability (logger, metrics, the HTTP
// server) and config / datastore (files and resources, no BGP) below the engine; dataplane and
// cni beside the BGP half, never on it. A folder is entered only through its index.ts; within
// a folder, files import each other freely but never in a cycle.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { REPO_ROOT } from './helpers/env';

const SRC = path.join(REPO_ROOT, 'src');

/** What each unit may import (besides itself). Anything not listed is an upward or sideways import. */
const BASE = ['net'];
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  net: [],
  sys: BASE,
  observability: BASE,
  config: [...BASE, 'observability'],
  datastore: [...BASE, 'observability', 'config'],
  'bgp/messages': BASE,
  'bgp/fsm': [...BASE, 'sys', 'observability', 'bgp/messages'],
  bgp: ['bgp/messages', 'bgp/fsm'],
  rib: [...BASE, 'observability', 'bgp/messages'],
  routing: [...BASE, 'sys', 'observability', 'config', 'datastore', 'bgp/messages', 'bgp/fsm', 'rib'],
  // Roles sit on the engine and never on each other; only node joins the dataplane half.
  reflector: [...BASE, 'sys', 'observability', 'config', 'datastore', 'bgp/messages', 'bgp/fsm', 'rib', 'routing'],
  node: [
    ...BASE,
    'sys',
    'observability',
    'config',
    'datastore',
    'bgp/messages',
    'bgp/fsm',
    'rib',
    'routing',
    'dataplane',
  ],
  // The dataplane half: never bgp, rib or routing.
  dataplane: [...BASE, 'sys', 'observability', 'config', 'datastore'],
  cni: [...BASE, 'sys', 'observability', 'config', 'datastore', 'dataplane'],
  cli: [
    ...BASE,
    'sys',
    'observability',
    'config',
    'datastore',
    'bgp/messages',
    'bgp/fsm',
    'rib',
    'routing',
    'reflector',
    'node',
    'dataplane',
    'cni',
  ],
};

/** Imports that enter a folder other than by its index.ts, each with its reason. */
const INDEX_EXCEPTIONS: ReadonlyArray<{ from: string; to: string; why: string }> = [
  {
    from: 'cli/commands/decode.ts',
    to: 'bgp/messages/pcap/index.ts',
    why: "the capture reader is its own sub-folder with its own index.ts, kept out of the codec's index so sessions never load it",
  },
];

function unitOf(rel: string): string {
  const parts = rel.split('/');
  if (parts[0] === 'bgp' && parts.length > 2) return `bgp/${parts[1]}`;
  return parts.length > 1 ? parts[0]! : '.';
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function resolve(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [`${base}.ts`, path.join(base, 'index.ts')]) if (existsSync(c)) return c;
  return undefined;
}

interface Edge {
  readonly from: string;
  readonly to: string;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of walk(SRC)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const to = resolve(file, ref.fileName);
      assert.ok(to, `${path.relative(SRC, file)}: cannot resolve ${ref.fileName}`);
      out.push({ from: path.relative(SRC, file), to: path.relative(SRC, to) });
    }
  }
  return out;
}

const EDGES = edges();

test('the parser sees the imports (type-only and re-exports included)', () => {
  assert.ok(EDGES.length > 300, `only ${EDGES.length} imports found`);
  assert.ok(
    EDGES.some((e) => e.from === 'routing/index.ts' && e.to === 'routing/engine.ts'),
    'export * from is an import',
  );
  assert.ok(EDGES.some((e) => e.from === 'reflector/daemon.ts' && e.to === 'routing/index.ts'));
});

test('every folder of src is placed in the layer table', () => {
  const units = new Set(walk(SRC).map((f) => unitOf(path.relative(SRC, f))));
  for (const u of units) assert.ok(u in MAY_IMPORT, `src/${u} is not in DESIGN's Layout table of this test`);
});

test('imports run downward only: no upward or sideways import between folders', () => {
  const bad: string[] = [];
  for (const e of EDGES) {
    const a = unitOf(e.from);
    const b = unitOf(e.to);
    if (a === b) continue;
    if (!MAY_IMPORT[a]?.includes(b)) bad.push(`${e.from} -> ${e.to} (${a} may not import ${b})`);
  }
  assert.deepEqual(bad, []);
});

test('roles never import each other; dataplane and cni never import bgp, rib or routing', () => {
  for (const e of EDGES) {
    const a = unitOf(e.from);
    const b = unitOf(e.to);
    if (a === 'reflector' || a === 'node')
      assert.ok((b !== 'reflector' && b !== 'node') || a === b, `${e.from} -> ${e.to}`);
    if (a === 'dataplane' || a === 'cni') assert.ok(!/^(bgp|rib|routing)/.test(b), `${e.from} -> ${e.to}`);
  }
});

test('another folder is entered only through its index.ts', () => {
  const bad: string[] = [];
  for (const x of INDEX_EXCEPTIONS)
    assert.ok(
      EDGES.some((e) => e.from === x.from && e.to === x.to),
      `stale exception ${x.from} -> ${x.to}`,
    );
  for (const e of EDGES) {
    const a = unitOf(e.from);
    const b = unitOf(e.to);
    if (a === b || e.to === `${b}/index.ts`) continue;
    if (INDEX_EXCEPTIONS.some((x) => x.from === e.from && x.to === e.to)) continue;
    bad.push(`${e.from} -> ${e.to}`);
  }
  assert.deepEqual(bad, []);
});

test('no import cycles between files (type-only ones included)', () => {
  const next = new Map<string, string[]>();
  for (const e of EDGES) {
    // A folder's index re-exports its files: a cycle through an index is still a cycle.
    const list = next.get(e.from) ?? [];
    list.push(e.to);
    next.set(e.from, list);
  }
  const cycles: string[] = [];
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 1);
    stack.push(f);
    for (const t of next.get(f) ?? []) {
      const s = state.get(t);
      if (s === 1) cycles.push([...stack.slice(stack.indexOf(t)), t].join(' -> '));
      else if (s === undefined) visit(t);
    }
    stack.pop();
    state.set(f, 2);
  };
  for (const f of [...next.keys()].sort()) if (!state.has(f)) visit(f);
  assert.deepEqual(cycles, []);
});

test('the test itself can fail: an upward import is caught', () => {
  assert.ok(!MAY_IMPORT['bgp/fsm']!.includes('config'));
  assert.ok(!MAY_IMPORT.rib!.includes('routing'));
  assert.ok(!MAY_IMPORT.reflector!.includes('node') && !MAY_IMPORT.node!.includes('reflector'));
});
