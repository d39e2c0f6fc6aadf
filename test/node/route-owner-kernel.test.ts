// RouteOwner against the real kernel: BGP's route and a local workload's device route for one
// prefix through one rtnetlink FIB sink in a namespace. The local route replaces BGP's in
// place (never two routes, never a gap), its removal puts BGP's back, a device route's
// interface made a moment before is found, a missing one is an error in the dataplane's
// words, and a device route deleted by hand comes back at a resync. Needs root + netns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipReason } from '../helpers/env';
import { withNamespaceSet } from '../helpers/netns';
import { startFibChild } from './fib-driver';

const skip = skipReason('netns');

test("one owner per prefix in the kernel: local device route wins, BGP's comes back, resync restores", {
  skip,
}, async () => {
  const set = withNamespaceSet('rowner', 'route-owner test', (s) => s);
  try {
    const ns = set.create('h');
    // Interfaces as veth pairs (both ends up, so the link has carrier), as workloads have.
    const link = (name: string, addr?: string): void => {
      ns.exec('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`]);
      if (addr) ns.exec('ip', ['addr', 'add', addr, 'dev', name]);
      ns.exec('ip', ['link', 'set', `${name}p`, 'up']);
      ns.exec('ip', ['link', 'set', name, 'up']);
    };
    link('d0', '10.0.0.1/24');
    link('vrw0');
    const show = (p: string): string => ns.exec('ip', ['route', 'show', p]).trim();
    const fib = await startFibChild(ns);
    try {
      await fib.call('open', { opts: { scanSeconds: 0 } });
      await fib.call('owner');
      await fib.call('bgpSet', {
        routes: [{ prefix: '192.168.1.7/32', kind: 'unicast', nextHops: [{ gateway: '10.0.0.2' }] }],
      });
      // Through nexthop object 200000001 (protocol 200's first id: src/node/fib/nexthop-objects.ts).
      assert.equal(show('192.168.1.7/32'), '192.168.1.7 nhid 200000001 via 10.0.0.2 dev d0 proto 200 metric 32');

      await fib.call('localSet', { routes: [['192.168.1.7/32', 'vrw0']] });
      assert.deepEqual(await fib.call('localApply'), {});
      assert.equal(
        show('192.168.1.7/32'),
        '192.168.1.7 dev vrw0 proto 200 scope link metric 32',
        'replaced in place: one route',
      );

      // An interface made just now (the FIB's link view is re-read first), and a missing one.
      link('vrnew');
      await fib.call('localSet', {
        routes: [
          ['192.168.1.9/32', 'vrnew'],
          ['192.168.1.8/32', 'vrnone'],
        ],
      });
      assert.deepEqual(await fib.call('localApply'), { '192.168.1.8/32': 'interface vrnone does not exist' });
      assert.equal(show('192.168.1.9/32'), '192.168.1.9 dev vrnew proto 200 scope link metric 32');

      // Deleted by hand: back at the next resync.
      ns.exec('ip', ['route', 'del', '192.168.1.9/32']);
      assert.equal(show('192.168.1.9/32'), '');
      await fib.call('localApply', { resync: true });
      assert.equal(show('192.168.1.9/32'), '192.168.1.9 dev vrnew proto 200 scope link metric 32');

      // The workload goes: BGP's route is back; a local-only one is gone (scope link deleted too).
      await fib.call('localDelete', { prefixes: ['192.168.1.7/32', '192.168.1.9/32', '192.168.1.8/32'] });
      assert.deepEqual(await fib.call('localApply'), {});
      assert.equal(show('192.168.1.7/32'), '192.168.1.7 nhid 200000001 via 10.0.0.2 dev d0 proto 200 metric 32');
      assert.equal(show('192.168.1.9/32'), '');
      await fib.call('close');
    } finally {
      await fib.end();
    }
  } finally {
    set.cleanup();
  }
});
