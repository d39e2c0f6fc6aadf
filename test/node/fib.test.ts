// The kernel FIB sink against a real kernel: a namespace per test (host 0 of a two-host lab,
// 192.0.2.1/24 and 2001:db8::1/64 on vr0), the sink running inside it in a child process,
// and the result read with `ip route` and watched with `ip monitor route`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipReason } from '../helpers/env';
import { waitFor, type Netns } from '../helpers/netns';
import { OPTS, hole, monitor, uni, withFib } from './fib-driver';
import type { FibStats } from '../../src/node/fib';

const SKIP = skipReason('netns');

/**
 * `ip route show` lines (continuation lines of a multipath route joined to theirs), without
 * the `nhid N` of a route through a nexthop object: which objects routes use is
 * fib-nexthop.test.ts's to check; these tests look at where routes go.
 */
function routes(ns: Netns, ...args: string[]): string[] {
  const text = ns.exec('ip', [...args, 'route', 'show', ...(args.includes('-6') ? [] : []), 'table', 'main']);
  return text
    .replace(/\n\s+/g, ' ')
    .split('\n')
    .map((l) =>
      l
        .replace(/ nhid \d+/, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter(Boolean);
}
const ours = (ns: Netns, fam: '-4' | '-6'): string[] => routes(ns, fam).filter((l) => l.includes('proto 200'));

test('FIB: install, replace in place and delete, IPv4 and IPv6, ECMP and blackhole; set+delete coalesce', {
  skip: SKIP,
  timeout: 60_000,
}, async () => {
  await withFib('fib', async (ns, open) => {
    const fib = await open();
    assert.deepEqual(await fib.call('open', { opts: OPTS }), { installed: 0, pending: 0, failed: 0 });
    await fib.call('set', {
      routes: [
        uni('10.1.0.0/24', '192.0.2.2'),
        uni('10.2.0.0/24', '192.0.2.2', '192.0.2.3'),
        hole('10.3.0.0/26'),
        uni('fd00:1::/64', '2001:db8::2'),
        uni('fd00:2::/64', '2001:db8::2', '2001:db8::3'),
        hole('fd00:3::/48'),
      ],
    });
    const s = await fib.call<FibStats>('flushed');
    assert.deepEqual(s, { installed: 6, pending: 0, failed: 0 });
    assert.deepEqual(ours(ns, '-4'), [
      '10.1.0.0/24 via 192.0.2.2 dev vr0 proto 200 metric 32',
      '10.2.0.0/24 proto 200 metric 32 nexthop via 192.0.2.2 dev vr0 weight 1 nexthop via 192.0.2.3 dev vr0 weight 1',
      'blackhole 10.3.0.0/26 proto 200 metric 32',
    ]);
    assert.deepEqual(ours(ns, '-6'), [
      'fd00:1::/64 via 2001:db8::2 dev vr0 proto 200 metric 32 pref medium',
      'fd00:2::/64 proto 200 metric 32 pref medium nexthop via 2001:db8::2 dev vr0 weight 1 nexthop via 2001:db8::3 dev vr0 weight 1',
      'blackhole fd00:3::/48 dev lo proto 200 metric 32 pref medium',
    ]);

    // Replace: new next hops for the same prefix, in place (no Deleted line for it); a
    // set() equal to the kernel sends nothing; set then delete of a new prefix does nothing.
    const mon = await monitor(ns);
    await fib.call('set', {
      routes: [
        uni('10.1.0.0/24', '192.0.2.3'),
        uni('10.2.0.0/24', '192.0.2.3'),
        uni('10.3.0.0/26', '192.0.2.2', '192.0.2.4'),
        uni('fd00:2::/64', '2001:db8::4'),
        hole('fd00:1::/64'),
        uni('fd00:3::/48', '2001:db8::2', '2001:db8::3'),
        hole('10.9.0.0/24'),
        uni('fd00:1:0::/64', '2001:db8::2'),
        hole('10.8.0.0/24'),
      ],
      deletes: ['10.9.0.0/24'],
    });
    await fib.call('flushed');
    const lines = await mon.stop();
    assert.deepEqual(
      lines.filter((l) => l.startsWith('Deleted')),
      [],
      'a replace never deletes',
    );
    assert.ok(!lines.some((l) => l.includes('10.9.0.0')), 'set then delete before the batch: nothing sent');
    assert.ok(
      lines.some((l) => l.startsWith('10.1.0.0/24 via 192.0.2.3')),
      lines.join('\n'),
    );
    assert.deepEqual(ours(ns, '-4'), [
      '10.1.0.0/24 via 192.0.2.3 dev vr0 proto 200 metric 32',
      '10.2.0.0/24 via 192.0.2.3 dev vr0 proto 200 metric 32',
      '10.3.0.0/26 proto 200 metric 32 nexthop via 192.0.2.2 dev vr0 weight 1 nexthop via 192.0.2.4 dev vr0 weight 1',
      'blackhole 10.8.0.0/24 proto 200 metric 32',
    ]);
    assert.deepEqual(ours(ns, '-6').sort(), [
      // Set twice in this round (the second spelling not canonical): the last one wins.
      'fd00:1::/64 via 2001:db8::2 dev vr0 proto 200 metric 32 pref medium',
      'fd00:2::/64 via 2001:db8::4 dev vr0 proto 200 metric 32 pref medium',
      'fd00:3::/48 proto 200 metric 32 pref medium nexthop via 2001:db8::2 dev vr0 weight 1 nexthop via 2001:db8::3 dev vr0 weight 1',
    ]);

    await fib.call('delete', {
      prefixes: [
        '10.1.0.0/24',
        '10.2.0.0/24',
        '10.3.0.0/26',
        '10.8.0.0/24',
        'fd00:1::/64',
        'fd00:2::/64',
        'fd00:3::/48',
      ],
    });
    assert.deepEqual(await fib.call('flushed'), { installed: 0, pending: 0, failed: 0 });
    assert.deepEqual([...ours(ns, '-4'), ...ours(ns, '-6')], []);
  });
});

test('FIB: one bad route never blocks the batch; foreign routes untouched; unreachable next hop held until its network appears', {
  skip: SKIP,
  timeout: 60_000,
}, async () => {
  await withFib('fib', async (ns, open) => {
    const fib = await open();
    // The socket shell alone: one batch, the middle route's gateway is on no network.
    const acks = await fib.call<{ seq: number; errno: number; message?: string }[]>('raw', {
      routes: [
        ['10.50.0.0/24', '192.0.2.2'],
        ['10.51.0.0/24', '203.0.113.9'],
        ['10.52.0.0/24', '192.0.2.2'],
      ],
    });
    assert.deepEqual(
      acks.map((a) => a.errno),
      [0, 101, 0],
    ); // ENETUNREACH for the middle one only
    assert.match(acks[1]!.message ?? '', /gateway|unreachable|Nexthop/i, 'the kernel says why');
    assert.equal(routes(ns, '-4').filter((l) => l.includes('proto 201')).length, 2);

    // Routes of another protocol: one at our metric (conflict), one at another metric.
    ns.exec('ip', ['route', 'add', '10.60.0.0/24', 'via', '192.0.2.2', 'metric', '32', 'proto', 'static']);
    ns.exec('ip', ['route', 'add', '10.61.0.0/24', 'via', '192.0.2.2', 'proto', 'static']);
    ns.exec('ip', ['-6', 'route', 'add', 'fd00:60::/64', 'via', '2001:db8::2', 'metric', '32', 'proto', 'static']);
    const foreign = routes(ns, '-4').filter((l) => l.includes('proto static'));
    await fib.call('open', { opts: OPTS });
    await fib.call('set', {
      routes: [
        uni('10.60.0.0/24', '192.0.2.3'),
        uni('10.61.0.0/24', '192.0.2.3'),
        uni('fd00:60::/64', '2001:db8::3'),
        uni('10.62.0.0/24', '192.0.2.2'),
        uni('10.63.0.0/24', '198.51.100.1'),
        uni('10.64.0.0/24', '198.51.100.1', '192.0.2.2'),
      ],
    });
    const s = await fib.call<FibStats>('flushed');
    assert.equal(s.installed, 3, JSON.stringify(s)); // 10.61 (beside theirs), 10.62, 10.64 via the resolvable hop
    assert.equal(s.failed, 2);
    assert.equal(s.pending, 1); // 10.63: next hop on no connected network
    assert.match(s.lastError ?? '', /not ours \(another protocol\)/);
    assert.deepEqual(
      routes(ns, '-4').filter((l) => l.includes('proto static')),
      foreign,
      'foreign routes untouched',
    );
    assert.ok(
      routes(ns, '-6').some((l) => l.startsWith('fd00:60::/64 via 2001:db8::2 dev vr0 proto static metric 32')),
    );
    assert.ok(ours(ns, '-4').includes('10.61.0.0/24 via 192.0.2.3 dev vr0 proto 200 metric 32'));
    assert.ok(!ours(ns, '-4').some((l) => l.startsWith('10.63.')));
    assert.equal(
      fib.logs.filter((l) => l.msg?.includes('not resolvable') && String(l.reason).includes('198.51.100.1')).length,
      1,
      'logged once for the next hop, not per route',
    );

    // Its network appears: the held route goes in, and the multipath one gains its hop.
    ns.exec('ip', ['addr', 'add', '198.51.100.2/24', 'dev', 'vr0']);
    await waitFor(
      'held route installed',
      () => (ours(ns, '-4').some((l) => l.startsWith('10.63.0.0/24 via 198.51.100.1')) ? true : undefined),
      10_000,
      200,
    );
    await waitFor(
      'multipath route completed',
      () =>
        ours(ns, '-4').some(
          (l) => l.startsWith('10.64.0.0/24') && l.includes('198.51.100.1') && l.includes('192.0.2.2'),
        )
          ? true
          : undefined,
      10_000,
      200,
    );
    const after = await fib.call<FibStats>('flushed');
    assert.equal(after.pending, 0);
    assert.equal(after.installed, 4, ours(ns, '-4').join('\n'));
  });
});

test('FIB restart: routes still right are never deleted; stale ones go only at syncDone()', {
  skip: SKIP,
  timeout: 60_000,
}, async () => {
  await withFib('fib', async (ns, open) => {
    const first = await open();
    await first.call('open', { opts: OPTS });
    await first.call('set', {
      routes: [
        uni('10.1.0.0/24', '192.0.2.2'),
        uni('10.2.0.0/24', '192.0.2.2', '192.0.2.3'),
        uni('10.3.0.0/24', '192.0.2.2'),
        hole('10.4.0.0/24'),
        uni('fd00:1::/64', '2001:db8::2'),
        uni('fd00:9::/64', '2001:db8::2'),
      ],
    });
    assert.equal((await first.call<FibStats>('flushed')).installed, 6);
    await first.call('close');
    await first.end(); // the agent is gone; its routes stay
    assert.equal(ours(ns, '-4').length + ours(ns, '-6').length, 6);

    const mon = await monitor(ns);
    const second = await open();
    assert.equal((await second.call<FibStats>('open', { opts: OPTS })).installed, 6);
    // The new sessions bring back 10.1, 10.2 (same), 10.4 and fd00:1 (same), 10.3 with a new
    // next hop, and a new 10.5; 10.x nothing else: fd00:9 is stale.
    await second.call('set', {
      routes: [
        uni('10.1.0.0/24', '192.0.2.2'),
        uni('10.2.0.0/24', '192.0.2.3', '192.0.2.2'),
        uni('10.3.0.0/24', '192.0.2.4'),
        hole('10.4.0.0/24'),
        uni('fd00:1::/64', '2001:db8::2'),
        uni('10.5.0.0/24', '192.0.2.2'),
      ],
    });
    assert.equal((await second.call<FibStats>('flushed')).installed, 7);
    assert.ok(
      ours(ns, '-6').some((l) => l.startsWith('fd00:9::/64')),
      'stale route kept until syncDone',
    );
    const before = await mon.stop();
    assert.deepEqual(
      before.filter((l) => /10\.1\.0\.0|10\.2\.0\.0|10\.4\.0\.0|fd00:1::/.test(l)),
      [],
      'routes already right: nothing sent for them at all',
    );
    assert.ok(
      before.some((l) => l.startsWith('10.3.0.0/24 via 192.0.2.4')),
      before.join('\n'),
    );
    assert.deepEqual(
      before.filter((l) => l.startsWith('Deleted')),
      [],
    );

    const mon2 = await monitor(ns);
    await second.call('syncDone');
    assert.equal((await second.call<FibStats>('flushed')).installed, 6);
    const after = await mon2.stop();
    assert.deepEqual(
      after.filter((l) => l.startsWith('Deleted')).map((l) => l.split(' ')[1]),
      ['fd00:9::/64'],
    );
    assert.deepEqual(
      ours(ns, '-4').map((l) => (l.split(' ')[0] === 'blackhole' ? l.split(' ')[1] : l.split(' ')[0])),
      ['10.1.0.0/24', '10.2.0.0/24', '10.3.0.0/24', '10.4.0.0/24', '10.5.0.0/24'],
    );
    assert.deepEqual(
      ours(ns, '-6').map((l) => l.split(' ')[0]),
      ['fd00:1::/64'],
    );
  });
});

test('FIB options: a table number, another protocol; invalid options are refused by name', {
  skip: SKIP,
  timeout: 60_000,
}, async () => {
  await withFib('fib', async (ns, open) => {
    const fib = await open();
    await assert.rejects(fib.call('open', { opts: { table: 255 } }), /fib\.table: 255/);
    await assert.rejects(fib.call('open', { opts: { protocol: 2 } }), /fib\.protocol: 2/);
    await fib.call('open', { opts: { ...OPTS, table: 1000, protocol: 150 } });
    await fib.call('set', {
      routes: [uni('10.1.0.0/24', '192.0.2.2'), hole('fd00::/64'), uni('10.1.1.0/24', 'not-an-ip')],
    });
    const s = await fib.call<FibStats>('flushed');
    assert.equal(s.installed, 2);
    assert.equal(s.failed, 1);
    assert.match(s.lastError ?? '', /"not-an-ip" is not an IP address/);
    assert.equal(
      ns.exec('ip', ['route', 'show', 'table', '1000']).trim(),
      // Through nexthop object 150000001: the first id of protocol 150's band (nexthop-objects.ts).
      '10.1.0.0/24 nhid 150000001 via 192.0.2.2 dev vr0 proto 150 metric 32',
    );
    assert.match(
      ns.exec('ip', ['-6', 'route', 'show', 'table', '1000']),
      /blackhole fd00::\/64 dev lo proto 150 metric 32/,
    );
    assert.deepEqual(ours(ns, '-4'), []);
  });
});

test('FIB scan: a route of ours deleted or changed behind our back comes back; one of ours not desired goes', {
  skip: SKIP,
  timeout: 60_000,
}, async () => {
  await withFib('fib', async (ns, open) => {
    const fib = await open();
    await fib.call('open', { opts: { scanSeconds: 1 } });
    await fib.call('syncDone');
    await fib.call('set', { routes: [uni('10.1.0.0/24', '192.0.2.2'), uni('10.2.0.0/24', '192.0.2.2')] });
    await fib.call('flushed');
    ns.exec('ip', ['route', 'del', '10.1.0.0/24', 'proto', '200']);
    ns.exec('ip', ['route', 'replace', '10.2.0.0/24', 'via', '192.0.2.9', 'proto', '200', 'metric', '32']);
    ns.exec('ip', ['route', 'add', '10.3.0.0/24', 'via', '192.0.2.9', 'proto', '200', 'metric', '32']);
    const want = [
      '10.1.0.0/24 via 192.0.2.2 dev vr0 proto 200 metric 32',
      '10.2.0.0/24 via 192.0.2.2 dev vr0 proto 200 metric 32',
    ];
    await waitFor(
      'the scan to restore the table',
      () => (JSON.stringify(ours(ns, '-4')) === JSON.stringify(want) ? true : undefined),
      10_000,
      200,
    );
  });
});
