// The reflector daemon end to end on loopback: real TCP sessions from two vroute client
// speakers, reflection with RFC 4456 attributes, /status, live peers from the datastore,
// and a clean stop with Cease.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IPV4_UNICAST, packAnnouncements, parsePrefix, updateToJson, type UpdateMessage } from '../../src/bgp/messages';
import { Speaker, type Peer } from '../../src/bgp/fsm';
import { startReflector } from '../../src/reflector';
import { validateConfig } from '../../src/config';
import { silentLogger } from '../../src/observability';
import {
  EmbeddedDatastore,
  EtcdDatastore,
  putResource,
  deleteResource,
  statusKey,
  type Datastore,
} from '../../src/datastore';
import { skipReason } from '../helpers/env';
import { clientSession, LOOPBACK_CLIENTS, startTestReflector, waitFor } from '../helpers/reflector';
import { startEtcd } from '../helpers/etcd';
import { apiGet } from '../../src/cli/api-client';
import { sessionEvents } from '../helpers/sessions';
import { ip4 } from '../helpers/addr';

function clientSpeaker(addr: string, rrPort: number): { speaker: Speaker; peer: () => Peer } {
  const speaker = new Speaker({ asn: 65000, routerId: addr, logger: silentLogger });
  let p: Peer | undefined;
  return {
    speaker,
    peer: () => (p ??= speaker.addPeer(clientSession(addr, rrPort))),
  };
}

async function scenario(store: Datastore): Promise<void> {
  const { rr } = await startTestReflector('rr-test', LOOPBACK_CLIENTS, { store });
  const port = rr.speaker.listenPort!;
  const a = clientSpeaker('127.0.0.2', port);
  const b = clientSpeaker('127.0.0.3', port);
  const downs: string[] = [];
  try {
    await a.speaker.start();
    await b.speaker.start();
    const pa = a.peer();
    const pb = b.peer();
    const got: Array<Record<string, unknown>> = [];
    sessionEvents(pb).on('update', (u: UpdateMessage) => got.push(updateToJson(u)));
    sessionEvents(pb).on('down', (why: string) => downs.push(why));
    await waitFor('both clients Established', () => pa.state === 'Established' && pb.state === 'Established');

    const st = (await apiGet({ host: '127.0.0.1', port: rr.api!.port }, '/status')) as {
      sessions: Array<{ peer: string; state: string }>;
    };
    assert.deepEqual(st.sessions.map((s) => [s.peer, s.state]).sort(), [
      ['127.0.0.2', 'Established'],
      ['127.0.0.3', 'Established'],
    ]);

    const ctx = pa.negotiated!.tx;
    const prefixes = ['10.20.0.0/24', '10.20.1.0/24', '10.20.2.0/24'].map((p) => parsePrefix(p)!);
    for (const m of packAnnouncements(
      { origin: 0, asPath: [], nextHop: ip4('198.51.100.2'), localPref: 100 },
      IPV4_UNICAST,
      prefixes,
      ctx,
    )) {
      assert.ok(pa.write(m) !== undefined);
    }
    const u = await waitFor('the reflected UPDATE', () => got.find((x) => x.nlri));
    assert.deepEqual([...(u.nlri as string[])].sort(), ['10.20.0.0/24', '10.20.1.0/24', '10.20.2.0/24']);
    const at = u.attributes as Record<string, unknown>;
    assert.equal(at.originatorId, '127.0.0.2');
    assert.deepEqual(at.clusterList, ['10.0.0.1']);
    assert.equal(at.nextHop, '198.51.100.2');
    const routes = (await apiGet({ host: '127.0.0.1', port: rr.api!.port }, '/routes?family=ipv4-unicast')) as Array<{
      prefix: string;
    }>;
    assert.equal(routes.length, 3);

    // Live configuration: a BGPPeer put in the datastore becomes a session, deleting it ends it.
    await putResource(store, {
      apiVersion: 'vroute/v1',
      kind: 'BGPPeer',
      metadata: { name: 'live' },
      spec: { peerIP: '127.0.0.9', asNumber: 65000, passive: true },
    } as never);
    await waitFor('the datastore peer', () => rr.speaker.peer('127.0.0.9'), 3000);
    await deleteResource(store, 'BGPPeer' as never, 'live');
    await waitFor('the datastore peer gone', () => rr.speaker.peer('127.0.0.9') === undefined, 3000);
    assert.ok(rr.speaker.peer('127.0.0.2'), 'other sessions untouched');
    assert.equal(rr.speaker.peer('127.0.0.2')!.state, 'Established');
  } finally {
    await rr.stop('test over');
    await waitFor('the client to see the Cease', () => downs.length > 0, 5000).catch(() => undefined);
    await a.speaker.stop();
    await b.speaker.stop();
  }
  assert.ok(downs.length > 0, 'client B saw the session go down');
  assert.match(downs[0]!, /Cease|Administrative Shutdown|test over/i);
  // The daemon wrote its status under status/<name> (contract 4).
  const st = await store.get(statusKey('rr-test'));
  assert.ok(st, 'status/rr-test written');
  assert.equal((JSON.parse(st.value) as { status: { name: string } }).status.name, 'rr-test');
}

test('reflector on the embedded datastore: two loopback clients, reflection, /status, live BGPPeer, Cease on stop', {
  timeout: 60000,
}, async () => {
  const store = new EmbeddedDatastore();
  try {
    await scenario(store);
  } finally {
    await store.close();
  }
});

test('reflector on a real etcd: a BGPPeer put and deleted in etcd brings a session up and down', {
  timeout: 90000,
  skip: skipReason('etcd'),
}, async () => {
  const etcd = await startEtcd(1);
  const store = new EtcdDatastore({ endpoints: etcd.endpoints });
  try {
    await scenario(store);
  } finally {
    await store.close();
    await etcd.destroy();
  }
});

test('reflector on a 3-member etcd cluster carries on when a member dies: live peers keep flowing', {
  timeout: 120000,
  skip: skipReason('etcd'),
}, async () => {
  const etcd = await startEtcd(3);
  const store = new EtcdDatastore({ endpoints: etcd.endpoints });
  const admin = new EtcdDatastore({ endpoints: etcd.endpoints.slice(1) });
  const cfg = validateConfig({ name: 'rr-ha', routerId: '10.0.0.1', asn: 65000, reflector: { clusterId: '10.0.0.1' } });
  const rr = await startReflector(cfg, { logger: silentLogger, datastore: store });
  const bgpPeer = (name: string, ip: string) =>
    ({
      apiVersion: 'vroute/v1',
      kind: 'BGPPeer',
      metadata: { name },
      spec: { peerIP: ip, asNumber: 65000, passive: true },
    }) as never;
  try {
    await putResource(admin, bgpPeer('before', '127.0.0.21'));
    await waitFor('peer configured before the failure', () => rr.speaker.peer('127.0.0.21'), 5000);
    await etcd.members[0]!.stop();
    await putResource(admin, bgpPeer('after', '127.0.0.22'));
    await waitFor('peer configured after the failure', () => rr.speaker.peer('127.0.0.22'), 20000);
    await deleteResource(admin, 'BGPPeer' as never, 'before');
    await waitFor('peer removed after the failure', () => rr.speaker.peer('127.0.0.21') === undefined, 20000);
    assert.ok(rr.speaker.peer('127.0.0.22'), 'no gap: the later peer is still there');
  } finally {
    await rr.stop();
    await admin.close();
    await store.close();
    await etcd.destroy();
  }
});
