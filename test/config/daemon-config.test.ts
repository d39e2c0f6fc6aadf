import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { validateConfig, loadConfigFile, ConfigError } from '../../src/config';

const base = { routerId: '10.0.0.1', asn: 65000 };

test('a full contract-2 config validates with defaults filled in', () => {
  const c = validateConfig({
    name: 'rr1',
    ...base,
    listen: { address: '0.0.0.0', port: 1179 },
    reflector: { clusterId: '10.0.0.1' },
    neighbors: [
      {
        address: '10.0.0.2',
        asn: 65000,
        routeReflectorClient: true,
        passive: false,
        holdTime: 90,
        families: ['ipv4-unicast', 'ipv6-unicast'],
      },
    ],
    dynamicNeighbors: [{ prefix: '10.0.0.0/16', asn: 65000, routeReflectorClient: true }],
    datastore: 'embedded',
    api: '127.0.0.1:8179',
    log: 'info',
  });
  assert.equal(c.name, 'rr1');
  assert.deepEqual(c.listen, { address: '0.0.0.0', port: 1179 });
  assert.equal(c.neighbors[0]!.port, 179);
  assert.deepEqual(c.neighbors[0]!.families, ['ipv4-unicast', 'ipv6-unicast']);
  assert.equal(c.dynamicNeighbors[0]!.holdTime, 90);
  assert.deepEqual(c.api, { host: '127.0.0.1', port: 8179 });
  assert.deepEqual(c.gracefulRestart, { staleTime: 360 });
  assert.equal(validateConfig({ ...base, gracefulRestart: { staleTime: 30 } }).gracefulRestart.staleTime, 30);
  for (const ds of ['embedded', 'embedded:/srv/vr/ds.json', 'memory', 'etcd://10.0.0.1:2379'])
    assert.equal(validateConfig({ ...base, datastore: ds }).datastore, ds);
  assert.equal(validateConfig(base).datastore, 'embedded', 'the shared file by default');
});

const bad: Array<[string, unknown, string]> = [
  ['missing routerId', { asn: 1 }, 'routerId: is required'],
  ['bad routerId', { routerId: '10.0.0.999', asn: 1 }, 'routerId: "10.0.0.999" is not an IPv4 address'],
  [
    'asn out of range',
    { routerId: '1.1.1.1', asn: 4294967296 },
    'asn: 4294967296 is not a whole number from 1 to 4294967295',
  ],
  [
    'hold time 2',
    { ...base, neighbors: [{ address: '10.0.0.2', asn: 1, holdTime: 2 }] },
    'neighbors[0].holdTime: 2 is not allowed',
  ],
  [
    'bad family',
    { ...base, neighbors: [{ address: '10.0.0.2', asn: 1, families: ['ipv5'] }] },
    'neighbors[0].families[0]: "ipv5" is not a family',
  ],
  ['unknown field', { ...base, neighbours: [] }, 'neighbours: unknown field'],
  [
    'duplicate neighbor',
    {
      ...base,
      neighbors: [
        { address: '10.0.0.2', asn: 1 },
        { address: '10.0.0.2', asn: 2 },
      ],
    },
    'neighbors[1].address: 10.0.0.2 is already neighbors[0]',
  ],
  [
    'bad dynamic prefix',
    { ...base, dynamicNeighbors: [{ prefix: '10.0.0.0/33', asn: 1 }] },
    'dynamicNeighbors[0].prefix: "10.0.0.0/33" is not a prefix',
  ],
  ['bad api', { ...base, api: 'localhost' }, 'api: "localhost" is not host:port'],
  [
    'bad datastore',
    { ...base, datastore: 'redis://x' },
    'datastore: "redis://x" is not embedded, embedded:PATH, memory or etcd',
  ],
  ['bad log', { ...base, log: 'loud' }, 'log: "loud" is not a log level'],
  [
    'stale time 0',
    { ...base, gracefulRestart: { staleTime: 0 } },
    'gracefulRestart.staleTime: 0 is not a whole number from 1 to 3600',
  ],
  [
    'graceful restart typo',
    { ...base, gracefulRestart: { stalleTime: 5 } },
    'gracefulRestart.stalleTime: unknown field',
  ],
];
for (const [name, doc, msg] of bad) {
  test(`config error names the field: ${name}`, () => {
    assert.throws(
      () => validateConfig(doc),
      (e: unknown) => e instanceof ConfigError && e.message.startsWith(msg),
    );
  });
}

test('loadConfigFile reads YAML and JSON and reports parse errors with the file name', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-cfg-'));
  const y = path.join(dir, 'a.yaml');
  writeFileSync(y, 'routerId: 10.0.0.1\nasn: 65000\nneighbors:\n  - {address: "::1", asn: 65001, port: 1790}\n');
  assert.equal(loadConfigFile(y).neighbors[0]!.address, '::1');
  const j = path.join(dir, 'a.json');
  writeFileSync(j, JSON.stringify(base));
  assert.equal(loadConfigFile(j).asn, 65000);
  const broken = path.join(dir, 'b.yaml');
  writeFileSync(broken, 'routerId: [\n');
  assert.throws(() => loadConfigFile(broken), /is not valid YAML or JSON/);
  assert.throws(() => loadConfigFile(path.join(dir, 'none.yaml')), /cannot read .*no such file/);
});
