// etcd with authentication on: the user/password options reach etcd3 and the JSON gateway
// client (VROUTE_ETCD_USER / VROUTE_ETCD_PASSWORD through openDatastore), and a wrong
// password is one clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { skipReason } from '../helpers/env';
import { startEtcd } from '../helpers/etcd';
import { openDatastore } from '../../src/datastore/open';
import { DatastoreError } from '../../src/datastore/store';

test('etcd auth: user and password pass through; a wrong password fails cleanly', {
  skip: skipReason('etcd'),
  timeout: 60000,
}, async () => {
  const cluster = await startEtcd(1);
  try {
    // Turn auth on the way etcdctl does: a root role and user, then AuthEnable.
    const admin = new Etcd3({ hosts: cluster.members[0]!.clientUrl });
    await admin.role('root').create();
    await admin.user('root').create('s3cret');
    await admin.user('root').addRole('root');
    await admin.auth.authEnable({});
    admin.close();

    const url = `etcd://${cluster.endpoints[0]}`;
    // Both clients: gRPC (daemons) and the JSON gateway (short-lived commands, the CNI plugin).
    for (const shortLived of [false, true]) {
      const ok = openDatastore(url, { VROUTE_ETCD_USER: 'root', VROUTE_ETCD_PASSWORD: 's3cret' }, { shortLived });
      const rev = await ok.put('/vroute/v1/node/a', '{}');
      assert.equal((await ok.get('/vroute/v1/node/a'))?.revision, rev);
      await ok.close();

      const bad = openDatastore(url, { VROUTE_ETCD_USER: 'root', VROUTE_ETCD_PASSWORD: 'wrong' }, { shortLived });
      await assert.rejects(
        bad.get('/vroute/v1/node/a'),
        (e: unknown) =>
          e instanceof DatastoreError && e.code === 'unavailable' && /auth|password|invalid/i.test(e.message),
      );
      await bad.close();
      const none = openDatastore(url, {}, { shortLived });
      await assert.rejects(none.get('/vroute/v1/node/a'), (e: unknown) => e instanceof DatastoreError);
      await none.close();
    }
  } finally {
    await cluster.destroy();
  }
});
