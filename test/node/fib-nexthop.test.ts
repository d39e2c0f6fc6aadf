// The kernel FIB sink's nexthop objects against a real kernel (nexthop-objects.ts,
// nexthop-gc.ts): a namespace per test (host 0 of a two-host lab, 192.0.2.1/24 and
// 2001:db8::1/64 on vr0), the sink in a child process, the result read with `ip -j nexthop`
// and `ip -j route` and watched with `ip monitor route nexthop`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipReason } from '../helpers/env';
import { waitFor, type Netns } from '../helpers/netns';
import { OPTS, hole, monitor, uni, withFib } from './fib-driver';
import type { FibStats } from '../../src/node/fib';

const SKIP = skipReason('netns');

interface JsonNexthop {
  id: number;
  gateway?: string;
  dev?: string;
  protocol?: string;
  group?: { id: number; weight?: number }[];
}
interface JsonRoute {
  dst: string;
  nhid?: number;
  gateway?: string;
  type?: string;
  protocol?: string;
}

const nexthops = (ns: Netns): JsonNexthop[] => JSON.parse(ns.exec('ip', ['-j', 'nexthop', 'show']) || '[]');
/** Nexthop objects of protocol 200, by id. */
const ourObjects = (ns: Netns): Map<number, JsonNexthop> =>
  new Map(
    nexthops(ns)
      .filter((n) => n.protocol === '200')
      .map((n) => [n.id, n]),
  );
const routesOf = (ns: Netns, fam: '-4' | '-6', proto = '200'): JsonRoute[] =>
  JSON.parse(ns.exec('ip', ['-j', fam, 'route', 'show', 'table', 'main', 'proto', proto]) || '[]');
const byDst = (rs: JsonRoute[]): Map<string, JsonRoute> => new Map(rs.map((r) => [r.dst, r]));

test('FIB nexthop objects: one per next hop, a group per ECMP set, routes name them; blackholes stay inline', {
  skip: SKIP,
  timeout: 60_000,
}, async () => {
  await withFib('fibnh', async (ns, open) => {
    const fib = await open();
    await fib.call('open', { opts: OPTS });
    await fib.call('set', {
      routes: [
        uni('10.1.0.0/24', '192.0.2.2'),
        uni('10.2.0.0/24', '192.0.2.2', '192.0.2.3'),
        uni('10.3.0.0/24', '192.0.2.2'),
        hole('10.4.0.0/24'),
        uni('fd00:1::/64', '2001:db8::2'),
        uni('fd00:2::/64', '2001:db8::3', '2001:db8::2'),
      ],
    });
    assert.deepEqual(await fib.call<FibStats>('flushed'), { installed: 6, pending: 0, failed: 0 });
    const objs = ourObjects(ns);
    const single = (gw: string): number => {
      const o = [...objs.values()].filter((n) => n.gateway === gw);
      assert.equal(o.length, 1, `one object for ${gw}: ${JSON.stringify([...objs.values()])}`);
      assert.equal(o[0]!.dev, 'vr0');
      return o[0]!.id;
    };
    const [a2, a3, b2, b3] = [single('192.0.2.2'), single('192.0.2.3'), single('2001:db8::2'), single('2001:db8::3')];
    // Our ids: protocol 200's band.
    for (const id of objs.keys()) assert.ok(id > 200_000_000 && id < 201_000_000, String(id));
    const v4 = byDst(routesOf(ns, '-4'));
    const v6 = byDst(routesOf(ns, '-6'));
    assert.equal(v4.get('10.1.0.0/24')?.nhid, a2);
    assert.equal(v4.get('10.3.0.0/24')?.nhid, a2, 'routes through the same next hop share its object');
    const members = (id: number | undefined): number[] =>
      (objs.get(id ?? 0)?.group ?? []).map((g) => g.id).sort((x, y) => x - y);
    assert.deepEqual(
      members(v4.get('10.2.0.0/24')?.nhid),
      [a2, a3].sort((x, y) => x - y),
    );
    assert.equal(v4.get('10.4.0.0/24')?.type, 'blackhole');
    assert.equal(v4.get('10.4.0.0/24')?.nhid, undefined);
    assert.equal(v6.get('fd00:1::/64')?.nhid, b2);
    assert.deepEqual(
      members(v6.get('fd00:2::/64')?.nhid),
      [b2, b3].sort((x, y) => x - y),
    );
    assert.equal(objs.size, 6, 'four single objects and two groups, nothing else');

    // A route moved to another next hop is replaced in place to that one's object.
    const mon = await monitor(ns, ['route', 'nexthop'], true);
    await fib.call('set', { routes: [uni('10.1.0.0/24', '192.0.2.3')] });
    await fib.call('flushed');
    const lines = await mon.stop();
    assert.deepEqual(
      lines.filter((l) => l.startsWith('Deleted')),
      [],
    );
    assert.equal(byDst(routesOf(ns, '-4')).get('10.1.0.0/24')?.nhid, a3);
  });
});

test('FIB nexthop objects across a restart: adopted, nothing deleted; inline routes of ours replaced in place; stale objects go after syncDone unless something uses them', {
  skip: SKIP,
  timeout: 60_000,
}, async () => {
  await withFib('fibnh', async (ns, open) => {
    // Routes of ours from an older version (next hops inline), IPv4 and IPv6, one and several.
    ns.exec('ip', ['route', 'add', '10.9.0.0/24', 'via', '192.0.2.2', 'proto', '200', 'metric', '32']);
    const ecmp = ['nexthop', 'via', '192.0.2.2', 'nexthop', 'via', '192.0.2.3'];
    ns.exec('ip', ['route', 'add', '10.8.0.0/24', 'proto', '200', 'metric', '32', ...ecmp]);
    ns.exec('ip', ['-6', 'route', 'add', 'fd00:9::/64', 'via', '2001:db8::2', 'proto', '200', 'metric', '32']);
    const ecmp6 = ['nexthop', 'via', '2001:db8::2', 'nexthop', 'via', '2001:db8::3'];
    ns.exec('ip', ['-6', 'route', 'add', 'fd00:8::/64', 'proto', '200', 'metric', '32', ...ecmp6]);
    const older = [
      uni('10.9.0.0/24', '192.0.2.2'),
      uni('10.8.0.0/24', '192.0.2.2', '192.0.2.3'),
      uni('fd00:9::/64', '2001:db8::2'),
      uni('fd00:8::/64', '2001:db8::2', '2001:db8::3'),
    ];
    const first = await open();
    await first.call('open', { opts: OPTS });
    const want = [
      uni('10.1.0.0/24', '192.0.2.2'),
      uni('10.2.0.0/24', '192.0.2.2', '192.0.2.3'),
      uni('fd00:1::/64', '2001:db8::2'),
    ];
    await first.call('set', { routes: want });
    assert.equal((await first.call<FibStats>('flushed')).installed, 7);
    await first.call('close');
    await first.end();
    const made = ourObjects(ns);
    // Another protocol's object and route; a stale object of ours nothing uses; and a stale
    // object of ours that another protocol's route goes through.
    ns.exec('ip', ['nexthop', 'add', 'id', '7', 'via', '192.0.2.2', 'dev', 'vr0', 'proto', 'static']);
    ns.exec('ip', ['route', 'add', '10.70.0.0/24', 'nhid', '7', 'proto', 'static']);
    ns.exec('ip', ['nexthop', 'add', 'id', '200000077', 'via', '192.0.2.4', 'dev', 'vr0', 'proto', '200']);
    ns.exec('ip', ['nexthop', 'add', 'id', '200000078', 'via', '192.0.2.5', 'dev', 'vr0', 'proto', '200']);
    ns.exec('ip', ['route', 'add', '10.71.0.0/24', 'nhid', '200000078', 'proto', 'static']);
    const foreign = ns.exec('ip', ['route', 'show', 'proto', 'static']);

    const mon = await monitor(ns, ['route', 'nexthop'], true);
    const second = await open();
    assert.equal((await second.call<FibStats>('open', { opts: OPTS })).installed, 7);
    await second.call('set', { routes: [...want, ...older] });
    await second.call('flushed');
    const before = await mon.stop();
    assert.deepEqual(
      before.filter((l) => l.startsWith('Deleted')),
      [],
      before.join('\n'),
    );
    assert.deepEqual(
      before.filter(
        (l) => /10\.1\.0\.0|10\.2\.0\.0|fd00:1::/.test(l) || [...made.keys()].some((id) => l.startsWith(`id ${id} `)),
      ),
      [],
      "routes and objects already right: nothing sent for them (new objects only for the older routes' IPv6 ECMP set)",
    );
    assert.ok(
      before.some((l) => /^10\.9\.0\.0\/24 nhid \d+ via 192\.0\.2\.2/.test(l)),
      before.join('\n'),
    );
    const v4 = byDst(routesOf(ns, '-4'));
    const v6 = byDst(routesOf(ns, '-6'));
    assert.equal(v4.get('10.9.0.0/24')?.nhid, v4.get('10.1.0.0/24')?.nhid, 'the inline route now uses the object');
    assert.equal(v4.get('10.8.0.0/24')?.nhid, v4.get('10.2.0.0/24')?.nhid, 'and the ECMP one the group');
    assert.equal(v6.get('fd00:9::/64')?.nhid, v6.get('fd00:1::/64')?.nhid);
    assert.ok(ourObjects(ns).get(v6.get('fd00:8::/64')?.nhid ?? 0)?.group, 'IPv6 ECMP through a group');
    assert.ok(made.has(v4.get('10.1.0.0/24')!.nhid!), "the first run's object, adopted");

    const mon2 = await monitor(ns, ['route', 'nexthop'], true);
    await second.call('syncDone');
    await second.call('flushed');
    const after = await mon2.stop();
    assert.deepEqual(
      after.filter((l) => l.startsWith('Deleted')).map((l) => l.split(' ').slice(0, 3).join(' ')),
      ['Deleted id 200000077'],
    );
    const objs = ourObjects(ns);
    assert.ok(objs.has(200000078), 'a route of another protocol goes through it: kept');
    for (const id of made.keys()) assert.ok(objs.has(id), `adopted object ${id} kept`);
    assert.ok(
      nexthops(ns).some((n) => n.id === 7),
      "another protocol's object untouched",
    );
    assert.equal(ns.exec('ip', ['route', 'show', 'proto', 'static']), foreign, 'their routes untouched');
  });
});

test('FIB nexthop objects: the kernel removes them (and their routes) with a link going down; they come back with it', {
  skip: SKIP,
  timeout: 60_000,
}, async () => {
  await withFib('fibnh', async (ns, open) => {
    const fib = await open();
    await fib.call('open', { opts: OPTS });
    await fib.call('syncDone');
    await fib.call('set', { routes: [uni('10.1.0.0/24', '192.0.2.2'), uni('10.2.0.0/24', '192.0.2.2', '192.0.2.3')] });
    await fib.call('flushed');
    const through = (): boolean => {
      const v4 = byDst(routesOf(ns, '-4'));
      const objs = ourObjects(ns);
      return ['10.1.0.0/24', '10.2.0.0/24'].every((p) => objs.has(v4.get(p)?.nhid ?? 0));
    };
    assert.ok(through());

    ns.exec('ip', ['link', 'set', 'vr0', 'down']);
    await waitFor('the kernel to drop them', () => (routesOf(ns, '-4').length === 0 ? true : undefined), 5000, 100);
    assert.equal(ourObjects(ns).size, 0);
    ns.exec('ip', ['link', 'set', 'vr0', 'up']);
    await waitFor('routes back through new objects', () => (through() ? true : undefined), 15_000, 200);

    // Down and up again before the sink looks: the link dump shows nothing changed, the
    // nexthop dump shows ours gone.
    ns.exec('sh', ['-c', 'ip link set vr0 down && ip link set vr0 up']);
    await waitFor('routes back after a quick flap', () => (through() ? true : undefined), 15_000, 200);
    assert.deepEqual(await fib.call<FibStats>('flushed'), { installed: 2, pending: 0, failed: 0 });
  });
});
