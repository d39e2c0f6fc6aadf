// Issue 12: a node agent with the dataplane shows Felix's per-node status (last apply time,
// apply failures, endpoints up / down / error) in its HTTP API (/status `dataplane`), in
// `vroute status` and in status/<node>, next to the existing fields; `vroute workload show`
// shows each endpoint's own state. A real `vroute node --dataplane` in a network namespace
// (kernel FIB, nftables), with three endpoints: one whose interface exists (up), one whose
// interface does not exist yet (down, until the test creates it), one with a bad address
// (error, naming the field). Then applies fail: the agent runs with a wrapper `nft` first in its
// PATH that hands everything to the real nft, except `nft -f` while a flag file exists (the
// kernel refusing a transaction, made on demand); the failures are counted, shown, and the
// dataplane recovers once the flag is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { skipReason } from '../helpers/env';
import { waitFor } from '../helpers/netns';
import { openNodeLab } from '../helpers/node-lab';
import { VROUTE_BIN } from '../helpers/vroute';
import { putResource, ROOT } from '../../src/datastore';
import type { NodeDataplaneView as DataplaneView } from '../../src/node/node-status';

const skip = skipReason('netns', 'nft');

test("vroute node --dataplane: /status, vroute status and status/<node> show last apply, failures and endpoints up/down/error; workload show each endpoint's state", {
  skip,
  timeout: 120_000,
}, async () => {
  const nl = await openNodeLab(2, 'dpstat', ['alpha']);
  try {
    const ns = nl.hosts[0]!.ns;
    const started = Date.now();
    ns.exec('ip', ['link', 'add', 'vrdpup', 'type', 'veth', 'peer', 'name', 'vrdpupw']);
    await putResource(nl.store, {
      apiVersion: 'vroute/v1',
      kind: 'Profile',
      metadata: { name: 'P' },
      spec: { inbound: [{ action: 'allow', srcTag: 'P' }], outbound: [{ action: 'allow' }] },
    });
    const endpoint = (wl: string, ifname: string, net: string) =>
      putResource(nl.store, {
        apiVersion: 'vroute/v1',
        kind: 'WorkloadEndpoint',
        metadata: { name: `alpha.${wl}.eth0` },
        spec: { node: 'alpha', workload: wl, interfaceName: ifname, ipNetworks: [net], profiles: ['P'] },
      });
    await endpoint('up', 'vrdpup', '10.233.0.10/32');
    await endpoint('down', 'vrdpdown', '10.233.0.11/32');
    await endpoint('bad', 'vrdpbad', '10.233.0.16/28');
    const flag = path.join(nl.dir, 'nft-fail');
    const wrapperDir = path.join(nl.dir, 'bin');
    const realNft = execFileSync('sh', ['-c', 'command -v nft'], { encoding: 'utf8' }).trim();
    execFileSync('mkdir', [wrapperDir]);
    writeFileSync(
      path.join(wrapperDir, 'nft'),
      `#!/bin/sh\nif [ "$1" = -f ] && [ -e '${flag}' ]; then echo 'Error: refused by the test' >&2; exit 1; fi\nexec '${realNft}' "$@"\n`,
    );
    chmodSync(path.join(wrapperDir, 'nft'), 0o755);
    // The agent inherits this process's environment when spawned: the wrapper first in PATH.
    const PATH = process.env.PATH;
    process.env.PATH = `${wrapperDir}:${PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`;
    let agent: ReturnType<typeof nl.startNode>;
    try {
      agent = nl.startNode(0, ['--dataplane']);
    } finally {
      process.env.PATH = PATH;
    }
    const vroute = (...args: string[]) => ns.exec(process.execPath, [VROUTE_BIN, ...args], 20_000);
    const apiStatus = (): Record<string, unknown> & { dataplane: DataplaneView } => {
      try {
        return JSON.parse(vroute('status', '-o', 'json'));
      } catch {
        return { dataplane: undefined } as never; // the API is not up yet
      }
    };
    const counts = (want: DataplaneView['endpoints']) => () => {
      const s = apiStatus();
      return s.dataplane && JSON.stringify(s.dataplane.endpoints) === JSON.stringify(want) ? s : undefined;
    };
    let s = await waitFor('endpoints up 1 down 1 error 1', counts({ up: 1, down: 1, error: 1 }), 30_000, 250).catch(
      (e: Error) => {
        throw new Error(`${e.message}\n${JSON.stringify(apiStatus())}\n${agent.log()}`);
      },
    );

    // The fields, added next to contract 3's and the FIB's (none renamed).
    for (const k of ['name', 'routerId', 'asn', 'sessions', 'fib', 'localRoutes', 'lastError']) assert.ok(k in s, k);
    assert.equal(s.name, 'alpha');
    const dp = s.dataplane;
    assert.deepEqual(Object.keys(dp).sort(), [
      'applies',
      'consecutiveFailures',
      'endpoints',
      'failures',
      'lastApply',
      'lastApplyMs',
      'lastError',
    ]);
    assert.ok(typeof dp.lastApply === 'string', 'an apply succeeded');
    const at = Date.parse(dp.lastApply);
    assert.ok(at >= started - 1000 && at <= Date.now() + 1000, `lastApply ${dp.lastApply} is from this run`);
    assert.ok(typeof dp.lastApplyMs === 'number' && dp.lastApplyMs >= 0);
    assert.ok(dp.applies >= 1);
    assert.deepEqual([dp.failures, dp.consecutiveFailures, dp.lastError], [0, 0, null]);

    // What the table shows.
    assert.match(
      vroute('status'),
      /\nDATAPLANE {2}endpoints up 1 {2}down 1 {2}error 1 {2}applies \d+ {2}failures 0 {2}last apply \d{4}-\d\d-\d\dT[\d:.]+Z \(\d+ ms\)\n/,
    );

    // Each endpoint's own state, as `vroute workload show` displays it.
    // One endpoint: one JSON object.
    const shown = (wl: string) =>
      (
        JSON.parse(vroute('workload', 'show', wl, '--node', 'alpha', '--datastore', nl.ds, '-o', 'json')) as {
          endpoint: string;
          status: string | null;
        }
      ).status;
    await waitFor('endpoint statuses written', () => (shown('bad') !== null ? true : undefined), 10_000, 200);
    assert.equal(shown('up'), 'up');
    assert.equal(shown('down'), 'down: interface vrdpdown does not exist');
    assert.match(shown('bad')!, /^error: spec\.ipNetworks\[0\]: "10\.233\.0\.16\/28" is not a \/32 or \/128 network/);

    // The missing interface appears: the endpoint comes up, the counts follow.
    ns.exec('ip', ['link', 'add', 'vrdpdown', 'type', 'veth', 'peer', 'name', 'vrdpdownw']);
    s = await waitFor('endpoints up 2 down 0 error 1', counts({ up: 2, down: 0, error: 1 }), 15_000, 250);
    assert.ok(s.dataplane.applies > dp.applies, 'applied again');
    assert.match(ns.exec('ip', ['route', 'show', '10.233.0.11/32', 'proto', '200']), /dev vrdpdown/);

    // The same in the datastore: status/alpha (the agent's record, contract 4) and the
    // dataplane's own status/alpha/dataplane.
    const stored = async (key: string) => {
      const kv = await nl.store.get(`${ROOT}status/${key}`);
      return kv ? (JSON.parse(kv.value) as Record<string, unknown>) : undefined;
    };
    await waitFor(
      'status/alpha holds the dataplane',
      async () => {
        const r = (await stored('alpha'))?.status as { dataplane?: DataplaneView } | undefined;
        return r?.dataplane?.endpoints.up === 2 ? true : undefined;
      },
      15_000,
      250,
    );
    const own = (await stored('alpha/dataplane')) as unknown as DataplaneView;
    assert.deepEqual(own.endpoints, { up: 2, down: 0, error: 1 });
    assert.equal(own.failures, 0);

    // Applies fail: a profile change needs an `nft -f`, which is refused now.
    writeFileSync(flag, '');
    await putResource(nl.store, {
      apiVersion: 'vroute/v1',
      kind: 'Profile',
      metadata: { name: 'P' },
      spec: {
        inbound: [
          { action: 'allow', srcTag: 'P' },
          { action: 'allow', protocol: 'icmp' },
        ],
        outbound: [],
      },
    });
    // The last success before the failures began (read then: a resync may apply in between).
    const failing = await waitFor(
      'a failed apply',
      () => {
        const x = apiStatus();
        return x.dataplane && x.dataplane.consecutiveFailures >= 1 ? x.dataplane : undefined;
      },
      20_000,
      100,
    );
    s = await waitFor(
      'two failed applies in a row',
      () => {
        const x = apiStatus();
        return x.dataplane && x.dataplane.consecutiveFailures >= 2 ? x : undefined;
      },
      20_000,
      250,
    );
    assert.ok(s.dataplane.failures >= s.dataplane.consecutiveFailures);
    assert.match(s.dataplane.lastError ?? '', /^nft: Error: refused by the test/);
    assert.equal(s.dataplane.lastApply, failing.lastApply, 'no successful apply since the first failure');
    assert.match(
      vroute('status'),
      /failures [1-9]\d* {2}last apply \S+ \(\d+ ms\) {2}failing [1-9]\d* in a row: nft: Error: refused by the test\n/,
    );
    // Recovers (retried with back-off, at most 10 s apart): the failures stay counted.
    rmSync(flag);
    s = await waitFor(
      'a successful apply again',
      () => {
        const x = apiStatus();
        return x.dataplane && x.dataplane.consecutiveFailures === 0 && x.dataplane.lastApply !== failing.lastApply
          ? x
          : undefined;
      },
      30_000,
      250,
    );
    assert.ok(s.dataplane.failures >= 2);
    assert.match(s.dataplane.lastError ?? '', /refused by the test/, 'the last error stays shown');
    assert.doesNotMatch(vroute('status'), /failing/);
  } finally {
    await nl.close();
  }
});

test('vroute node without the dataplane: /status dataplane is null and vroute status has no DATAPLANE line', {
  skip: skipReason('netns'),
  timeout: 60_000,
}, async () => {
  const nl = await openNodeLab(2, 'dpoff', ['alpha']);
  try {
    const ns = nl.hosts[0]!.ns;
    const agent = nl.startNode(0, ['--no-fib']);
    const json = await waitFor(
      'the API',
      () => {
        try {
          return JSON.parse(ns.exec(process.execPath, [VROUTE_BIN, 'status', '-o', 'json'])) as Record<string, unknown>;
        } catch {
          return undefined;
        }
      },
      20_000,
      250,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${agent.log()}`);
    });
    assert.equal(json.dataplane, null);
    assert.doesNotMatch(ns.exec(process.execPath, [VROUTE_BIN, 'status']), /DATAPLANE/);
  } finally {
    await nl.close();
  }
});
