// RFC 8212 over loopback: an eBGP session without policies neither accepts nor sends routes,
// one with explicit policies does both, iBGP RR clients are unchanged, and /status says which.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IPV4_UNICAST, packAnnouncements, parsePrefix, updateToJson, type UpdateMessage } from '../../src/bgp/messages';
import { Speaker, type Peer } from '../../src/bgp/fsm';
import { silentLogger } from '../../src/observability';
import { clientSession, startTestReflector, waitFor } from '../helpers/reflector';
import { apiGet } from '../../src/cli/api-client';
import { sessionEvents } from '../helpers/sessions';
import { ip4 } from '../helpers/addr';

async function client(addr: string, asn: number, rrPort: number) {
  const speaker = new Speaker({ asn, routerId: addr.replace(/^127\./, '10.'), logger: silentLogger });
  const peer = speaker.addPeer(clientSession(addr, rrPort));
  const nlri = new Set<string>();
  sessionEvents(peer).on('update', (u: UpdateMessage) => {
    const j = updateToJson(u) as { nlri?: string[]; withdrawn?: string[] };
    for (const w of j.withdrawn ?? []) nlri.delete(w);
    for (const n of j.nlri ?? []) nlri.add(n);
  });
  return { speaker, peer, nlri };
}

function announce(p: Peer, prefix: string, asPath: number[], nextHop: string): void {
  const attrs = {
    origin: 0,
    asPath: asPath.length ? [{ type: 2, asns: asPath }] : [],
    nextHop: ip4(nextHop),
    ...(asPath.length ? {} : { localPref: 100 }),
  } as Parameters<typeof packAnnouncements>[0];
  for (const m of packAnnouncements(attrs, IPV4_UNICAST, [parsePrefix(prefix)!], p.negotiated!.tx)) p.write(m);
}

test('RFC 8212: eBGP without policies accepts and sends nothing; with policies both; iBGP clients unchanged; /status says so', {
  timeout: 30000,
}, async () => {
  const { rr, store } = await startTestReflector('rr-8212', {
    policies: { all: [{ action: 'accept' }] },
    neighbors: [
      { address: '127.0.0.71', asn: 65000, passive: true, routeReflectorClient: true, holdTime: 9 },
      { address: '127.0.0.72', asn: 64999, passive: true, holdTime: 9 },
      { address: '127.0.0.73', asn: 64998, passive: true, holdTime: 9, importPolicy: 'all', exportPolicy: 'all' },
    ],
  });
  const port = rr.speaker.listenPort!;
  const ibgp = await client('127.0.0.71', 65000, port);
  const bare = await client('127.0.0.72', 64999, port);
  const withPolicy = await client('127.0.0.73', 64998, port);
  const all = [ibgp, bare, withPolicy];
  try {
    await waitFor('all Established', () => all.every((c) => c.peer.state === 'Established'));
    announce(ibgp.peer, '10.71.0.0/24', [], '198.51.100.71');
    announce(bare.peer, '10.72.0.0/24', [64999], '198.51.100.72');
    announce(withPolicy.peer, '10.73.0.0/24', [64998], '198.51.100.73');
    await waitFor('the client route at the eBGP peer with an export policy', () => withPolicy.nlri.has('10.71.0.0/24'));
    await waitFor('the policied eBGP route at the iBGP client', () => ibgp.nlri.has('10.73.0.0/24'));
    // The bare peer's UPDATE went out first; give anything wrong time to show up.
    await new Promise((r) => setTimeout(r, 1000));
    const loc = rr.engine
      .routes('ipv4-unicast')
      .map((r) => r.prefix)
      .sort();
    assert.deepEqual(loc, ['10.71.0.0/24', '10.73.0.0/24'], 'the unpolicied eBGP route is not accepted');
    assert.deepEqual([...bare.nlri], [], 'nothing is sent to an eBGP peer without an export policy');
    assert.deepEqual(
      [...ibgp.nlri],
      ['10.73.0.0/24'],
      'the iBGP client gets what was accepted, not the bare eBGP route',
    );

    const st = (await apiGet({ host: '127.0.0.1', port: rr.api!.port }, '/status')) as {
      sessions: Array<{ peer: string; policy: { import: string | null; export: string | null } | null }>;
    };
    const pol = (peer: string) => st.sessions.find((s) => s.peer === peer)?.policy;
    assert.deepEqual(pol('127.0.0.71'), { import: null, export: null });
    assert.deepEqual(pol('127.0.0.72'), { import: 'none (RFC 8212)', export: 'none (RFC 8212)' });
    assert.deepEqual(pol('127.0.0.73'), { import: 'all', export: 'all' });
  } finally {
    await rr.stop();
    for (const c of all) await c.speaker.stop();
    await store.close();
  }
});
