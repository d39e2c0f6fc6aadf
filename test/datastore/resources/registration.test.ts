// Reflector self-registration: retried with back-off until the store answers (bounded log
// lines), a lost lease re-created with the identical value so PeerSource watchers see no
// change, and the daemon publishes a routable address (advertiseAddress, else the router ID).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddedDatastore, type EmbeddedOptions } from '../../../src/datastore/embedded';
import { DatastoreError, type Lease } from '../../../src/datastore/store';
import { parseDocuments, putResource } from '../../../src/datastore/resources/documents';
import { PeerSource, type PeerChanges } from '../../../src/datastore/resources/peers';
import {
  keepRegistered,
  reflectorKey,
  registerReflector,
  retryDelay,
  type RetryTimers,
} from '../../../src/datastore/resources/registration';
import { startReflector } from '../../../src/reflector';
import { validateConfig, ConfigError } from '../../../src/config';
import { silentLogger } from '../../../src/observability';

/** A memory store whose next `failGrants` lease grants fail as an unreachable etcd would. */
class FlakyStore extends EmbeddedDatastore {
  failGrants = 0;
  constructor(opts: EmbeddedOptions = {}) {
    super(opts);
  }
  override async grant(ttl: number): Promise<Lease> {
    if (this.failGrants > 0) {
      this.failGrants--;
      throw new DatastoreError('unavailable', 'datastore: connection refused');
    }
    return super.grant(ttl);
  }
}

/** Retry timers run by hand: the test sees every delay asked for. */
class ManualTimers implements RetryTimers {
  delays: number[] = [];
  private queue: Array<() => void> = [];
  set(fn: () => void, ms: number): unknown {
    this.delays.push(ms);
    this.queue.push(fn);
    return fn;
  }
  clear(h: unknown): void {
    this.queue = this.queue.filter((f) => f !== h);
  }
  /** Run the pending retry, then let its promise chain settle. */
  async fire(): Promise<boolean> {
    const f = this.queue.shift();
    if (!f) return false;
    f();
    await new Promise((r) => setImmediate(r));
    return true;
  }
}

const settle = () => new Promise((r) => setImmediate(r));

async function until(what: string, p: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!p()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Node-to-node mesh off and one BGPPeer selecting the reflectors (`role == 'rr'`): alpha peers with them. */
async function peerWithReflectors(ds: EmbeddedDatastore): Promise<void> {
  for (const d of parseDocuments(`
apiVersion: vroute/v1
kind: BGPConfiguration
metadata: {name: default}
spec: {asNumber: 65000, nodeToNodeMesh: false}
---
apiVersion: vroute/v1
kind: BGPPeer
metadata: {name: to-rrs}
spec: {peerSelector: "role == 'rr'"}
`))
    await putResource(ds, d);
}

function logCollector() {
  const lines: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = [];
  return {
    lines,
    info: (obj: object, msg: string) => {
      lines.push({ level: 'info', msg, obj: obj as Record<string, unknown> });
    },
    warn: (obj: object, msg: string) => {
      lines.push({ level: 'warn', msg, obj: obj as Record<string, unknown> });
    },
  };
}

test('retryDelay doubles from the first delay up to the cap', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 50].map((n) => retryDelay(n)),
    [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000],
  );
  assert.equal(retryDelay(3, 10, 25), 25);
});

test('keepRegistered retries until the store answers; failures logged on attempts 1, 2, 4, 8 only', async () => {
  const ds = new FlakyStore({ timers: false });
  ds.failGrants = 9;
  const timers = new ManualTimers();
  const log = logCollector();
  const reg = keepRegistered(
    ds,
    'rr1',
    { routerId: '10.0.0.10', asn: 65000, addresses: ['10.0.0.10'] },
    { timers, log },
  );
  await settle();
  assert.equal(reg.registered, false);
  while (await timers.fire()) {
    /* each retry fails until the tenth */
  }
  await reg.ready;
  assert.equal(reg.registered, true);
  assert.deepEqual(timers.delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
  const warns = log.lines.filter((l) => l.level === 'warn');
  assert.deepEqual(
    warns.map((l) => l.obj.attempt),
    [1, 2, 4, 8],
    'nine failures, four lines',
  );
  const ok = log.lines.filter((l) => l.level === 'info');
  assert.equal(ok.length, 1);
  assert.equal(ok[0]!.obj.attempts, 10);
  assert.ok(await ds.get(reflectorKey('rr1')));
  await reg.stop();
  assert.equal(await ds.get(reflectorKey('rr1')), undefined, 'stop revokes the lease');
  await ds.close();
});

test('a lost lease is re-created with the identical value: PeerSource reports no change', async () => {
  let now = 1000;
  const ds = new FlakyStore({ now: () => now, timers: false });
  await peerWithReflectors(ds);
  const timers = new ManualTimers();
  const log = logCollector();
  const reports: PeerChanges[] = [];
  const src = new PeerSource(ds, 'alpha', (c) => reports.push(c), { debounceMs: 200 });
  const reg = await registerReflector(
    ds,
    'rr1',
    { routerId: '10.0.0.10', asn: 65000, addresses: ['10.0.0.10'], labels: { role: 'rr' } },
    { ttlSeconds: 10, timers, log },
  );
  try {
    await until('the first report', () => reports.some((r) => r.added.some((p) => p.peerIP === '10.0.0.10')));
    const before = (await ds.get(reflectorKey('rr1')))!;
    const n = reports.length;

    // The lease runs out (no keepalive for longer than the TTL); the first re-grant fails too.
    ds.failGrants = 1;
    now += 11_000;
    ds.expireLeases();
    await settle();
    assert.equal(timers.delays.length, 1, 'the failed re-grant is retried after a back-off');
    await timers.fire();
    const after = await ds.get(reflectorKey('rr1'));
    assert.ok(after, 'the record is back');
    assert.equal(after.value, before.value, 'byte-identical value');
    assert.notEqual(after.lease, before.lease, 'under a new lease');
    assert.equal(reg.lease.id, after.lease);
    await new Promise((r) => setTimeout(r, 400)); // past PeerSource's debounce
    assert.equal(reports.length, n, `no added/changed/removed report: ${JSON.stringify(reports.slice(n))}`);
    assert.ok(log.lines.some((l) => l.msg.includes('lease lost')));

    // A second loss is handled the same way (the new lease is watched too).
    now += 11_000;
    ds.expireLeases();
    await settle();
    assert.equal((await ds.get(reflectorKey('rr1')))?.value, before.value);
  } finally {
    src.cancel();
    await reg.stop();
    await ds.close();
  }
});

test('the daemon registers a routable address: advertiseAddress, else the router ID, never the wildcard listener', {
  timeout: 20_000,
}, async () => {
  assert.throws(
    () => validateConfig({ routerId: '10.0.0.1', asn: 65000, reflector: { advertiseAddress: '0.0.0.0' } }),
    (e: unknown) =>
      e instanceof ConfigError && e.message.startsWith('reflector.advertiseAddress: 0.0.0.0 is not an address'),
  );
  assert.throws(
    () => validateConfig({ routerId: '10.0.0.1', asn: 65000, reflector: { advertiseAddress: '::' } }),
    ConfigError,
  );
  for (const [reflector, want] of [
    [{}, '10.0.0.1'],
    [{ advertiseAddress: '192.0.2.10' }, '192.0.2.10'],
  ] as const) {
    const ds = new FlakyStore();
    ds.failGrants = 2; // the store is down when the daemon starts
    const cfg = validateConfig({
      name: 'rr-reg',
      routerId: '10.0.0.1',
      asn: 65000,
      listen: { address: '0.0.0.0', port: 0 },
      reflector,
    });
    const rr = await startReflector(cfg, {
      logger: silentLogger,
      datastore: ds,
      registration: { retry: { firstMs: 20 } },
    });
    try {
      await rr.registration!.ready;
      const v = JSON.parse((await ds.get(reflectorKey('rr-reg')))!.value) as { addresses: string[] };
      assert.deepEqual(v.addresses, [want]);
    } finally {
      await rr.stop();
      await ds.close();
    }
  }
});

test('PeerSource keeps a deleted reflector registration for reflectorGraceMs: back in time, no report; gone for good, removed', {
  timeout: 20_000,
}, async () => {
  const ds = new EmbeddedDatastore();
  await peerWithReflectors(ds);
  const value = JSON.stringify({
    name: 'rr1',
    routerId: '10.0.0.10',
    asn: 65000,
    addresses: ['10.0.0.10'],
    labels: { role: 'rr' },
  });
  await ds.put(reflectorKey('rr1'), value);
  const reports: PeerChanges[] = [];
  const src = new PeerSource(ds, 'alpha', (c) => reports.push(c), { debounceMs: 50, reflectorGraceMs: 1500 });
  try {
    await until('the first report', () => reports.length === 1);
    assert.deepEqual(
      reports[0]!.added.map((p) => p.peerIP),
      ['10.0.0.10'],
    );
    // The lease lapsed at the store (a partition); the reflector writes it again 600 ms later.
    await ds.delete(reflectorKey('rr1'));
    await new Promise((r) => setTimeout(r, 600));
    await ds.put(reflectorKey('rr1'), value);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(reports.length, 1, `no report for a registration that came back: ${JSON.stringify(reports.slice(1))}`);
    // Gone for good: removed once the grace has passed.
    const t0 = Date.now();
    await ds.delete(reflectorKey('rr1'));
    await until('the removal', () => reports.length === 2);
    assert.deepEqual(
      reports[1]!.removed.map((p) => p.peerIP),
      ['10.0.0.10'],
    );
    assert.ok(Date.now() - t0 >= 1400, 'not before the grace');
  } finally {
    src.cancel();
    await ds.close();
  }
});
