// Prefix lists, policies, policy references and ADD-PATH send modes in the daemon config:
// valid documents keep what was written, every bad value is a ConfigError naming the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig, ConfigError, communityValue } from '../../src/config';

const base = { routerId: '10.0.0.1', asn: 65000 };
const prefixLists = {
  pods: [
    { action: 'permit', prefix: '10.233.0.0/16', ge: 26, le: 32 },
    { action: 'deny', prefix: '0.0.0.0/0', le: 32 },
  ],
  v6: [{ action: 'permit', prefix: '2001:db8::/32', ge: 48 }],
};
const policies = {
  'from-nodes': [
    {
      match: { prefixList: 'pods' },
      action: 'accept',
      set: { localPref: 200, communities: { add: ['65000:100'], delete: ['no-export'] } },
    },
    { match: { community: ['65000:666'] }, action: 'reject' },
    { action: 'next', set: { med: 10, communities: { set: ['65000:1'] } } },
  ],
  'to-tor': [{ action: 'reject' }],
};

test('prefix lists, policies, policy references and ADD-PATH send modes validate as written', () => {
  const c = validateConfig({
    ...base,
    prefixLists,
    policies,
    neighbors: [
      {
        address: '10.0.0.2',
        asn: 65000,
        addPath: 'both',
        addPathSend: 2,
        importPolicy: 'from-nodes',
        exportPolicy: 'to-tor',
        maxPrefixes: 10,
      },
    ],
    dynamicNeighbors: [
      {
        prefix: '10.0.0.0/16',
        asn: 65000,
        addPath: 'send',
        addPathSend: 'all',
        importPolicy: 'from-nodes',
        maxPrefixes: 500,
      },
    ],
  });
  assert.deepEqual(c.prefixLists, prefixLists);
  assert.deepEqual(c.policies, policies);
  const n = c.neighbors[0]!;
  assert.deepEqual(
    [n.addPath, n.addPathSend, n.importPolicy, n.exportPolicy, n.maxPrefixes],
    ['both', 2, 'from-nodes', 'to-tor', 10],
  );
  const d = c.dynamicNeighbors[0]!;
  assert.deepEqual(
    [d.addPath, d.addPathSend, d.importPolicy, d.exportPolicy, d.maxPrefixes],
    ['send', 'all', 'from-nodes', undefined, 500],
  );
  // Absent: empty, and neighbors without the new fields stay as before.
  const plain = validateConfig({ ...base, neighbors: [{ address: '10.0.0.2', asn: 1 }] });
  assert.deepEqual([plain.prefixLists, plain.policies], [{}, {}]);
  assert.equal('addPathSend' in plain.neighbors[0]!, false);
});

test('communities as high:low or RFC 1997 well-known names', () => {
  assert.equal(communityValue('65000:100'), ((65000 << 16) | 100) >>> 0);
  assert.equal(communityValue('no-export'), 0xffffff01);
  assert.equal(communityValue('no-advertise'), 0xffffff02);
  assert.equal(communityValue('65536:1'), undefined);
  assert.equal(communityValue('1:2:3'), undefined);
});

const nb = (extra: Record<string, unknown>) => ({
  ...base,
  prefixLists,
  policies,
  neighbors: [{ address: '10.0.0.2', asn: 1, ...extra }],
});
const dyn = (extra: Record<string, unknown>) => ({
  ...base,
  prefixLists,
  policies,
  dynamicNeighbors: [{ prefix: '10.0.0.0/8', asn: 1, ...extra }],
});
const bad: Array<[string, unknown, string]> = [
  [
    'dangling importPolicy',
    nb({ importPolicy: 'nope' }),
    'neighbors[0].importPolicy: "nope" is not a policy defined under policies',
  ],
  [
    'dangling exportPolicy',
    dyn({ exportPolicy: 'x' }),
    'dynamicNeighbors[0].exportPolicy: "x" is not a policy defined under policies',
  ],
  ['policy name not a string', nb({ exportPolicy: 3 }), 'neighbors[0].exportPolicy: 3 is not a policy'],
  [
    'dangling prefix list',
    { ...base, policies: { p: [{ match: { prefixList: 'none' }, action: 'accept' }] } },
    'policies.p[0].match.prefixList: "none" is not a prefix list defined under prefixLists',
  ],
  ['bad addPath', nb({ addPath: 'sometimes' }), 'neighbors[0].addPath: "sometimes" is not receive, send or both'],
  [
    'addPathSend without send',
    nb({ addPath: 'receive', addPathSend: 2 }),
    'neighbors[0].addPathSend: needs addPath: send or both',
  ],
  [
    'addPathSend without addPath',
    dyn({ addPathSend: 'all' }),
    'dynamicNeighbors[0].addPathSend: needs addPath: send or both',
  ],
  [
    'addPathSend zero',
    nb({ addPath: 'both', addPathSend: 0 }),
    'neighbors[0].addPathSend: 0 is not all or a number of paths from 1 to 255',
  ],
  [
    'addPathSend text',
    dyn({ addPath: 'both', addPathSend: 'best' }),
    'dynamicNeighbors[0].addPathSend: "best" is not all or a number',
  ],
  ['dynamic maxPrefixes', dyn({ maxPrefixes: 0 }), 'dynamicNeighbors[0].maxPrefixes: 0 is not a whole number'],
  ['dynamic unknown field', dyn({ port: 179 }), 'dynamicNeighbors[0].port: unknown field'],
  ['prefixLists not a mapping', { ...base, prefixLists: [] }, 'prefixLists: [] is not a mapping of names to lists'],
  ['prefix list not a list', { ...base, prefixLists: { a: {} } }, 'prefixLists.a: {} is not a list'],
  ['bad list name', { ...base, prefixLists: { 'a b': [] } }, 'prefixLists.a b: is not a name'],
  [
    'entry action',
    { ...base, prefixLists: { a: [{ action: 'allow', prefix: '10.0.0.0/8' }] } },
    'prefixLists.a[0].action: "allow" is not permit or deny',
  ],
  [
    'entry prefix missing',
    { ...base, prefixLists: { a: [{ action: 'permit' }] } },
    'prefixLists.a[0].prefix: is required',
  ],
  [
    'entry prefix bad',
    { ...base, prefixLists: { a: [{ action: 'permit', prefix: '10.0.0.0/33' }] } },
    'prefixLists.a[0].prefix: "10.0.0.0/33" is not a prefix',
  ],
  [
    'entry host bits',
    { ...base, prefixLists: { a: [{ action: 'permit', prefix: '10.0.0.1/8' }] } },
    'prefixLists.a[0].prefix: 10.0.0.1/8 has host bits set',
  ],
  [
    'entry v6 host bits',
    { ...base, prefixLists: { a: [{ action: 'permit', prefix: '2001:db8::1/64' }] } },
    'prefixLists.a[0].prefix: 2001:db8::1/64 has host bits set',
  ],
  [
    'ge below length',
    { ...base, prefixLists: { a: [{ action: 'permit', prefix: '10.0.0.0/16', ge: 8 }] } },
    'prefixLists.a[0].ge: 8 is not a whole number from 16 to 32',
  ],
  [
    'le below ge',
    { ...base, prefixLists: { a: [{ action: 'permit', prefix: '10.0.0.0/16', ge: 24, le: 20 }] } },
    'prefixLists.a[0].le: 20 is not a whole number from 24 to 32',
  ],
  [
    'le past 128',
    { ...base, prefixLists: { a: [{ action: 'permit', prefix: '2001:db8::/32', le: 129 }] } },
    'prefixLists.a[0].le: 129 is not a whole number from 32 to 128',
  ],
  [
    'entry unknown key',
    { ...base, prefixLists: { a: [{ action: 'permit', prefix: '10.0.0.0/8', eq: 8 }] } },
    'prefixLists.a[0].eq: unknown field',
  ],
  ['term action missing', { ...base, policies: { p: [{}] } }, 'policies.p[0].action: is required'],
  [
    'term action bad',
    { ...base, policies: { p: [{ action: 'permit' }] } },
    'policies.p[0].action: "permit" is not accept, reject or next',
  ],
  [
    'term match key',
    { ...base, policies: { p: [{ match: { asPath: 1 }, action: 'accept' }] } },
    'policies.p[0].match.asPath: unknown field',
  ],
  [
    'match community',
    { ...base, policies: { p: [{ match: { community: ['65000:70000'] }, action: 'accept' }] } },
    'policies.p[0].match.community[0]: "65000:70000" is not a community',
  ],
  [
    'match community not a list',
    { ...base, policies: { p: [{ match: { community: '1:1' }, action: 'accept' }] } },
    'policies.p[0].match.community: "1:1" is not a list of communities',
  ],
  [
    'set localPref',
    { ...base, policies: { p: [{ action: 'accept', set: { localPref: -1 } }] } },
    'policies.p[0].set.localPref: -1 is not a whole number',
  ],
  [
    'set med',
    { ...base, policies: { p: [{ action: 'accept', set: { med: 2 ** 32 } }] } },
    'policies.p[0].set.med: 4294967296 is not a whole number',
  ],
  [
    'set communities add',
    { ...base, policies: { p: [{ action: 'accept', set: { communities: { add: ['x'] } } }] } },
    'policies.p[0].set.communities.add[0]: "x" is not a community',
  ],
  [
    'set communities key',
    { ...base, policies: { p: [{ action: 'accept', set: { communities: { replace: [] } } }] } },
    'policies.p[0].set.communities.replace: unknown field',
  ],
  [
    'set on reject',
    { ...base, policies: { p: [{ action: 'reject', set: { med: 1 } }] } },
    'policies.p[0].set: does nothing on a reject term',
  ],
];
for (const [name, doc, msg] of bad) {
  test(`policy config error names the field: ${name}`, () => {
    assert.throws(
      () => validateConfig(doc),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError, String(e));
        assert.ok(e.message.startsWith(msg), `${e.message}\n  does not start with\n${msg}`);
        return true;
      },
    );
  });
}
