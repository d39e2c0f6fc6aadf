// `vroute node` with its kernel FIB, end to end: two agents in namespaces on one bridge, each
// with a workload address on `lo` (this kernel has no dummy links) in its own IPAM block. Each
// kernel ends with a route (protocol 200) to the other's block via the other host and a
// blackhole for its own block, and a ping between the workload addresses gets through. Then
// one agent is SIGKILLed and started again while its kernel table is sampled: the route to
// the other block is there in every sample (no flush, no delete), and the table ends equal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { skipReason } from '../helpers/env';
import { createLab, waitFor, type Lab } from '../helpers/netns';
import { spawnNode, vrouteJson, type ReflectorProcess } from '../helpers/vroute';
import { allocate, EmbeddedDatastore, putResource } from '../../src/datastore';

test('two node agents program their kernels: routes proto 200 to the other block, a blackhole for their own, pings between workloads; a SIGKILL and restart never removes a route', { skip: skipReason('netns'), timeout: 150_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vr-nodek-'));
  const file = path.join(dir, 'datastore.json');
  const store = new EmbeddedDatastore({ path: file });
  let lab: Lab | undefined;
  const procs: ReflectorProcess[] = [];
  const logs = () => procs.map((p) => p.log().split('\n').slice(-15).join('\n')).join('\n----\n');
  try {
    lab = createLab(2, 'nodek');
    const [h1, h2] = lab.hosts as [Lab['hosts'][number], Lab['hosts'][number]];
    await putResource(store, { apiVersion: 'vroute/v1', kind: 'IPPool', metadata: { name: 'p' }, spec: { cidr: '10.233.0.0/16', blockSize: 26, disabled: false } });
    const [w1] = await allocate(store, { node: 'n1' });
    const [w2] = await allocate(store, { node: 'n2' });
    // Each node's first address, in its own block (10.233.0.0/26 and 10.233.0.64/26).
    assert.deepEqual([w1, w2], ['10.233.0.1', '10.233.0.64']);
    h1.ns.exec('ip', ['addr', 'add', `${w1}/32`, 'dev', 'lo']);
    h2.ns.exec('ip', ['addr', 'add', `${w2}/32`, 'dev', 'lo']);
    const start = (h: typeof h1, name: string) => spawnNode(h.ns, ['--name', name, '--ip', h.ipv4, '--datastore', `embedded:${file}`, '--api', '127.0.0.1:8179']);
    procs.push(start(h1, 'n1'), start(h2, 'n2'));
    const table = (h: typeof h1) => h.ns.exec('ip', ['-4', 'route', 'show', 'proto', '200']).trim().split('\n').map((l) => l.trim().replace(/\s+/g, ' ')).filter((l) => l !== '').sort();
    const want1 = ['10.233.0.64/26 via 192.0.2.2 ', 'blackhole 10.233.0.0/26 '];
    const want2 = ['10.233.0.0/26 via 192.0.2.1 ', 'blackhole 10.233.0.64/26 '];
    const matches = (h: typeof h1, want: string[]) => {
      const t = table(h);
      return want.every((w) => t.some((l) => l.startsWith(w))) && t.length === want.length;
    };
    try {
      await waitFor('both kernels hold the routes', () => (matches(h1, want1) && matches(h2, want2) ? true : undefined), 40_000, 250);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nn1: ${table(h1).join(' | ')}\nn2: ${table(h2).join(' | ')}\n${logs()}`);
    }
    // Workload to workload, across the two hosts' kernels.
    const ping = (h: typeof h1, from: string, to: string) => {
      try {
        h.ns.exec('ping', ['-c', '1', '-W', '2', '-I', from, to]);
        return true;
      } catch {
        return false;
      }
    };
    assert.ok(ping(h1, w1!, w2!), `ping ${w1} -> ${w2}`);
    assert.ok(ping(h2, w2!, w1!), `ping ${w2} -> ${w1}`);

    // SIGKILL n1 and start it again; sample n1's kernel routes all along.
    const before = table(h1);
    const synced = () => {
      try {
        return vrouteJson<{ fib: { synced?: boolean } }>(h1.ns, 'status', '--api', '127.0.0.1:8179').fib.synced === true;
      } catch {
        return false; // not listening yet
      }
    };
    procs[0]!.kill();
    await new Promise<void>((r) => procs[0]!.child.once('exit', () => r()));
    const samples: string[][] = [table(h1)];
    procs[0] = start(h1, 'n1');
    const deadline = Date.now() + 40_000;
    let settled = 0;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      samples.push(table(h1));
      // Done once the restarted agent has synced (End-of-RIB from its peer) and the table has
      // stayed as before for 2 s.
      if (JSON.stringify(samples.at(-1)) === JSON.stringify(before)) settled++;
      else settled = 0;
      if (settled >= 20 && synced()) break;
    }
    const missing = samples.findIndex((t) => !t.some((l) => l.startsWith('10.233.0.64/26 via 192.0.2.2')));
    assert.equal(missing, -1, `sample ${missing} of ${samples.length} lacked the route to n2's block: ${JSON.stringify(samples[missing])}\n${logs()}`);
    assert.deepEqual(table(h1), before, 'the table ends as it was');
    assert.ok(ping(h1, w1!, w2!), 'forwarding after the restart');
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    lab?.cleanup();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
