// The ACL compiler and the transaction planner, without root: the whole ruleset for the
// introduction's demo, and the deltas after it (one set element for a membership change, one
// chain for a profile change, rewrites that keep others' rules, chains deleted by hand back).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRuleset, parseEndpoint, parseProfile, type Endpoint, type Profile } from '../../src/dataplane';
import { DesiredAcl } from '../../src/dataplane/desired-acl';
import { commitPlan, planTransaction } from '../../src/dataplane/nft-script';
import { parseListing } from '../../src/dataplane/nft-kernel';
import { listChain } from '../../src/dataplane/names';

const prof = (name: string, spec: Record<string, unknown>): Profile => parseProfile(name, JSON.stringify({ spec }));
const members = (tag: string): Profile =>
  prof(tag, { inbound: [{ action: 'allow', srcTag: tag }], outbound: [{ action: 'allow' }] });
const ep = (name: string, node: string, ifname: string, ip: string, profiles: string[]): Endpoint =>
  parseEndpoint(name, JSON.stringify({ spec: { node, interfaceName: ifname, ipNetworks: [ip], profiles } }))!;

const DEMO = {
  node: 'alpha',
  profiles: [members('PROF_A_C_E'), members('PROF_B'), members('PROF_D')],
  endpoints: [
    ep('alpha.workload-A.eth0', 'alpha', 'vra', '192.168.1.1/32', ['PROF_A_C_E']),
    ep('alpha.workload-B.eth0', 'alpha', 'vrb', '192.168.1.2/32', ['PROF_B']),
    ep('alpha.workload-C.eth0', 'alpha', 'vrc', '192.168.1.3/32', ['PROF_A_C_E']),
    ep('beta.workload-D.eth0', 'beta', 'vrd', '192.168.1.4/32', ['PROF_D']),
    ep('beta.workload-E.eth0', 'beta', 'vre', '192.168.1.5/32', ['PROF_A_C_E']),
  ],
};

/** Plans a transaction and records it as applied. */
function applyFake(d: DesiredAcl): string {
  const plan = planTransaction(d.t);
  commitPlan(d.t, plan);
  return plan.script;
}

function demoAcl(): DesiredAcl {
  const d = new DesiredAcl();
  for (const p of DEMO.profiles) d.setProfile(p.name, p);
  for (const e of DEMO.endpoints) d.setEndpoint(e.name, e, e.node === DEMO.node);
  return d;
}

const lines = (script: string): string[] =>
  script
    .trim()
    .split('\n')
    .filter((l) => l !== 'add table inet vroute');

test('the demo compiles to chains for local endpoints and sets with every member, local or not', () => {
  const s = compileRuleset(DEMO);
  assert.match(s, /^add table inet vroute\n/);
  assert.match(s, /add element inet vroute tag4-PROF_A_C_E \{ 192\.168\.1\.1, 192\.168\.1\.3, 192\.168\.1\.5 \}/);
  assert.match(s, /add element inet vroute tag4-PROF_B \{ 192\.168\.1\.2 \}/);
  // PROF_D is used by no local endpoint: no chains, no sets for it.
  assert.doesNotMatch(s, /PROF_D/);
  assert.doesNotMatch(s, /vrd|vre/);
  // Endpoints with the same profile list (A and C) share that list's chains.
  const ace = listChain('in', ['PROF_A_C_E']);
  assert.match(
    s,
    new RegExp(
      `add rule inet vroute ${ace} jump pi-PROF_A_C_E comment "vr:[0-9a-f]{16}"\\nadd rule inet vroute ${ace} drop comment`,
    ),
  );
  assert.equal(s.split(`add chain inet vroute ${ace}\n`).length, 2, 'one chain for the list, not one per endpoint');
  assert.match(s, /add rule inet vroute pi-PROF_A_C_E ip saddr @tag4-PROF_A_C_E accept comment/);
  // Map entries batched: one command for every endpoint, not one per entry.
  const toEp = s.split('\n').filter((l) => l.startsWith('add element inet vroute to-ep '));
  assert.equal(toEp.length, 1, s);
  assert.ok(toEp[0]!.includes(`"vra" : goto ${ace}`) && toEp[0]!.includes(`"vrc" : goto ${ace}`), toEp[0]);
  assert.match(s, /add chain inet vroute fwd-from-ep \{ type filter hook forward priority 0; policy accept; \}/);
  assert.match(s, /add rule inet vroute fwd-from-ep ct state established,related accept comment/);
  assert.match(s, /add rule inet vroute wl-to-host drop comment/);
  assert.match(compileRuleset({ ...DEMO, workloadToHost: 'allow' }), /add rule inet vroute wl-to-host accept comment/);
  // Sets before the rules that name them, chains before the map entries that jump to them.
  assert.ok(s.indexOf('add set inet vroute tag4-PROF_A_C_E') < s.indexOf('@tag4-PROF_A_C_E accept'));
  assert.ok(s.indexOf(`add chain inet vroute ${ace}`) < s.indexOf(`"vra" : goto ${ace}`));
  // An endpoint without profiles denies everything.
  assert.match(
    compileRuleset({ ...DEMO, endpoints: [ep('a', 'alpha', 'vrz', '10.0.0.1/32', [])] }),
    new RegExp(`add rule inet vroute ${listChain('in', [])} drop comment`),
  );
  // Pure: the same input gives the same script.
  assert.equal(compileRuleset(DEMO), s);
});

test('after the first transaction nothing is pending; a workload joining a profile is one element', () => {
  const d = demoAcl();
  applyFake(d);
  assert.equal(planTransaction(d.t).empty, true);
  // workload-D (on beta) joins PROF_A_C_E: one element in one set, no chain touched.
  d.setEndpoint(
    'beta.workload-D.eth0',
    ep('beta.workload-D.eth0', 'beta', 'vrd', '192.168.1.4/32', ['PROF_D', 'PROF_A_C_E']),
    false,
  );
  assert.deepEqual(lines(applyFake(d)), ['add element inet vroute tag4-PROF_A_C_E { 192.168.1.4 }']);
  d.setEndpoint('beta.workload-D.eth0', ep('beta.workload-D.eth0', 'beta', 'vrd', '192.168.1.4/32', ['PROF_D']), false);
  assert.deepEqual(lines(applyFake(d)), ['delete element inet vroute tag4-PROF_A_C_E { 192.168.1.4 }']);
});

test('a profile rule change rewrites that profile chain alone, in the same transaction', () => {
  // A fresh object each time: the second, equal in value only, must change nothing.
  const icmpDenied = () =>
    prof('PROF_B', {
      inbound: [
        { action: 'deny', protocol: 'icmp' },
        { action: 'allow', srcTag: 'PROF_B' },
      ],
      outbound: [{ action: 'allow' }],
    });
  const d = demoAcl();
  applyFake(d);
  d.setProfile('PROF_B', icmpDenied());
  const s = lines(applyFake(d));
  assert.deepEqual(
    s.map((l) => l.replace(/ comment .*/, '')),
    [
      'flush chain inet vroute pi-PROF_B',
      'add rule inet vroute pi-PROF_B meta l4proto icmp drop',
      'add rule inet vroute pi-PROF_B ip saddr @tag4-PROF_B accept',
      'add rule inet vroute pi-PROF_B ip6 saddr @tag6-PROF_B accept',
    ],
    'only the changed chain (po-PROF_B, the endpoint chains and the sets stay)',
  );
  // The same rules again: nothing to do.
  d.setProfile('PROF_B', icmpDenied());
  assert.equal(planTransaction(d.t).empty, true);
});

/** A kernel listing in nft's JSON: a chain with our rules and someone else's. */
function listing(chain: string, rules: { handle: number; comment?: string }[], extra: object[] = []): string {
  return JSON.stringify({
    nftables: [
      { metainfo: { version: '1.0.6' } },
      { table: { family: 'inet', name: 'vroute', handle: 1 } },
      { chain: { family: 'inet', table: 'vroute', name: chain, handle: 2 } },
      { chain: { family: 'inet', table: 'vroute', name: 'operator', handle: 3 } },
      ...rules.map((r) => ({
        rule: {
          family: 'inet',
          table: 'vroute',
          chain,
          handle: r.handle,
          ...(r.comment ? { comment: r.comment } : {}),
          expr: [],
        },
      })),
      { rule: { family: 'inet', table: 'vroute', chain: 'operator', handle: 9, expr: [] } },
      ...extra,
    ],
  });
}

test('rules of others keep their place; ours are rewritten around them', () => {
  const d = demoAcl();
  const want = d.t.chains.desired.get('pi-PROF_B')!.rules;
  // The kernel: a foreign rule on top, then ours; the second of ours was changed by hand.
  const k = parseListing(
    listing('pi-PROF_B', [
      { handle: 20, comment: 'operator' },
      { handle: 21, comment: `vr:${want[0]!.hash}` },
      { handle: 22, comment: 'vr:0000000000000000' },
    ]),
  );
  assert.equal(k.chains.get('pi-PROF_B')!.foreign, 1);
  assert.equal(k.chains.has('operator'), false, 'a chain not named like ours is not ours');
  d.t.chains.replaceDataplane(k.chains);
  const s = lines(planTransaction(d.t).script).filter((l) => /^\w+ rule inet vroute pi-PROF_B /.test(l));
  assert.deepEqual(
    s.map((l) => l.replace(/ comment .*/, '')),
    ['delete rule inet vroute pi-PROF_B handle 22', 'add rule inet vroute pi-PROF_B ip6 saddr @tag6-PROF_B accept'],
  );
  assert.equal(
    planTransaction(d.t).chains.find((c) => c.name === 'pi-PROF_B')!.reread,
    true,
    'read back for the new handle',
  );
  assert.ok(
    !s.some((l) => /handle 20|flush chain inet vroute pi-PROF_B/.test(l)),
    'the operator rule is never touched',
  );
  // A profile no longer in use: its chain holds a rule of others, so only ours go.
  d.setEndpoint('alpha.workload-B.eth0', undefined, true);
  const s2 = lines(planTransaction(d.t).script).filter((l) => /^\w+ rule inet vroute pi-PROF_B /.test(l));
  assert.deepEqual(s2, ['delete rule inet vroute pi-PROF_B handle 21', 'delete rule inet vroute pi-PROF_B handle 22']);
});

test('after a resync read, whatever was deleted by hand is pending again', () => {
  const d = demoAcl();
  applyFake(d);
  // Read back a kernel that lost everything but one of our chains (table deleted, or chain).
  d.t.chains.replaceDataplane(new Map());
  d.t.sets.replaceDataplane(new Map());
  d.t.elements.replaceDataplane(new Map());
  d.t.mapElements.replaceDataplane(new Map());
  const s = planTransaction(d.t).script;
  assert.equal(s, compileRuleset(DEMO), 'an empty kernel gets the whole ruleset again');
});

test('parseListing reads chains, our rules, sets and map entries', () => {
  const k = parseListing(
    listing(
      'ep-in-vra',
      [{ handle: 5, comment: 'vr:0123456789abcdef' }],
      [
        {
          set: {
            family: 'inet',
            name: 'tag4-X',
            table: 'vroute',
            type: 'ipv4_addr',
            handle: 4,
            elem: ['10.0.0.1', '10.0.0.2'],
          },
        },
        {
          set: {
            family: 'inet',
            name: 'someone-elses',
            table: 'vroute',
            type: 'ipv4_addr',
            handle: 6,
            elem: ['10.0.0.3'],
          },
        },
        {
          map: {
            family: 'inet',
            name: 'to-ep',
            table: 'vroute',
            type: 'ifname',
            map: 'verdict',
            handle: 7,
            elem: [['vra', { goto: { target: 'ep-in-vra' } }]],
          },
        },
      ],
    ),
  );
  assert.deepEqual([...k.elements.get('tag4-X')!.keys()].sort(), ['10.0.0.1', '10.0.0.2']);
  assert.equal(k.sets.has('someone-elses'), false);
  assert.equal(k.elements.has('someone-elses'), false);
  assert.equal(k.mapElements.get('to-ep')!.get('vra'), 'goto ep-in-vra');
  assert.deepEqual(k.chains.get('ep-in-vra'), {
    base: undefined,
    ours: [{ hash: '0123456789abcdef', handle: 5 }],
    foreign: 0,
  });
});

test('a node without local endpoints has an empty table of ours: no hook in its packet path', () => {
  const d = new DesiredAcl();
  for (const p of DEMO.profiles) d.setProfile(p.name, p);
  d.setEndpoint('beta.workload-E.eth0', DEMO.endpoints[4]!, false);
  assert.equal(applyFake(d), 'add table inet vroute\n', 'the table is made, empty');
  assert.equal(planTransaction(d.t).empty, true);
  // The first local endpoint brings the base chains; the last one takes them away again.
  d.setEndpoint('alpha.workload-A.eth0', DEMO.endpoints[0]!, true);
  assert.match(applyFake(d), /add chain inet vroute fwd-from-ep \{ type filter hook forward/);
  d.setEndpoint('alpha.workload-A.eth0', undefined, true);
  const s = applyFake(d);
  assert.match(s, /delete chain inet vroute fwd-from-ep\n/);
  assert.match(s, /delete map inet vroute to-ep\n/);
  assert.ok(
    s.indexOf('delete chain inet vroute fwd-to-ep') < s.indexOf('delete map inet vroute to-ep'),
    'chains before the maps they name',
  );
  assert.equal(planTransaction(d.t).empty, true);
});

test('a local endpoint changing its profile list moves its map entries; list chains live while an endpoint has the list', () => {
  const d = demoAcl();
  applyFake(d);
  const ace = listChain('in', ['PROF_A_C_E']),
    aceB = listChain('in', ['PROF_A_C_E', 'PROF_B']);
  // A appends PROF_B: a new list (its two chains made), A's map entries point there, A joins tag PROF_B.
  d.setEndpoint(
    'alpha.workload-A.eth0',
    ep('alpha.workload-A.eth0', 'alpha', 'vra', '192.168.1.1/32', ['PROF_A_C_E', 'PROF_B']),
    true,
  );
  let s = applyFake(d);
  assert.ok(s.includes(`add chain inet vroute ${aceB}\n`), s);
  assert.ok(s.includes(`delete element inet vroute to-ep { "vra" }\n`), s);
  assert.ok(s.includes(`add element inet vroute to-ep { "vra" : goto ${aceB} }`), s);
  assert.ok(s.includes('add element inet vroute tag4-PROF_B { 192.168.1.1 }'), s);
  assert.doesNotMatch(s, new RegExp(`delete chain inet vroute ${ace}`), 'C still has the old list');
  // C does the same: the old list has no endpoint left and goes, after the entries that jumped to it.
  d.setEndpoint(
    'alpha.workload-C.eth0',
    ep('alpha.workload-C.eth0', 'alpha', 'vrc', '192.168.1.3/32', ['PROF_A_C_E', 'PROF_B']),
    true,
  );
  s = applyFake(d);
  assert.doesNotMatch(s, /add chain/, 'the new list exists already');
  assert.ok(
    s.indexOf(`"vrc" : goto ${aceB}`) >= 0 &&
      s.indexOf(`"vrc" : goto ${aceB}`) < s.indexOf(`delete chain inet vroute ${ace}`),
    s,
  );
});

test('per-endpoint chains of the earlier layout found in the kernel are replaced and deleted', () => {
  const d = demoAcl();
  applyFake(d);
  const k = parseListing(
    listing(
      'ep-in-vra',
      [{ handle: 5, comment: 'vr:0123456789abcdef' }],
      [
        {
          map: {
            family: 'inet',
            name: 'to-ep',
            table: 'vroute',
            type: 'ifname',
            map: 'verdict',
            handle: 7,
            elem: [['vra', { goto: { target: 'ep-in-vra' } }]],
          },
        },
      ],
    ),
  );
  d.t.chains.replaceDataplane(k.chains);
  d.t.mapElements.replaceDataplane(k.mapElements);
  const s = planTransaction(d.t).script;
  const entry = s.indexOf(`"vra" : goto ${listChain('in', ['PROF_A_C_E'])}`);
  assert.ok(entry >= 0 && entry < s.indexOf('delete chain inet vroute ep-in-vra'), s);
  assert.doesNotMatch(s, /operator/, 'a chain not named like ours is never touched');
});

test('changes made while nft runs stay pending after its commit; a read finding what was recorded leaves nothing to do', () => {
  const d = demoAcl();
  const plan = planTransaction(d.t);
  // While the transaction runs: B goes, X (a new local endpoint) comes with B's profile.
  d.setEndpoint('alpha.workload-B.eth0', undefined, true);
  d.setEndpoint('alpha.x.eth0', ep('alpha.x.eth0', 'alpha', 'vrx', '192.168.1.9/32', ['PROF_B']), true);
  commitPlan(d.t, plan);
  const s = planTransaction(d.t).script;
  assert.match(s, /delete element inet vroute to-ep \{ "vrb" \}/);
  assert.match(s, /add element inet vroute to-ep \{ "vrx" : goto pl-in-/);
  assert.match(s, /add element inet vroute tag4-PROF_B \{ 192\.168\.1\.9 \}/);
  assert.match(s, /delete element inet vroute tag4-PROF_B \{ 192\.168\.1\.2 \}/);
  assert.doesNotMatch(
    s,
    /"vra"|add chain inet vroute fwd-from-ep/,
    'what the first transaction made is not made again',
  );
  applyFake(d);
  // A resync read that finds exactly what was recorded (copies, as a read makes them).
  const copy = <V>(t: { containers: Map<string, { dataplane: Map<string, V> }> }): Map<string, Map<string, V>> =>
    new Map([...t.containers].map(([c, x]) => [c, new Map(x.dataplane)]));
  d.t.elements.replaceDataplane(copy(d.t.elements));
  d.t.mapElements.replaceDataplane(copy(d.t.mapElements));
  assert.equal(planTransaction(d.t).empty, true);
  // One element gone by hand: only it is pending again.
  const k = copy(d.t.elements);
  k.get('tag4-PROF_A_C_E')!.delete('192.168.1.5');
  d.t.elements.replaceDataplane(k);
  assert.deepEqual(lines(planTransaction(d.t).script), ['add element inet vroute tag4-PROF_A_C_E { 192.168.1.5 }']);
});
