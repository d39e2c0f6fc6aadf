// The reflector never dies of a value validation let through or of a bug in one session:
// keepaliveTime 0 (RFC 4271 4.4), BGPPeer changes racing their own removal or a dynamic
// neighbor from the same address, and exceptions from a socket callback or the engine's turn.
// Each runs a real daemon on the in-process datastore with real loopback sessions: on a
// daemon without the guards, the exception ends this test process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { Writable } from 'node:stream';
import { IPV4_UNICAST, packAnnouncements, parsePrefix } from '../../src/bgp/messages';
import { Speaker, type Peer } from '../../src/bgp/fsm';
import { startReflector, type RunningDaemon } from '../../src/reflector';
import { validateConfig } from '../../src/config';
import { createLogger, silentLogger, type Logger } from '../../src/observability';
import { EmbeddedDatastore, putResource, type Datastore } from '../../src/datastore';
import { waitFor as waitForIn } from '../helpers/reflector';
import { sessionEvents } from '../helpers/sessions';
import { ip4 } from '../helpers/addr';

const waitFor = <T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 10000) =>
  waitForIn<T>(what, probe, ms, 25);

/** A logger whose JSON lines land in `lines` (to assert what was logged). */
function capture(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger({ level: 'info', destination: sink }), lines };
}

async function reflector(store: Datastore, logger: Logger = silentLogger, dynamic = false): Promise<RunningDaemon> {
  const cfg = validateConfig({
    name: 'rr-guards',
    routerId: '10.0.0.1',
    asn: 65000,
    listen: { address: '127.0.0.1', port: 0 },
    reflector: { clusterId: '10.0.0.1' },
    ...(dynamic
      ? { dynamicNeighbors: [{ prefix: '127.0.0.0/8', asn: 65000, routeReflectorClient: true, holdTime: 9 }] }
      : {}),
  });
  return startReflector({ ...cfg, api: { host: '127.0.0.1', port: 0 } }, { logger, datastore: store });
}

function bgpPeer(name: string, spec: Record<string, unknown>): never {
  return {
    apiVersion: 'vroute/v1',
    kind: 'BGPPeer',
    metadata: { name },
    spec: { asNumber: 65000, passive: true, ...spec },
  } as never;
}

/** A vroute speaker on `addr` with one active session to the reflector. */
async function client(addr: string, rrPort: number, holdTime = 9): Promise<{ speaker: Speaker; peer: Peer }> {
  const speaker = new Speaker({ asn: 65000, routerId: addr, logger: silentLogger });
  await speaker.start();
  const peer = speaker.addPeer({
    address: '127.0.0.1',
    port: rrPort,
    asn: 65000,
    localAddress: addr,
    passive: false,
    holdTime,
    connectRetryTime: 1,
    families: [IPV4_UNICAST],
    routeReflectorClient: false,
  });
  return { speaker, peer };
}

/**
 * A TCP connection from `addr` that says nothing and never closes its side (allowHalfOpen):
 * the reflector's removal of that peer then waits for it (up to its 1 s grace).
 */
function silentSocket(addr: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: addr, allowHalfOpen: true }, () => resolve(s));
    s.on('error', reject);
    s.on('end', () => undefined);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('keepaliveTime 0 on a running reflector: the session comes up with hold time 0 (no KEEPALIVEs), and again after a restart', {
  timeout: 30000,
}, async () => {
  const store = new EmbeddedDatastore();
  let rr = await reflector(store);
  const clients: Speaker[] = [];
  try {
    // RFC 4271 4.4: no KEEPALIVEs is only safe with a negotiated hold time of 0, so the
    // reflector offers 0 in its OPEN and min(0, 9) = 0 on both sides.
    await putResource(store, bgpPeer('no-keepalives', { peerIP: '127.0.0.51', keepaliveTime: 0 }));
    await waitFor('the peer configured', () => rr.speaker.peer('127.0.0.51'), 5000);
    const c = await client('127.0.0.51', rr.speaker.listenPort!);
    clients.push(c.speaker);
    await waitFor('Established', () => c.peer.state === 'Established');
    assert.equal(c.peer.negotiated!.holdTime, 0);
    assert.equal(c.peer.negotiated!.keepaliveTime, 0);
    const ours = rr.speaker.peer('127.0.0.51')!;
    assert.equal(ours.negotiated!.holdTime, 0);
    // Neither side's FSM runs a hold or keepalive timer.
    for (const conn of ours.connections()) assert.deepEqual([conn.fsm.holdTimeMs, conn.fsm.keepaliveMs], [0, 0]);
    await sleep(1500); // timers would have fired by now
    assert.equal(c.peer.state, 'Established');

    // A restart on the same datastore (today a crash loop): configured again, up again.
    await rr.stop();
    rr = await reflector(store);
    await waitFor('the peer configured after the restart', () => rr.speaker.peer('127.0.0.51'), 5000);
    await c.speaker.removePeer('127.0.0.1');
    const c2 = await client('127.0.0.51', rr.speaker.listenPort!);
    clients.push(c2.speaker);
    await waitFor('Established after the restart', () => c2.peer.state === 'Established');
    assert.equal(c2.peer.negotiated!.holdTime, 0);
  } finally {
    await rr.stop();
    for (const s of clients) await s.stop();
    await store.close();
  }
});

test('a stored BGPPeer whose timers cannot be honoured is logged and skipped; the daemon and its other peers carry on', {
  timeout: 20000,
}, async () => {
  const store = new EmbeddedDatastore();
  const { logger, lines } = capture();
  const rr = await reflector(store, logger);
  try {
    // Written behind validation's back (another version of vroute, a hand edit of etcd).
    await store.put(
      '/vroute/v1/bgppeer/bad',
      JSON.stringify(bgpPeer('bad', { peerIP: '127.0.0.52', keepaliveTime: 0, holdTime: 9 })),
    );
    await putResource(store, bgpPeer('good', { peerIP: '127.0.0.53' }));
    await waitFor('the good peer', () => rr.speaker.peer('127.0.0.53'), 5000);
    assert.equal(rr.speaker.peer('127.0.0.52'), undefined);
    const warn = await waitFor('the warning', () => lines.find((l) => l.key === '/vroute/v1/bgppeer/bad'), 3000);
    assert.match(String(warn.err), /spec\.keepaliveTime: 0 \(no KEEPALIVEs\) needs spec\.holdTime 0/);
  } finally {
    await rr.stop();
    await store.close();
  }
});

test('two quick changes to one BGPPeer while its removal is still in progress: both applied in order, no "already configured"', {
  timeout: 20000,
}, async () => {
  const store = new EmbeddedDatastore();
  const { logger, lines } = capture();
  const rr = await reflector(store, logger);
  let sock: net.Socket | undefined;
  try {
    await putResource(store, bgpPeer('tor', { peerIP: '127.0.0.61', holdTime: 9 }));
    await waitFor('the peer', () => rr.speaker.peer('127.0.0.61'), 5000);
    sock = await silentSocket('127.0.0.61', rr.speaker.listenPort!);
    await waitFor('the connection attached', () =>
      rr.speaker
        .peer('127.0.0.61')!
        .connections()
        .some((c) => c.socket),
    );
    await putResource(store, bgpPeer('tor', { peerIP: '127.0.0.61', holdTime: 30 }));
    await sleep(450); // the first change is reported and its removal waits on the socket
    await putResource(store, bgpPeer('tor', { peerIP: '127.0.0.61', holdTime: 60 }));
    await waitFor('the last change applied', () => rr.speaker.peer('127.0.0.61')?.config.holdTime === 60, 8000);
    await sleep(1500); // anything still queued has run
    assert.equal(rr.speaker.peer('127.0.0.61')!.config.holdTime, 60);
    assert.deepEqual(
      lines.filter((l) => (l.level as number) >= 50).map((l) => l.msg),
      [],
      'no errors logged',
    );
  } finally {
    sock?.destroy();
    await rr.stop();
    await store.close();
  }
});

test('a dynamic neighbor reconnecting while its address is being reconfigured: the BGPPeer wins, nothing throws', {
  timeout: 20000,
}, async () => {
  const store = new EmbeddedDatastore();
  const rr = await reflector(store, silentLogger, true);
  const socks: net.Socket[] = [];
  try {
    await putResource(store, bgpPeer('client', { peerIP: '127.0.0.71', holdTime: 9 }));
    await waitFor('the peer', () => rr.speaker.peer('127.0.0.71'), 5000);
    socks.push(await silentSocket('127.0.0.71', rr.speaker.listenPort!));
    await waitFor('the connection attached', () =>
      rr.speaker
        .peer('127.0.0.71')!
        .connections()
        .some((c) => c.socket),
    );
    await putResource(store, bgpPeer('client', { peerIP: '127.0.0.71', holdTime: 30 }));
    // While the old peer is being removed, the address matches the dynamic range.
    await waitFor('the old peer going', () => rr.speaker.peer('127.0.0.71') === undefined, 3000);
    socks.push(await silentSocket('127.0.0.71', rr.speaker.listenPort!));
    await waitFor(
      'the BGPPeer back',
      () => {
        const p = rr.speaker.peer('127.0.0.71');
        return p !== undefined && p.config.dynamic !== true && p.config.holdTime === 30;
      },
      8000,
    );
  } finally {
    for (const s of socks) s.destroy();
    await rr.stop();
    await store.close();
  }
});

test('an exception in a socket callback resets that session only, with lastError saying so; the daemon carries on', {
  timeout: 30000,
}, async () => {
  const store = new EmbeddedDatastore();
  const rr = await reflector(store, silentLogger, true);
  const clients: Array<{ speaker: Speaker; peer: Peer }> = [];
  try {
    // Stands for a bug of ours in a handler: the first time 127.0.0.81's session reaches
    // Established (in a socket callback), a listener throws.
    let armed = true;
    let victim: Peer | undefined;
    rr.speaker.on('peer', (p: Peer) => {
      if (p.config.address !== '127.0.0.81') return;
      victim ??= p; // a dynamic neighbor: this object goes once it is idle
      p.on('stateChange', (_from: string, to: string) => {
        if (!armed || to !== 'Established') return;
        armed = false;
        throw new Error('bug in a stateChange handler');
      });
    });
    const downs: string[] = [];
    clients.push(await client('127.0.0.81', rr.speaker.listenPort!));
    sessionEvents(clients[0]!.peer).on('down', (why: string) => downs.push(why));
    clients.push(await client('127.0.0.82', rr.speaker.listenPort!));
    await waitFor('the victim reset', () => !armed && downs.length > 0);
    assert.match(downs[0]!, /Cease \/ Out of Resources/, 'the client is told with a Cease');
    assert.match(String(victim?.status().lastError), /internal error: bug in a stateChange handler/);
    await waitFor('the other one Established', () => clients[1]!.peer.state === 'Established');
    // The same through the engine's turn: a write that throws resets that session only.
    const other = rr.speaker.peer('127.0.0.82')!;
    const write = other.write.bind(other);
    let once = true;
    other.write = (buf: Uint8Array) => {
      if (once) {
        once = false;
        throw new Error('bug while writing');
      }
      return write(buf);
    };
    // A route from a third client: the engine's turn sends it on to 127.0.0.82.
    clients.push(await client('127.0.0.83', rr.speaker.listenPort!));
    const c3 = clients[2]!.peer;
    await waitFor('the third client Established', () => c3.state === 'Established');
    for (const m of packAnnouncements(
      { origin: 0, asPath: [], nextHop: ip4('198.51.100.3'), localPref: 100 },
      IPV4_UNICAST,
      [parsePrefix('10.30.0.0/24')!],
      c3.negotiated!.tx,
    ))
      c3.write(m);
    await waitFor('the second reset', () => /internal error: bug while writing/.test(String(other.status().lastError)));
    // Both come back by themselves (IdleHold back-off, RFC 4271 8.1.1).
    await waitFor('both back', () => clients.every((c) => c.peer.state === 'Established'), 20000);
  } finally {
    await rr.stop();
    for (const c of clients) await c.speaker.stop();
    await store.close();
  }
});
