// `vroute node` with its kernel FIB, end to end: agents in namespaces, each with a workload
// address on `lo` (this kernel has no dummy links) in its own IPAM block.
// - Two agents on the mesh: each kernel ends with a route (protocol 200) to the other's block
//   via the other host and a blackhole for its own block, and a ping between the workload
//   addresses gets through. Then one agent is SIGKILLed and started again while its kernel
//   table is sampled: the route to the other block is there in every sample (no flush, no
//   delete), and the table ends equal.
// - Two agents on a registered reflector (mesh off): the reflector is SIGKILLed (no
//   NOTIFICATION: the agents keep its routes as stale, RFC 4724) and started again, with both
//   kernels sampled and `ip monitor route` watched: the routes to the other block are never
//   missing nor deleted, and pings get through while the reflector is down and after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { skipReason } from '../helpers/env';
import { waitFor } from '../helpers/netns';
import { monitorRoutes, openNodeLab } from '../helpers/node-lab';
import { vrouteJson } from '../helpers/vroute';
import { putResource, statusKey } from '../../src/datastore';

interface Status {
  sessions: Array<{ peer: string; state: string }>;
  fib: { synced?: boolean };
}

test('two node agents program their kernels: routes proto 200 to the other block, a blackhole for their own, pings between workloads; a SIGKILL and restart never removes a route', {
  skip: skipReason('netns'),
  timeout: 150_000,
}, async () => {
  const nl = await openNodeLab(2, 'nodek', ['n1', 'n2']);
  try {
    const [h1] = nl.hosts;
    const [w1, w2] = nl.workloads;
    // Each node's first address, in its own block (10.233.0.0/26 and 10.233.0.64/26).
    assert.deepEqual([w1, w2], ['10.233.0.1', '10.233.0.64']);
    nl.startNode(0);
    nl.startNode(1);
    const want1 = ['10.233.0.64/26 via 192.0.2.2 ', 'blackhole 10.233.0.0/26 '];
    const want2 = ['10.233.0.0/26 via 192.0.2.1 ', 'blackhole 10.233.0.64/26 '];
    const matches = (i: number, want: string[]) => {
      const t = nl.table(i);
      // Routes go through nexthop objects (`nhid N` before `via`); the restart below keeps their ids too.
      return want.every((w) => t.some((l) => l.replace(/ nhid \d+/, '').startsWith(w))) && t.length === want.length;
    };
    try {
      await waitFor(
        'both kernels hold the routes',
        () => (matches(0, want1) && matches(1, want2) ? true : undefined),
        40_000,
        250,
      );
    } catch (e) {
      throw new Error(
        `${(e as Error).message}\nn1: ${nl.table(0).join(' | ')}\nn2: ${nl.table(1).join(' | ')}\n${nl.logs()}`,
      );
    }
    // Workload to workload, across the two hosts' kernels.
    assert.ok(nl.ping(0, 1), `ping ${w1} -> ${w2}`);
    assert.ok(nl.ping(1, 0), `ping ${w2} -> ${w1}`);

    // SIGKILL n1 and start it again; sample n1's kernel routes all along.
    const before = nl.table(0);
    const synced = () => {
      try {
        return vrouteJson<Status>(h1!.ns, 'status', '--api', '127.0.0.1:8179').fib.synced === true;
      } catch {
        return false; // not listening yet
      }
    };
    const first = nl.procs[0]!;
    first.kill();
    await new Promise<void>((r) => first.child.once('exit', () => r()));
    const samples: string[][] = [nl.table(0)];
    nl.startNode(0);
    const deadline = Date.now() + 40_000;
    let settled = 0;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      samples.push(nl.table(0));
      // Done once the restarted agent has synced (End-of-RIB from its peer) and the table has
      // stayed as before for 2 s.
      if (JSON.stringify(samples.at(-1)) === JSON.stringify(before)) settled++;
      else settled = 0;
      if (settled >= 20 && synced()) break;
    }
    const missing = samples.findIndex((t) => !t.some((l) => /^10\.233\.0\.64\/26 nhid \d+ via 192\.0\.2\.2 /.test(l)));
    assert.equal(
      missing,
      -1,
      `sample ${missing} of ${samples.length} lacked the route to n2's block: ${JSON.stringify(samples[missing])}\n${nl.logs()}`,
    );
    assert.deepEqual(nl.table(0), before, 'the table ends as it was');
    assert.ok(nl.ping(0, 1), 'forwarding after the restart');
  } finally {
    await nl.close();
  }
});

// Known gap (issue 11 evidence "a reflector stopped with graceful restart keeps forwarding"):
// while the reflector is down the stale routes stay and pings get through (asserted), but once
// it is back a node may delete the other's block for a moment. The reflector now sets the
// RFC 4724 F bit (with it clear every helper dropped the kept routes at once, 4.2: seen as a
// delete before the reflector's UPDATE in a capture); what is left: the restarted reflector
// sends End-of-RIB to the first client that reconnects before the other client's routes are
// back in (captured: n1 sent its block only after the reflector's End-of-RIB to n2 had gone),
// where RFC 4724 4.1 has a restarting speaker defer: it now does (its registration outlived
// it, so it knows it restarted; routing/selection-deferral.ts).
test("a reflector SIGKILLed and started again (graceful restart): both nodes' kernels keep the routes all along, no delete, pings throughout", {
  skip: skipReason('netns'),
  timeout: 150_000,
}, async () => {
  const nl = await openNodeLab(3, 'nodegr', ['n1', 'n2']);
  try {
    const rr = nl.hosts[2]!;
    await putResource(nl.store, {
      apiVersion: 'vroute/v1',
      kind: 'BGPConfiguration',
      metadata: { name: 'default' },
      spec: { nodeToNodeMesh: false },
    });
    let reflector = nl.startReflector(2, 'rr1');
    nl.startNode(0);
    nl.startNode(1);
    const onReflector = (up: boolean) => () =>
      [0, 1].every((i) => {
        const s = vrouteJson<Status>(nl.hosts[i]!.ns, 'status', '--api', '127.0.0.1:8179');
        return (
          s.sessions.length === 1 && s.sessions[0]!.peer === rr.ipv4 && (s.sessions[0]!.state === 'Established') === up
        );
      })
        ? true
        : undefined;
    try {
      await waitFor(
        'both nodes on the reflector, routes in both kernels',
        () => (onReflector(true)() && nl.hasOthers(0) && nl.hasOthers(1) ? true : undefined),
        40_000,
        250,
      );
    } catch (e) {
      throw new Error(
        `${(e as Error).message}\nn1: ${nl.table(0).join(' | ')}\nn2: ${nl.table(1).join(' | ')}\n${nl.logs()}`,
      );
    }
    assert.ok(nl.ping(0, 1), 'ping before');
    const before = [nl.table(0), nl.table(1)];
    // The restarted reflector defers for the peers its last status record lists (RFC 4724
    // 4.1); the record is written within a second of a change, so wait for it to hold both
    // nodes before the SIGKILL (a peer that came up in the killed process's last second is
    // not deferred for: it gets the timer's default, as with any speaker).
    await waitFor(
      "the reflector's status record lists both nodes Established",
      async () => {
        const rec = await nl.store.get(statusKey('rr1'));
        const doc = rec ? (JSON.parse(rec.value) as { status?: { sessions?: Status['sessions'] } }) : undefined;
        const up = (doc?.status?.sessions ?? []).filter((x) => x.state === 'Established').length;
        return up === 2 ? true : undefined;
      },
      20_000,
      100,
    );

    const monitors = await Promise.all([0, 1].map((i) => monitorRoutes(nl.hosts[i]!.ns)));
    const samples: boolean[] = [];
    const sample = () => samples.push(nl.hasOthers(0) && nl.hasOthers(1));
    // SIGKILL: no NOTIFICATION, so both nodes (GR helpers) keep the reflector's routes stale.
    reflector.kill();
    await new Promise<void>((r) => reflector.child.once('exit', () => r()));
    await waitFor(
      'both sessions down',
      () => {
        sample();
        return onReflector(false)();
      },
      20_000,
      100,
    );
    for (let k = 0; k < 10; k++) {
      sample();
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(nl.ping(0, 1), 'ping with the reflector down');
    assert.ok(nl.ping(1, 0), 'ping back with the reflector down');
    // Started again: sessions back, End-of-RIB, stale routes replaced by fresh ones.
    // The outage: stale routes kept in both kernels, nothing deleted.
    assert.equal(samples.indexOf(false), -1, `a route went missing while the reflector was down\n${nl.logs()}`);
    for (const m of monitors) assert.deepEqual(m.deleted('10.233.'), [], 'routes deleted while the reflector was down');
    const restartedAt = samples.length;
    reflector = nl.startReflector(2, 'rr1');
    await waitFor(
      'both nodes on the reflector again',
      () => {
        sample();
        return onReflector(true)();
      },
      40_000,
      100,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\n${nl.logs()}`);
    });
    for (let k = 0; k < 30; k++) {
      sample();
      await new Promise((r) => setTimeout(r, 100));
    }
    const events = await Promise.all(monitors.map((m) => m.stop()));
    const gap = samples.indexOf(false);
    assert.equal(
      gap,
      -1,
      `sample ${gap} of ${samples.length} (restarted at ${restartedAt}) lacked a route: ${JSON.stringify(events.map((e) => e.split('\n').filter((l) => l.includes('10.233.'))))}`,
    );
    for (const i of [0, 1]) {
      const deleted = events[i]!.split('\n').filter((l) => l.startsWith('Deleted') && l.includes('10.233.'));
      assert.deepEqual(deleted, [], `node ${i + 1}: routes deleted while the reflector restarted\n${nl.logs()}`);
    }
    assert.deepEqual([nl.table(0), nl.table(1)], before, 'the tables end as they were');
    assert.ok(nl.ping(0, 1), 'ping after');
  } finally {
    await nl.close();
  }
});
