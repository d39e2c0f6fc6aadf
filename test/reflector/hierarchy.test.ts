// RFC 4456 hierarchy with two real daemons on loopback: a lower reflector (cluster 10.0.0.1)
// is itself a route-reflector client of an upper one (cluster 10.0.0.100). A route from a
// client of the lower one reaches a client of the upper one with ORIGINATOR_ID kept and both
// cluster IDs in CLUSTER_LIST (RFC 4456 8: each reflector prepends its own), next hop
// unchanged; the same the other way; a withdrawal crosses both levels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  IPV4_UNICAST,
  packAnnouncements,
  packWithdrawals,
  parsePrefix,
  updateToJson,
  type UpdateMessage,
} from '../../src/bgp/messages';
import { Speaker, type Peer } from '../../src/bgp/fsm';
import { startReflector, type RunningDaemon } from '../../src/reflector';
import { validateConfig } from '../../src/config';
import { silentLogger } from '../../src/observability';
import { EmbeddedDatastore } from '../../src/datastore';
import { clientSession, waitFor } from '../helpers/reflector';
import { sessionEvents } from '../helpers/sessions';
import { ip4 } from '../helpers/addr';

interface Client {
  speaker: Speaker;
  peer: Peer;
  got: Array<Record<string, unknown>>;
}

async function client(addr: string, rrAddr: string, rrPort: number): Promise<Client> {
  const speaker = new Speaker({ asn: 65000, routerId: addr, logger: silentLogger });
  await speaker.start();
  const peer = speaker.addPeer(clientSession(addr, rrPort, { address: rrAddr }));
  const got: Array<Record<string, unknown>> = [];
  sessionEvents(peer).on('update', (u: UpdateMessage) => got.push(updateToJson(u)));
  return { speaker, peer, got };
}

function announce(c: Client, prefixes: string[], nextHop: string): void {
  const ps = prefixes.map((p) => parsePrefix(p)!);
  for (const m of packAnnouncements(
    { origin: 0, asPath: [], nextHop: ip4(nextHop), localPref: 100 },
    IPV4_UNICAST,
    ps,
    c.peer.negotiated!.tx,
  ))
    c.peer.write(m);
}

const nlriOf = (c: Client, prefix: string) => c.got.find((u) => (u.nlri as string[] | undefined)?.includes(prefix));
const withdrawnAt = (c: Client, prefix: string) =>
  c.got.some((u) => (u.withdrawn as string[] | undefined)?.includes(prefix));

test('hierarchy: a reflector as client of a higher reflector; CLUSTER_LIST holds both clusters, withdrawals cross both', {
  timeout: 60000,
}, async () => {
  const stores = [new EmbeddedDatastore(), new EmbeddedDatastore()];
  const daemons: RunningDaemon[] = [];
  const clients: Client[] = [];
  try {
    // Upper: every loopback peer is a client, the lower reflector (127.0.0.10) included.
    const top = await startReflector(
      validateConfig({
        name: 'rr-top',
        routerId: '10.0.0.100',
        asn: 65000,
        listen: { address: '127.0.0.1', port: 0 },
        reflector: { clusterId: '10.0.0.100' },
        dynamicNeighbors: [{ prefix: '127.0.0.0/8', asn: 65000, routeReflectorClient: true, holdTime: 9 }],
      }),
      { logger: silentLogger, datastore: stores[0]! },
    );
    daemons.push(top);
    // Lower: its own clients come dynamically; the upper reflector is a configured non-client.
    const low = await startReflector(
      validateConfig({
        name: 'rr-low',
        routerId: '10.0.0.1',
        asn: 65000,
        listen: { address: '127.0.0.10', port: 0 },
        reflector: { clusterId: '10.0.0.1' },
        neighbors: [
          {
            address: '127.0.0.1',
            port: top.speaker.listenPort!,
            localAddress: '127.0.0.10',
            asn: 65000,
            routeReflectorClient: false,
            holdTime: 9,
            connectRetryTime: 1,
          },
        ],
        dynamicNeighbors: [{ prefix: '127.0.0.0/8', asn: 65000, routeReflectorClient: true, holdTime: 9 }],
      }),
      { logger: silentLogger, datastore: stores[1]! },
    );
    daemons.push(low);
    const a = await client('127.0.0.2', '127.0.0.10', low.speaker.listenPort!);
    const b = await client('127.0.0.3', '127.0.0.1', top.speaker.listenPort!);
    clients.push(a, b);
    await waitFor(
      'all four sessions Established',
      () =>
        a.peer.state === 'Established' &&
        b.peer.state === 'Established' &&
        low.speaker.peer('127.0.0.1')?.state === 'Established',
    );

    // Client of the lower reflector -> lower (ORIGINATOR_ID a, CLUSTER_LIST [low]) -> upper
    // (prepends its own) -> client of the upper one.
    announce(a, ['10.30.0.0/24', '10.30.1.0/24'], '198.51.100.2');
    const up = await waitFor("A's route at B", () => nlriOf(b, '10.30.0.0/24'));
    const ua = up.attributes as Record<string, unknown>;
    assert.equal(ua.originatorId, '127.0.0.2');
    assert.deepEqual(ua.clusterList, ['10.0.0.100', '10.0.0.1']);
    assert.equal(ua.nextHop, '198.51.100.2');

    // And down: the upper reflector reflects its client's route to the lower one (a client of
    // it), which passes it to its own clients.
    announce(b, ['10.40.0.0/24'], '198.51.100.3');
    const down = await waitFor("B's route at A", () => nlriOf(a, '10.40.0.0/24'));
    const ub = down.attributes as Record<string, unknown>;
    assert.equal(ub.originatorId, '127.0.0.3');
    assert.deepEqual(ub.clusterList, ['10.0.0.1', '10.0.0.100']);
    assert.equal(ub.nextHop, '198.51.100.3');
    // Loop prevention held: neither client got its own route back.
    assert.equal(nlriOf(a, '10.30.0.0/24'), undefined);
    assert.equal(nlriOf(b, '10.40.0.0/24'), undefined);

    for (const m of packWithdrawals(IPV4_UNICAST, [parsePrefix('10.30.1.0/24')!], a.peer.negotiated!.tx))
      a.peer.write(m);
    await waitFor('the withdrawal at B', () => withdrawnAt(b, '10.30.1.0/24'));
    assert.ok(!withdrawnAt(b, '10.30.0.0/24'), 'only the withdrawn prefix goes');
    const topRoutes = top.engine
      .routes('ipv4-unicast')
      .map((r) => r.prefix)
      .sort();
    assert.deepEqual(topRoutes, ['10.30.0.0/24', '10.40.0.0/24']);
  } finally {
    for (const c of clients) await c.speaker.stop();
    for (const d of daemons.reverse()) await d.stop('test over');
    for (const s of stores) await s.close();
  }
});
