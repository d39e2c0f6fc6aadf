// RFC 2385 TCP-MD5 and RFC 5082 GTSM between two Speakers over real TCP on loopback: the
// right key comes up; a wrong or missing key never does; a peer that does not send TTL 255
// never gets past a minimum TTL of 255. A setting the kernel refuses fails the session with a
// clear lastError. And without a localAddress we connect from a specific listen address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Speaker, type Peer, type PeerSessionConfig } from '../../../src/bgp/fsm';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../../src/bgp/messages';
import { silentLogger } from '../../../src/observability/logger';
import { withSpeakers, until, listeningSpeaker } from '../../helpers/speakers';

const ASN = 65000;
const linuxOnly = process.platform !== 'linux' && 'TCP-MD5 and GTSM are Linux socket options';

function cfg(address: string, port: number, extra: Partial<PeerSessionConfig> = {}): PeerSessionConfig {
  return {
    address,
    port,
    asn: ASN,
    passive: false,
    holdTime: 3,
    connectRetryTime: 1,
    families: [address.includes(':') ? IPV6_UNICAST : IPV4_UNICAST],
    routeReflectorClient: false,
    ...extra,
  };
}

/** True when the peer reached Established at any moment within `ms`. */
async function everEstablished(peers: Peer[], ms: number): Promise<boolean> {
  let seen = false;
  const on = (_from: string, to: string) => {
    if (to === 'Established') seen = true;
  };
  for (const p of peers) p.on('stateChange', on);
  await new Promise((r) => setTimeout(r, ms));
  for (const p of peers) p.off('stateChange', on);
  return seen || peers.some((p) => p.state === 'Established');
}

interface Pair {
  a: Speaker;
  b: Speaker;
  pa: Peer;
  pb: Peer;
  stop(): Promise<void>;
}

/**
 * a listens on `aAddr` with b as a passive neighbor; b connects out to a (from its own listen
 * address `bAddr`, which it takes by default), each with its own settings.
 */
async function pair(
  aAddr: string,
  bAddr: string,
  aExtra: Partial<PeerSessionConfig>,
  bExtra: Partial<PeerSessionConfig>,
): Promise<Pair> {
  const a = new Speaker({ asn: ASN, routerId: '10.0.0.1', listen: { address: aAddr, port: 0 }, logger: silentLogger });
  const b = new Speaker({ asn: ASN, routerId: '10.0.0.2', listen: { address: bAddr, port: 0 }, logger: silentLogger });
  await a.start();
  await b.start();
  const pa = a.addPeer(cfg(bAddr, 179, { passive: true, ...aExtra }));
  const pb = b.addPeer(cfg(aAddr, a.listenPort!, bExtra));
  return {
    a,
    b,
    pa,
    pb,
    stop: async () => {
      await b.stop();
      await a.stop();
    },
  };
}

for (const [fam, aAddr, bAddr] of [
  ['IPv4', '127.0.0.1', '127.0.0.2'],
  ['IPv6', '::1', '::1'],
] as const) {
  test(`TCP-MD5 (${fam}): the same key on both sides comes up`, { skip: linuxOnly }, async () => {
    const p = await pair(aAddr, bAddr, { password: 'vr0ute-s3cret' }, { password: 'vr0ute-s3cret' });
    try {
      await until('Established with TCP-MD5', () => p.pa.state === 'Established' && p.pb.state === 'Established');
      assert.equal(p.pa.status().lastError, null);
    } finally {
      await p.stop();
    }
  });

  test(`TCP-MD5 (${fam}): a wrong key, or a key on one side only, never reaches Established`, {
    skip: linuxOnly,
    timeout: 30_000,
  }, async () => {
    for (const [ak, bk] of [
      ['right', 'wrong'],
      ['right', undefined],
      [undefined, 'right'],
    ] as const) {
      const p = await pair(aAddr, bAddr, ak ? { password: ak } : {}, bk ? { password: bk } : {});
      try {
        // The kernel drops every unsigned or badly signed segment: not even OpenSent.
        assert.equal(await everEstablished([p.pa, p.pb], 3500), false, `keys ${ak}/${bk}`);
        assert.ok(
          p.pa.connections().every((c) => c.state === 'Active' || c.state === 'Idle'),
          `keys ${ak}/${bk}: ${p.pa.state}`,
        );
      } finally {
        await p.stop();
      }
    }
  });

  test(`GTSM (${fam}): ttlSecurity 1 on both comes up; a peer sending TTL 64 is never accepted`, {
    skip: linuxOnly,
    timeout: 30_000,
  }, async () => {
    const ok = await pair(aAddr, bAddr, { ttlSecurity: 1 }, { ttlSecurity: 1 });
    try {
      await until('Established with GTSM', () => ok.pa.state === 'Established' && ok.pb.state === 'Established');
    } finally {
      await ok.stop();
    }
    // a requires TTL 255; b sends the default 64: whatever b sends after accept is dropped.
    const in1 = await pair(aAddr, bAddr, { ttlSecurity: 1 }, {});
    try {
      assert.equal(await everEstablished([in1.pa, in1.pb], 3500), false);
    } finally {
      await in1.stop();
    }
    // b (connecting) requires TTL 255; a answers with 64: b's SYN-ACK never passes.
    const out1 = await pair(aAddr, bAddr, {}, { ttlSecurity: 1 });
    try {
      assert.equal(await everEstablished([out1.pa, out1.pb], 3500), false);
      assert.equal(
        out1.pa.connections().some((c) => c.state !== 'Active' && c.state !== 'Idle'),
        false,
      );
    } finally {
      await out1.stop();
    }
  });
}

test('a setting the kernel refuses fails the session with a clear lastError, never connects unprotected', {
  skip: linuxOnly,
}, async () => {
  // ttlSecurity 0 passes no validator (config refuses it); here it reaches setsockopt as
  // IP_MINTTL 256, which the kernel refuses: the connect is never attempted.
  await withSpeakers(async ({ a, b }) => {
    const pa = a.addPeer(cfg('127.0.0.2', 179, { passive: true }));
    const pb = b.addPeer(cfg('127.0.0.1', a.listenPort!, { localAddress: '127.0.0.2', ttlSecurity: 0 }));
    await until('the transport error', () => pb.status().lastError !== null);
    assert.equal(pb.status().lastError, 'transport: setsockopt IP_MINTTL 256: EINVAL (Invalid argument)');
    assert.equal(await everEstablished([pa, pb], 1500), false);
    assert.equal(
      pa.connections().every((c) => !c.socket),
      true,
      'nothing reached the listener',
    );
  });
});

test('no localAddress: we connect from the specific listen address (the peer accepts only that one)', async () => {
  // a knows b only as 127.0.0.3; the kernel's default source towards 127.0.0.1 is 127.0.0.1.
  const a = listeningSpeaker();
  const b = new Speaker({
    asn: ASN,
    routerId: '10.0.0.2',
    listen: { address: '127.0.0.3', port: 0 },
    logger: silentLogger,
  });
  try {
    await a.start();
    await b.start();
    const pa = a.addPeer(cfg('127.0.0.3', 179, { passive: true }));
    const pb = b.addPeer(cfg('127.0.0.1', a.listenPort!));
    await until('Established', () => pa.state === 'Established' && pb.state === 'Established');
    assert.equal(pb.sessionLocalAddress, '127.0.0.3');
  } finally {
    await b.stop();
    await a.stop();
  }
});

test('dynamic neighbors: a range key (TCP_MD5SIG_EXT) admits a peer with that key, never one with another', {
  skip: linuxOnly,
  timeout: 30_000,
}, async () => {
  const a = new Speaker({
    asn: ASN,
    routerId: '10.0.0.1',
    listen: { address: '127.0.0.1', port: 0 },
    logger: silentLogger,
    dynamicNeighbors: [
      {
        prefix: '127.0.1.0/24',
        asn: ASN,
        routeReflectorClient: true,
        holdTime: 3,
        families: [IPV4_UNICAST],
        password: 'range-k3y',
      },
    ],
  });
  const good = new Speaker({ asn: ASN, routerId: '10.0.0.2', logger: silentLogger });
  const bad = new Speaker({ asn: ASN, routerId: '10.0.0.3', logger: silentLogger });
  try {
    await a.start();
    const pg = good.addPeer(cfg('127.0.0.1', a.listenPort!, { localAddress: '127.0.1.2', password: 'range-k3y' }));
    const pb = bad.addPeer(cfg('127.0.0.1', a.listenPort!, { localAddress: '127.0.1.3', password: 'other' }));
    await until('the keyed dynamic neighbor Established', () => pg.state === 'Established');
    assert.equal(a.peer('127.0.1.2')?.state, 'Established');
    assert.equal(await everEstablished([pb], 3000), false);
    assert.equal(a.peer('127.0.1.3'), undefined, 'no dynamic peer was ever created for the wrong key');
  } finally {
    await good.stop();
    await bad.stop();
    await a.stop();
  }
});

test('a removed peer takes its key off the listener: the same address without a password then comes up', {
  skip: linuxOnly,
  timeout: 30_000,
}, async () => {
  await withSpeakers(async ({ a, b }) => {
    a.addPeer(cfg('127.0.0.2', 179, { passive: true, password: 'old-key' }));
    await a.removePeer('127.0.0.2');
    const pa = a.addPeer(cfg('127.0.0.2', 179, { passive: true }));
    const pb = b.addPeer(cfg('127.0.0.1', a.listenPort!, { localAddress: '127.0.0.2' }));
    await until('Established without a key', () => pa.state === 'Established' && pb.state === 'Established');
  });
});
