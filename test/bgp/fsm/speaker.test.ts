// The Speaker's listener against raw sockets: RFC 4271 6.2 OPEN errors come back as the
// right NOTIFICATION, unknown sources are refused, dynamic-neighbor ranges are accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { Speaker, type Peer } from '../../../src/bgp/fsm';
import { CapabilityCode, IPV4_UNICAST, encodeOpen, makeOpen } from '../../../src/bgp/messages';
import { silentLogger } from '../../../src/observability/logger';
import { until, listeningSpeaker, passivePeer } from '../../helpers/speakers';

/** Connect from `from`, send `bytes`, collect everything until the server closes (bounded). */
function exchange(port: number, from: string, bytes: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ host: '127.0.0.1', port, localAddress: from }, () => s.write(bytes));
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('no close within 5 s'));
    }, 5000);
    s.on('data', (c) => chunks.push(c));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** Split a byte stream into [type, body] messages by the header's length. */
function messages(buf: Buffer): { type: number; body: Buffer }[] {
  const out: { type: number; body: Buffer }[] = [];
  let i = 0;
  while (i + 19 <= buf.length) {
    const len = buf.readUInt16BE(i + 16);
    out.push({ type: buf[i + 18]!, body: buf.subarray(i + 19, i + len) });
    i += len;
  }
  return out;
}

function open(o: { asn: number; holdTime?: number; version?: number }): Uint8Array {
  return encodeOpen(
    makeOpen({
      asn: o.asn,
      holdTime: o.holdTime ?? 90,
      bgpId: 0x0a000063,
      ...(o.version ? { version: o.version } : {}),
      capabilities: [
        { kind: 'multiprotocol', code: CapabilityCode.Multiprotocol, afi: 1, safi: 1 },
        { kind: 'four-octet-as', code: CapabilityCode.FourOctetAs, asn: o.asn },
      ],
    }),
  );
}

test('malformed OPENs get the RFC 4271 6.2 NOTIFICATION', async () => {
  const sp = listeningSpeaker();
  try {
    await sp.start();
    const peer = sp.addPeer(passivePeer('127.0.0.9', { asn: 65009, routeReflectorClient: false }));
    const cases: [string, Uint8Array, number, number, number[]?][] = [
      ['version 3', open({ asn: 65009, version: 3 }), 2, 1, [0, 4]], // Unsupported Version, data = 4
      ['hold time 1', open({ asn: 65009, holdTime: 1 }), 2, 6],
      ['bad peer AS', open({ asn: 65099 }), 2, 2],
    ];
    for (const [name, bytes, code, subcode, data] of cases) {
      const reply = messages(await exchange(sp.listenPort!, '127.0.0.9', bytes));
      assert.equal(reply[0]?.type, 1, `${name}: our OPEN first`);
      const n = reply.find((m) => m.type === 3);
      assert.ok(n, `${name}: a NOTIFICATION`);
      assert.deepEqual([n.body[0], n.body[1]], [code, subcode], name);
      if (data) assert.deepEqual([...n.body.subarray(2)], data, `${name}: data`);
    }
    assert.match(String(peer.status().lastError), /^sent OPEN Message Error/);
    // Garbage (bad marker) is a Message Header Error / Connection Not Synchronized.
    const junk = new Uint8Array(19).fill(0);
    const r = messages(await exchange(sp.listenPort!, '127.0.0.9', junk)).find((m) => m.type === 3);
    assert.deepEqual([r?.body[0], r?.body[1]], [1, 1]);
  } finally {
    await sp.stop();
  }
});

test('unknown source refused; dynamic neighbor range accepted and removed when down', async () => {
  const a = new Speaker({
    asn: 65000,
    routerId: '10.0.0.1',
    listen: { address: '127.0.0.1', port: 0 },
    logger: silentLogger,
    dynamicNeighbors: [
      { prefix: '127.0.5.0/24', asn: 65000, routeReflectorClient: true, holdTime: 3, families: [IPV4_UNICAST] },
    ],
  });
  const b = new Speaker({ asn: 65000, routerId: '10.0.0.2', logger: silentLogger });
  try {
    await a.start();
    const refused = await exchange(a.listenPort!, '127.0.0.3', open({ asn: 65000 }));
    assert.equal(refused.length, 0, 'no OPEN for an unknown source');
    assert.equal(a.peers().length, 0);

    const created = new Promise<Peer>((r) => a.once('peer', r));
    const pb = b.addPeer({
      address: '127.0.0.1',
      port: a.listenPort!,
      localAddress: '127.0.5.7',
      asn: 65000,
      passive: false,
      holdTime: 3,
      connectRetryTime: 2,
      families: [IPV4_UNICAST],
      routeReflectorClient: false,
    });
    const dyn = await created;
    assert.equal(dyn.config.address, '127.0.5.7');
    assert.equal(dyn.config.dynamic, true);
    await until('Established', () => dyn.state === 'Established' && pb.state === 'Established');
    assert.equal(a.peer('127.0.5.7'), dyn);
    assert.equal(dyn.status().routeReflectorClient, true);
    const removed = new Promise<Peer>((r) => a.once('peerRemoved', r));
    await b.removePeer('127.0.0.1');
    assert.equal(await removed, dyn);
    assert.equal(a.peers().length, 0);
    assert.match(String(dyn.status().lastError), /Peer De-configured/);
  } finally {
    await b.stop();
    await a.stop();
  }
});

test('a passive peer never connects out (8.1.1 PassiveTcpEstablishment) and stays Active', async () => {
  let connections = 0;
  const trap = net.createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => trap.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  const port = (trap.address() as net.AddressInfo).port;
  const sp = new Speaker({ asn: 65000, routerId: '10.0.0.1', logger: silentLogger });
  try {
    const peer = sp.addPeer({
      address: '127.0.0.1',
      port,
      asn: 65000,
      passive: true,
      holdTime: 3,
      connectRetryTime: 1,
      families: [IPV4_UNICAST],
      routeReflectorClient: false,
    });
    await new Promise((r) => setTimeout(r, 3000)); // three ConnectRetryTimes
    assert.equal(connections, 0);
    assert.equal(peer.state, 'Active');
  } finally {
    await sp.stop();
    trap.close();
  }
});
