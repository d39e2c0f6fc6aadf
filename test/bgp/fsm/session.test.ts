// Two Speakers over real TCP on loopback: establishment, keepalives over several hold
// times, reconnect after a dropped connection, collisions, stop(), UPDATE delivery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Speaker, type Peer, type PeerSessionConfig } from '../../../src/bgp/fsm';
import {
  BgpError,
  CeaseSubcode,
  IPV4_UNICAST,
  packAnnouncements,
  parsePrefix,
  updateToJson,
  type Prefix,
  type UpdateMessage,
} from '../../../src/bgp/messages';
import { createMetrics } from '../../../src/observability/metrics';
import { silentLogger } from '../../../src/observability/logger';
import { sessionEvents } from '../../helpers/sessions';
import { ip4 } from '../../helpers/addr';
import { withSpeakers, until } from '../../helpers/speakers';

const ASN = 65000;

function peerCfg(address: string, port: number, extra: Partial<PeerSessionConfig> = {}): PeerSessionConfig {
  return {
    address,
    port,
    asn: ASN,
    passive: false,
    holdTime: 3,
    connectRetryTime: 2,
    families: [IPV4_UNICAST],
    routeReflectorClient: true,
    ...extra,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const estCount = (p: Peer) => p.connections().filter((c) => c.state === 'Established').length;

test('active and passive speakers establish, keep up over 2+ hold times, reconnect after a drop', async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  await withSpeakers({ a: { metrics } }, async ({ a, b }) => {
    await b.start();
    assert.ok(a.listenPort! > 0);
    const pa = a.addPeer(peerCfg('127.0.0.2', 179, { passive: true }));
    const pb = b.addPeer(peerCfg('127.0.0.1', a.listenPort!, { localAddress: '127.0.0.2' }));
    assert.equal(pa.state, 'Active');
    const established = new Promise<void>((r) => sessionEvents(pb).once('established', () => r()));
    await until('Established', () => pa.state === 'Established' && pb.state === 'Established');
    await established;
    const neg = pb.negotiated!; // what the OPENs agreed, as the consumer reads it at established()
    assert.equal(neg.holdTime, 3);
    assert.deepEqual(neg.families, [IPV4_UNICAST]);
    assert.equal(neg.fourOctetAs, true);
    assert.equal(pb.remoteBgpId, 0x0a000001);
    await sleep(7000); // > 2 hold times: only KEEPALIVEs hold the session up
    assert.equal(pa.state, 'Established');
    assert.equal(pb.state, 'Established');
    assert.ok(pa.status().uptimeSeconds >= 6, `uptime ${pa.status().uptimeSeconds}`);
    const m = await metrics.registry.getSingleMetric('vroute_bgp_messages_received_total')!.get();
    const ka = m.values.find((v) => v.labels.type === 'KEEPALIVE')?.value ?? 0;
    assert.ok(ka >= 4, `keepalives received ${ka}`);

    // Drop the TCP connection under the session: both go down, then reconnect (IdleHold back-off).
    const down = new Promise<string>((r) => sessionEvents(pa).once('down', r));
    pb.connections()[0]!.socket!.destroy();
    assert.match(await down, /TcpConnectionFails/);
    const t0 = Date.now();
    await until('re-established', () => pa.state === 'Established' && pb.state === 'Established', 20_000);
    assert.ok(Date.now() - t0 >= 1000, 'reconnect waited for the IdleHoldTimer');
    const tr = await metrics.registry.getSingleMetric('vroute_bgp_fsm_transitions_total')!.get();
    assert.ok(tr.values.some((v) => v.labels.to === 'Established' && v.value >= 2));
  });
});

test('collision: both sides connect at once, exactly one Established connection remains', async () => {
  const ma = createMetrics({ defaultMetrics: false });
  const a = new Speaker({
    asn: ASN,
    routerId: '10.0.0.1',
    listen: { address: '127.0.0.1', port: 0 },
    logger: silentLogger,
    metrics: ma,
  });
  const b = new Speaker({
    asn: ASN,
    routerId: '10.0.0.2',
    listen: { address: '127.0.0.2', port: 0 },
    logger: silentLogger,
  });
  try {
    await a.start();
    await b.start();
    const pa = a.addPeer(peerCfg('127.0.0.2', b.listenPort!, { localAddress: '127.0.0.1' }));
    const pb = b.addPeer(peerCfg('127.0.0.1', a.listenPort!, { localAddress: '127.0.0.2' }));
    await until('Established', () => pa.state === 'Established' && pb.state === 'Established');
    await sleep(4000);
    assert.equal(estCount(pa), 1);
    assert.equal(estCount(pb), 1);
    assert.equal(pa.connections().length, 1);
    assert.equal(pb.connections().length, 1);
    // RFC 4271 6.8: the kept connection is the one the higher identifier (b) initiated.
    assert.equal(pb.connections()[0]!.outgoing, true);
    assert.equal(pa.connections()[0]!.outgoing, false);
    // The two connections really collided: a's FSM for its own connection sent Cease /
    // Connection Collision Resolution (RFC 4486 subcode 7).
    const sent = (await ma.notificationsSent.get()).values;
    assert.deepEqual(
      sent.map((v) => [v.labels.code, v.labels.subcode, v.value]),
      [['6', '7', 1]],
    );
  } finally {
    await b.stop();
    await a.stop();
  }
});

test('stop(): the peer receives Cease / Administrative Shutdown with the communication', async () => {
  await withSpeakers(async ({ a, b }) => {
    a.addPeer(peerCfg('127.0.0.2', 179, { passive: true }));
    const pb = b.addPeer(peerCfg('127.0.0.1', a.listenPort!, { localAddress: '127.0.0.2' }));
    await until('Established', () => pb.state === 'Established');
    const down = new Promise<string>((r) => sessionEvents(pb).once('down', r));
    await a.stop('maintenance window 42');
    const reason = await down;
    assert.match(reason, /NotifMsg/);
    assert.equal(pb.status().lastError, 'received Cease / Administrative Shutdown: "maintenance window 42"');
  });
});

test('UPDATE written by one side is delivered decoded by the other', async () => {
  await withSpeakers(async ({ a, b }) => {
    const pa = a.addPeer(peerCfg('127.0.0.2', 179, { passive: true }));
    const pb = b.addPeer(peerCfg('127.0.0.1', a.listenPort!, { localAddress: '127.0.0.2' }));
    await until('Established', () => pa.state === 'Established' && pb.state === 'Established');
    const got = new Promise<UpdateMessage>((r) => sessionEvents(pb).once('update', r));
    const prefixes = ['10.1.0.0/16', '10.2.3.0/24'].map((s) => parsePrefix(s) as Prefix);
    const frames = packAnnouncements(
      { origin: 0, asPath: [], nextHop: ip4('192.0.2.1'), localPref: 100 },
      IPV4_UNICAST,
      prefixes,
      pa.negotiated!.tx,
    );
    assert.equal(frames.length, 1);
    assert.equal(pa.write(frames[0]!), true);
    const msg = await got;
    assert.deepEqual(updateToJson(msg).nlri, ['10.1.0.0/16', '10.2.3.0/24']);
    assert.equal(msg.errors.length, 0);
  });
});

test('fail(): the daemon ends a session with its NOTIFICATION (max prefixes), then it comes back', async () => {
  await withSpeakers(async ({ a, b }) => {
    const pa = a.addPeer(peerCfg('127.0.0.2', 179, { passive: true }));
    const pb = b.addPeer(peerCfg('127.0.0.1', a.listenPort!, { localAddress: '127.0.0.2' }));
    await until('Established', () => pa.state === 'Established' && pb.state === 'Established');
    const down = new Promise<string>((r) => sessionEvents(pb).once('down', r));
    pa.fail(BgpError.cease(CeaseSubcode.MaxPrefixesReached, 'too many'));
    await down;
    assert.equal(pb.status().lastError, 'received Cease / Maximum Number of Prefixes Reached');
    assert.equal(pa.status().lastError, 'sent Cease / Maximum Number of Prefixes Reached');
    await until('re-established', () => pa.state === 'Established' && pb.state === 'Established', 20_000);
  });
});

test('IPv6 transport on ::1, IPv4-mapped sources normalised on a dual-stack listener', async () => {
  const a = new Speaker({ asn: ASN, routerId: '10.0.0.1', listen: { address: '::', port: 0 }, logger: silentLogger });
  const b = new Speaker({ asn: ASN, routerId: '10.0.0.2', logger: silentLogger });
  const c = new Speaker({ asn: ASN, routerId: '10.0.0.3', logger: silentLogger });
  try {
    await a.start();
    const p6 = a.addPeer(peerCfg('0:0:0:0:0:0:0:1', 179, { passive: true })); // any spelling of ::1
    const p4 = a.addPeer(peerCfg('127.0.0.3', 179, { passive: true }));
    const pb = b.addPeer(peerCfg('::1', a.listenPort!));
    const pc = c.addPeer(peerCfg('127.0.0.1', a.listenPort!, { localAddress: '127.0.0.3' }));
    await until('Established', () => [p6, p4, pb, pc].every((p) => p.state === 'Established'));
    assert.equal(a.peer('::1'), p6);
    assert.equal(p6.status().peer, '0:0:0:0:0:0:0:1', 'status shows the address as configured');
  } finally {
    await c.stop();
    await b.stop();
    await a.stop();
  }
});
