// The reflector daemon end to end on loopback with the per-session settings wired through:
// max-prefix (RFC 4486) against a raw TCP client, ADD-PATH send to dynamic neighbors
// (RFC 7911), an import policy from a dynamic-neighbor range, and the BGPPeer port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import {
  IPV4_UNICAST,
  KEEPALIVE_BYTES,
  MessageFramer,
  packAnnouncements,
  parsePrefix,
  updateToJson,
  type CodecContext,
  type UpdateMessage,
} from '../../src/bgp/messages';
import { Speaker, type Peer } from '../../src/bgp/fsm';
import { datastorePeerToSession } from '../../src/routing';
import { silentLogger } from '../../src/observability';
import { putResource } from '../../src/datastore';
import { clientSession, startTestReflector, waitFor } from '../helpers/reflector';
import { apiGet } from '../../src/cli/api-client';
import { sessionEvents } from '../helpers/sessions';
import { ip4 } from '../helpers/addr';
import { rawOpen, announce } from '../helpers/bgp-clients';

const CTX4: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set() };

/** A vroute Speaker client of the reflector at `addr` (its own loopback address). */
async function client(
  addr: string,
  rrPort: number,
  addPath?: 'receive',
): Promise<{ speaker: Speaker; peer: Peer; got: Array<Record<string, unknown>> }> {
  const speaker = new Speaker({ asn: 65000, routerId: addr, logger: silentLogger });
  await speaker.start();
  const peer = speaker.addPeer(clientSession(addr, rrPort, addPath ? { addPath } : {}));
  const got: Array<Record<string, unknown>> = [];
  sessionEvents(peer).on('update', (u: UpdateMessage) => got.push(updateToJson(u)));
  return { speaker, peer, got };
}

/** What a client currently holds: NLRI text (with #id under ADD-PATH) -> next hop, withdrawals applied. */
function held(got: Array<Record<string, unknown>>): Map<string, string> {
  const m = new Map<string, string>();
  for (const u of got) {
    for (const w of (u.withdrawn as string[] | undefined) ?? []) m.delete(w);
    for (const n of (u.nlri as string[] | undefined) ?? []) m.set(n, (u.attributes as { nextHop: string }).nextHop);
  }
  return m;
}

test('max-prefix over real TCP: Cease subcode 1 with the RFC 4486 data, /status lastError, routes withdrawn', {
  timeout: 30000,
}, async () => {
  const { rr, store } = await startTestReflector('rr-pol', {
    neighbors: [
      { address: '127.0.0.41', asn: 65000, passive: true, routeReflectorClient: true, holdTime: 9, maxPrefixes: 5 },
    ],
    dynamicNeighbors: [{ prefix: '127.0.0.0/8', asn: 65000, routeReflectorClient: true, holdTime: 9 }],
  });
  const port = rr.speaker.listenPort!;
  const api = { host: '127.0.0.1', port: rr.api!.port };
  const b = await client('127.0.0.42', port);
  // The offending peer is a raw socket: we see exactly the bytes the daemon sends.
  const raw = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.41' });
  raw.on('error', () => undefined);
  const framer = new MessageFramer();
  const frames: Buffer[] = [];
  let closed = false;
  raw.on('data', (d: Buffer) => {
    framer.push(d);
    for (let f = framer.next(); f; f = framer.next()) frames.push(Buffer.from(f));
  });
  raw.on('close', () => {
    closed = true;
  });
  const ka = setInterval(() => raw.write(KEEPALIVE_BYTES), 2000);
  try {
    await new Promise((r) => raw.once('connect', r));
    raw.write(rawOpen(0x7f000029, 9));
    raw.write(KEEPALIVE_BYTES);
    await waitFor(
      'raw client Established',
      () => rr.speaker.peer('127.0.0.41')?.state === 'Established' && b.peer.state === 'Established',
    );
    const send = (ps: string[]) => {
      for (const m of packAnnouncements(
        { origin: 0, asPath: [], nextHop: ip4('198.51.100.41'), localPref: 100 },
        IPV4_UNICAST,
        ps.map((x) => parsePrefix(x)!),
        CTX4,
      ))
        raw.write(m);
    };
    send(['10.41.0.0/24', '10.41.1.0/24', '10.41.2.0/24']);
    await waitFor('three routes reflected to B', () => held(b.got).size === 3);
    send(['10.41.3.0/24', '10.41.4.0/24', '10.41.5.0/24']); // 6 > 5
    const note = await waitFor('the NOTIFICATION', () => frames.find((f) => f[18] === 3));
    // RFC 4486 4: Cease (6), subcode 1, data AFI (2) SAFI (1) upper bound (4).
    assert.deepEqual([note[19], note[20]], [6, 1]);
    assert.equal(note.subarray(21).toString('hex'), '0001' + '01' + '00000005');
    await waitFor('the socket closed', () => closed);
    await waitFor('B lost every route of the peer', () => held(b.got).size === 0);
    const st = (await apiGet(api, '/status')) as {
      sessions: Array<{ peer: string; state: string; lastError: string | null }>;
    };
    const s = st.sessions.find((x) => x.peer === '127.0.0.41')!;
    assert.notEqual(s.state, 'Established');
    assert.match(s.lastError ?? '', /sent .*Maximum Number of Prefixes Reached/);
    const routes = (await apiGet(api, '/routes?family=ipv4-unicast')) as unknown[];
    assert.equal(routes.length, 0);
  } finally {
    clearInterval(ka);
    raw.destroy();
    await rr.stop();
    await b.speaker.stop();
    await store.close();
  }
});

test('dynamic neighbors: ADD-PATH send all to a receive-capable client, best only to others; import policy from the range', {
  timeout: 30000,
}, async () => {
  const { rr, store } = await startTestReflector('rr-pol', {
    prefixLists: { denied: [{ action: 'permit', prefix: '10.99.0.0/16', le: 32 }] },
    policies: {
      nodes: [
        { match: { prefixList: 'denied' }, action: 'reject' },
        { action: 'accept', set: { communities: { add: ['65000:7'] } } },
      ],
    },
    dynamicNeighbors: [
      {
        prefix: '127.0.1.0/24',
        asn: 65000,
        routeReflectorClient: true,
        holdTime: 9,
        addPath: 'both',
        addPathSend: 'all',
      },
      { prefix: '127.0.0.0/8', asn: 65000, routeReflectorClient: true, holdTime: 9, importPolicy: 'nodes' },
    ],
  });
  const port = rr.speaker.listenPort!;
  const a = await client('127.0.0.61', port);
  const b = await client('127.0.0.62', port);
  const multi = await client('127.0.1.63', port, 'receive');
  const single = await client('127.0.0.64', port);
  const all = [a, b, multi, single];
  try {
    await waitFor('all Established', () => all.every((c) => c.peer.state === 'Established'));
    assert.ok(
      multi.peer.negotiated!.tx.addPath.size === 0 &&
        rr.speaker.peer('127.0.1.63')!.negotiated!.tx.addPath.has(IPV4_UNICAST),
      'the daemon sends path IDs to the ADD-PATH client (RFC 7911 capability from the dynamic range)',
    );
    announce(a.peer, ['10.5.0.0/24', '10.99.1.0/24'], '198.51.100.61', { localPref: 200 });
    announce(b.peer, ['10.5.0.0/24'], '198.51.100.62');
    await waitFor('both paths at the ADD-PATH client', () => new Set(held(multi.got).values()).size === 2);
    const m = held(multi.got);
    assert.ok(
      [...m.keys()].every((k) => k.startsWith('10.5.0.0/24#')),
      `path IDs: ${[...m.keys()]}`,
    );
    assert.deepEqual([...m.values()].sort(), ['198.51.100.61', '198.51.100.62']);
    await waitFor('the best path at the plain client', () => held(single.got).get('10.5.0.0/24') === '198.51.100.61');
    // Nothing else came: 10.99.1.0/24 was rejected by the import policy on a's range.
    assert.deepEqual([...held(single.got).keys()], ['10.5.0.0/24']);
    assert.deepEqual([...held(b.got).keys()], ['10.5.0.0/24']);
    const last = single.got.filter((u) => u.nlri).at(-1)!;
    assert.deepEqual((last.attributes as { communities: string[] }).communities, ['65000:7']);
  } finally {
    await rr.stop();
    for (const c of all) await c.speaker.stop();
    await store.close();
  }
});

test('BGPPeer spec.port: the daemon connects to the peer on that port', { timeout: 30000 }, async () => {
  assert.equal(
    datastorePeerToSession({
      peerIP: '10.0.0.2',
      asNumber: 1,
      source: 'bgppeer/x',
      routeReflectorClient: false,
      passive: false,
    }).port,
    179,
  );
  const { rr, store } = await startTestReflector('rr-pol');
  // The peer listens on a port of its own (not 179) and waits for the daemon.
  const sp = new Speaker({
    asn: 65000,
    routerId: '127.0.0.71',
    listen: { address: '127.0.0.71', port: 0 },
    logger: silentLogger,
  });
  await sp.start();
  const p = sp.addPeer({
    address: '127.0.0.1',
    port: 179,
    asn: 65000,
    passive: true,
    holdTime: 9,
    connectRetryTime: 1,
    families: [IPV4_UNICAST],
    routeReflectorClient: false,
  });
  try {
    await putResource(store, {
      apiVersion: 'vroute/v1',
      kind: 'BGPPeer',
      metadata: { name: 'odd-port' },
      spec: { peerIP: '127.0.0.71', asNumber: 65000, port: sp.listenPort },
    } as never);
    await waitFor(
      'Established on the BGPPeer port',
      () => p.state === 'Established' && rr.speaker.peer('127.0.0.71')?.state === 'Established',
    );
    assert.equal(rr.speaker.peer('127.0.0.71')!.config.port, sp.listenPort);
  } finally {
    await rr.stop();
    await sp.stop();
    await store.close();
  }
});
