// `fib: false`: memoryFib keeps the routes the agent would install, keyed like the kernel
// sink (canonical prefix text), and never touches the kernel (no root needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryFib, parseFibConfig } from '../../src/node/fib';

test('memoryFib: set replaces per prefix, delete removes, canonical keys, bad prefixes counted as failed', async () => {
  const fib = memoryFib();
  const hops = [{ gateway: '192.0.2.2' }];
  fib.set({ prefix: '10.65.1.0/26', kind: 'unicast', nextHops: hops });
  fib.set({ prefix: '10.65.1.0/26', kind: 'unicast', nextHops: [{ gateway: '192.0.2.3' }, { gateway: '192.0.2.4' }] });
  fib.set({ prefix: 'FD00:0::/64', kind: 'blackhole', nextHops: [] });
  fib.set({ prefix: '10.9.0.0/24', kind: 'blackhole', nextHops: [] });
  fib.delete('10.9.0.0/24');
  fib.set({ prefix: '10.1.1.1/24', kind: 'blackhole', nextHops: [] });
  hops[0]!.gateway = '203.0.113.1'; // the sink keeps its own copy
  await fib.flushed();
  fib.syncDone();
  assert.deepEqual(fib.routes(), [
    { prefix: '10.65.1.0/26', kind: 'unicast', nextHops: [{ gateway: '192.0.2.3' }, { gateway: '192.0.2.4' }] },
    { prefix: 'fd00::/64', kind: 'blackhole', nextHops: [] },
  ]);
  const s = fib.stats();
  assert.equal(s.installed, 2);
  assert.equal(s.pending, 0);
  assert.equal(s.failed, 1);
  assert.match(s.lastError ?? '', /10\.1\.1\.1\/24.*bits set past \/24/);
  // The word calls (BGP's routes, as the RIB keeps them) land under the same keys as text.
  const v6 = [0xfd000000, 0, 0, 0];
  fib.setWords(false, [0x0a410100], 26, [{ gateway: '192.0.2.9' }]);
  fib.setWords(true, v6, 64, [{ gateway: 'fd00::9' }]);
  assert.deepEqual(fib.routes(), [
    { prefix: '10.65.1.0/26', kind: 'unicast', nextHops: [{ gateway: '192.0.2.9' }] },
    { prefix: 'fd00::/64', kind: 'unicast', nextHops: [{ gateway: 'fd00::9' }] },
  ]);
  fib.deleteWords(true, v6, 64);
  fib.delete('10.65.1.0/26');
  assert.deepEqual(fib.routes(), []);
  await fib.close();
});

test('parseFibConfig: false, defaults, a full map; each bad value named by its field', () => {
  assert.equal(parseFibConfig(false), false);
  assert.deepEqual(parseFibConfig(undefined), {});
  assert.deepEqual(parseFibConfig({ table: 'main', protocol: 200, metric: 20, scanSeconds: 0 }), {
    table: 'main',
    protocol: 200,
    metric: 20,
    scanSeconds: 0,
  });
  assert.deepEqual(parseFibConfig({ table: 100 }), { table: 100 });
  const bad: [unknown, RegExp][] = [
    [{ table: 'local' }, /^RangeError: fib\.table/],
    [{ table: 255 }, /fib\.table: 255/],
    [{ protocol: 4 }, /fib\.protocol: 4 is not an integer 5\.\.255/],
    [{ protocol: 256 }, /fib\.protocol/],
    [{ metric: -1 }, /fib\.metric/],
    [{ scanSeconds: 'x' }, /fib\.scanSeconds/],
    [{ tabel: 1 }, /fib\.tabel: unknown key/],
    ['yes', /fib: must be false or a map/],
  ];
  for (const [v, re] of bad) assert.match(String(parseFibConfig(v)), re, JSON.stringify(v));
});
