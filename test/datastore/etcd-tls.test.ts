// etcd over TLS: a throwaway CA and server certificate (openssl), etcd serving https on
// loopback, and `etcds://` + VROUTE_ETCD_CA reaching it through openDatastore (both clients).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { skipReason } from '../helpers/env';
import { startEtcd } from '../helpers/etcd';
import { openDatastore } from '../../src/datastore/open';

function makeCerts(dir: string): { ca: string; cert: string; key: string } {
  const f = (n: string) => path.join(dir, n);
  const ssl = (...a: string[]) => execFileSync('/usr/bin/openssl', a, { stdio: 'ignore' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=vroute-test-ca',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
  );
  ssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
  );
  // etcd's Go TLS checks the SAN, not the CN.
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  ssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    f('ext.cnf'),
    '-out',
    f('server.pem'),
  );
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

test('etcd over TLS: etcds:// with a CA file', { skip: skipReason('etcd', 'openssl'), timeout: 60000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vr-etcd-tls-'));
  const certs = makeCerts(dir);
  const cluster = await startEtcd(1, { tls: { certFile: certs.cert, keyFile: certs.key } });
  try {
    // Both clients: gRPC (daemons) and the JSON gateway (short-lived commands, the CNI plugin).
    for (const shortLived of [false, true]) {
      const ds = openDatastore(`etcds://${cluster.endpoints[0]}`, { VROUTE_ETCD_CA: certs.ca }, { shortLived });
      const rev = await ds.put('/vroute/v1/node/tls', `yes-${shortLived}`);
      assert.deepEqual(await ds.get('/vroute/v1/node/tls').then((kv) => [kv?.value, kv?.revision]), [
        `yes-${shortLived}`,
        rev,
      ]);
      await ds.close();
    }
    // Without the CA the server's certificate is not trusted: an error, not a silent plain-text fallback.
    const untrusted = openDatastore(`etcds://${cluster.endpoints[0]}`, {}, { shortLived: true });
    await assert.rejects(untrusted.get('/vroute/v1/node/tls'), /certificate/i);
    await untrusted.close();
  } finally {
    await cluster.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
