// The node's AS at runtime: read once at start (flag > Node resource > BGPConfiguration default
// > 64512); a later change in the datastore is not applied to running sessions (as FRR and
// BIRD need a reconfiguration) but logged as a warning naming both ASes and shown as /status
// `asnPending` (and in status/<node>) until the agent restarts or the datastore agrees again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { effectiveAsn, memoryFib, startNode, watchAsn, DEFAULT_ASN } from '../../src/node';
import { validateNodeConfig } from '../../src/config';
import { createLogger, silentLogger } from '../../src/observability';
import { openDatastore, putResource, statusKey, type Datastore } from '../../src/datastore';
import { waitFor as waitUntil } from '../helpers/netns';
import { freePort } from '../helpers/etcd';

function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 10_000,
): Promise<T> {
  return waitUntil(what, async () => (await probe()) || undefined, ms, 20) as Promise<T>;
}

function capture(): { logger: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

const bgpDefault = (store: Datastore, asNumber?: number) =>
  putResource(store, {
    apiVersion: 'vroute/v1',
    kind: 'BGPConfiguration',
    metadata: { name: 'default' },
    spec: asNumber === undefined ? {} : { asNumber },
  });

test('effectiveAsn: configured, then the Node resource, then BGPConfiguration default, then 64512', () => {
  assert.equal(effectiveAsn({}).asn, DEFAULT_ASN);
  assert.equal(DEFAULT_ASN, 64512);
  assert.equal(effectiveAsn({ bgpConfig: { asNumber: 65000 } }).asn, 65000);
  assert.equal(effectiveAsn({ bgpConfig: { asNumber: 65000 }, nodeSpec: { bgp: { asNumber: 65001 } } }).asn, 65001);
  const all = effectiveAsn({
    configured: 65002,
    bgpConfig: { asNumber: 65000 },
    nodeSpec: { bgp: { asNumber: 65001 } },
  });
  assert.equal(all.asn, 65002);
  assert.match(all.source, /flags or config file/);
  assert.match(effectiveAsn({ bgpConfig: { asNumber: 1 } }).source, /BGPConfiguration default/);
});

test("watchAsn: a changed default AS is warned about once with both numbers; the Node resource's AS wins; agreeing again clears it", async () => {
  const store = openDatastore('memory');
  const { logger, lines } = capture();
  await bgpDefault(store, 65000);
  let changes = 0;
  const w = watchAsn(store, 'alpha', undefined, 65000, logger, () => changes++);
  try {
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(w.pending(), undefined);
    assert.equal(changes, 0);
    await bgpDefault(store, 65010);
    await waitFor('the pending AS', () => w.pending() === 65010);
    await bgpDefault(store, 65010); // the same value again: no second warning
    await new Promise((r) => setTimeout(r, 50));
    const warns = lines.filter((l) => l.level === 40);
    assert.equal(warns.length, 1);
    assert.equal(warns[0]!.runningAsn, 65000);
    assert.equal(warns[0]!.wantedAsn, 65010);
    assert.match(String(warns[0]!.msg), /AS 65010 .* runs as AS 65000: .*restarted/);
    assert.equal(changes, 1);
    // The Node resource's asNumber takes precedence: it names the running AS, nothing pending.
    await putResource(store, {
      apiVersion: 'vroute/v1',
      kind: 'Node',
      metadata: { name: 'alpha' },
      spec: { bgp: { ipv4Address: '192.0.2.1', asNumber: 65000 } },
    });
    await waitFor('no pending AS', () => w.pending() === undefined);
    assert.ok(lines.some((l) => l.level === 30 && /running AS again/.test(String(l.msg))));
    // Another node's resource is none of our business.
    await putResource(store, {
      apiVersion: 'vroute/v1',
      kind: 'Node',
      metadata: { name: 'beta' },
      spec: { bgp: { ipv4Address: '192.0.2.2', asNumber: 65099 } },
    });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(w.pending(), undefined);
    assert.equal(changes, 2);
  } finally {
    w.cancel();
    await store.close();
  }
});

test('watchAsn: with asn configured (flag or file) the datastore cannot change it: nothing pending', async () => {
  const store = openDatastore('memory');
  await bgpDefault(store, 65010);
  const w = watchAsn(store, 'alpha', 65000, 65000, silentLogger);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(w.pending(), undefined);
  w.cancel();
  await store.close();
});

test('vroute node: keeps running as the AS it started with; status/<node> shows asnPending after the default AS changes', async () => {
  const store = openDatastore('memory');
  const port = await freePort();
  const { logger, lines } = capture();
  const cfg = validateNodeConfig({ name: 'alpha', ip: '127.0.0.1', port, fib: false, api: false, datastore: 'memory' });
  const node = await startNode(cfg, { logger, datastore: store, fib: memoryFib(), syncTimeoutMs: 1000 });
  const status = async (): Promise<Record<string, unknown> | undefined> => {
    const kv = await store.get(statusKey('alpha'));
    return kv ? (JSON.parse(kv.value) as { status: Record<string, unknown> }).status : undefined;
  };
  try {
    assert.equal(node.asn, 64512);
    await bgpDefault(store, 65020);
    const s = await waitFor('asnPending in status/alpha', async () => {
      const st = await status();
      return st?.asnPending === 65020 ? st : undefined;
    });
    assert.equal(s.asn, 64512, 'the running AS is unchanged');
    assert.equal(node.asn, 64512);
    assert.ok(lines.some((l) => l.level === 40 && l.wantedAsn === 65020 && l.runningAsn === 64512));
    await bgpDefault(store);
    await waitFor('asnPending gone', async () => (await status())?.asnPending === undefined);
  } finally {
    await node.stop();
    await store.close();
  }
});
