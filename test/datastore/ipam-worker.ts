// Child process for the IPAM race test: allocates N addresses one at a time for one node
// against a shared etcd and prints them as one JSON line.
import { EtcdDatastore } from '../../src/datastore/etcd';
import { allocate } from '../../src/datastore/ipam';

async function main(): Promise<void> {
  const [endpoints, node, n] = process.argv.slice(2);
  const ds = new EtcdDatastore({ endpoints: endpoints!.split(',') });
  const out: string[] = [];
  try {
    for (let i = 0; i < Number(n); i++) out.push(...(await allocate(ds, { node: node!, handle: `${node}/${i}` })));
  } finally {
    await ds.close();
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  process.stderr.write(`ipam-worker: ${(e as Error).message}\n`);
  process.exit(1);
});
