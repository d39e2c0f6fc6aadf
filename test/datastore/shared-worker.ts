// Child process for the shared embedded store tests (shared.test.ts): one vroute process on
// the host, using the file through the library as the CLI and daemons do. argv: MODE FILE ...
//   load FILE ID N       N BGPPeers (peer-ID-i), N IPAM allocations (node ID), N CAS increments
//                        of /test/counter, interleaved; prints {"ips":[...]} at the end
//   watch FILE PREFIX    prints {"ready":REV} then one JSON line per watch event; exits on stdin end
//   lease FILE KEY TTL   writes KEY under a fresh lease of TTL seconds, prints {"ready":REV};
//                        "revoke" on stdin revokes it, stdin end exits (the lease left to expire)
import * as readline from 'node:readline';
import { EmbeddedDatastore } from '../../src/datastore/embedded';
import { allocate } from '../../src/datastore/ipam';
import { putResource } from '../../src/datastore/resources/documents';
import { withCasRetry } from '../../src/datastore/store';

const out = (o: unknown): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};

async function load(ds: EmbeddedDatastore, id: string, n: number): Promise<void> {
  const ips: string[] = [];
  for (let i = 0; i < n; i++) {
    await putResource(ds, {
      apiVersion: 'vroute/v1',
      kind: 'BGPPeer',
      metadata: { name: `peer-${id}-${i}` },
      spec: { peerIP: `10.${Number(id) + 1}.${i >> 8}.${i & 255}`, asNumber: 64512 },
    } as Parameters<typeof putResource>[1]);
    ips.push(...(await allocate(ds, { node: `node-${id}`, handle: `${id}/${i}` })));
    await withCasRetry(async () => {
      const cur = await ds.get('/test/counter');
      await ds.put('/test/counter', String(Number(cur?.value ?? 0) + 1), { expectRevision: cur?.revision ?? 0 });
    });
  }
  out({ ips });
}

async function main(): Promise<void> {
  const [mode, file, a, b] = process.argv.slice(2);
  const ds = new EmbeddedDatastore({ path: file!, pollMs: 50 });
  if (mode === 'load') {
    await load(ds, a!, Number(b));
    await ds.close();
    return;
  }
  const rl = readline.createInterface({ input: process.stdin });
  if (mode === 'watch') {
    const { revision } = await ds.list(a!);
    ds.watch(a!, revision + 1, (e) => out(e));
    out({ ready: revision });
  } else if (mode === 'lease') {
    const lease = await ds.grant(Number(b));
    const rev = await ds.put(a!, 'alive', { lease });
    out({ ready: rev, lease: lease.id });
    rl.on('line', (l) => {
      if (l.trim() === 'revoke') void lease.revoke().then(() => out({ revoked: true }));
    });
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  // Keep running (the watch and lease timers are unref'd) until the parent closes stdin.
  const keep = setInterval(() => undefined, 1000);
  rl.on('close', () => {
    clearInterval(keep);
    void ds.close().then(() => process.exit(0));
  });
}

main().catch((e) => {
  process.stderr.write(`shared-worker: ${(e as Error).message}\n`);
  process.exit(1);
});
