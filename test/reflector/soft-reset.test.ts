// Operator soft reset end to end on loopback: `vroute refresh PEER` (the real bin, POST
// /refresh) makes the daemon send that client a ROUTE-REFRESH (RFC 2918); `--out` sends a
// client our routes again framed by BoRR/EoRR (RFC 7313 4: both vroute ends announce enhanced
// route refresh); an unknown peer or family is one error line and exit 1, the sessions untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { IPV4_UNICAST, packAnnouncements, parsePrefix, updateToJson, type UpdateMessage } from '../../src/bgp/messages';
import { Speaker, type Peer } from '../../src/bgp/fsm';
import { silentLogger } from '../../src/observability';
import { clientSession, LOOPBACK_CLIENTS, startTestReflector, waitFor } from '../helpers/reflector';
import { REPO_ROOT } from '../helpers/env';
import { sessionEvents } from '../helpers/sessions';
import { ip4 } from '../helpers/addr';

function vroute(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO_ROOT, 'bin', 'vroute'), ...args],
      { encoding: 'utf8', timeout: 30000 },
      (e, out, err) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err }),
    );
  });
}

test('vroute refresh: in sends the peer a ROUTE-REFRESH, --out re-sends our routes between BoRR and EoRR; errors are one line', {
  timeout: 60000,
}, async () => {
  const { rr, store } = await startTestReflector('rr-soft', LOOPBACK_CLIENTS);
  const api = `127.0.0.1:${rr.api!.port}`;
  const speakers: Speaker[] = [];
  try {
    const events = new Map<string, string[]>();
    const client = async (addr: string): Promise<Peer> => {
      const s = new Speaker({ asn: 65000, routerId: addr, logger: silentLogger });
      speakers.push(s);
      await s.start();
      const p = s.addPeer(clientSession(addr, rr.speaker.listenPort!));
      const ev: string[] = [];
      events.set(addr, ev);
      sessionEvents(p).on('update', (u: UpdateMessage) => {
        const j = updateToJson(u) as { nlri?: string[]; endOfRib?: unknown };
        ev.push(j.nlri ? `+${j.nlri.join(',+')}` : j.endOfRib ? 'EoR' : 'update');
      });
      sessionEvents(p).on('routeRefresh', (m: { afi: number; safi: number; subtype: number }) =>
        ev.push(`RR${m.subtype} ${m.afi}/${m.safi}`),
      );
      return p;
    };
    const a = await client('127.0.0.2');
    const b = await client('127.0.0.3');
    await waitFor('both Established', () => a.state === 'Established' && b.state === 'Established');
    assert.ok(a.negotiated!.enhancedRouteRefresh, 'vroute announces enhanced route refresh');
    for (const m of packAnnouncements(
      { origin: 0, asPath: [], nextHop: ip4('198.51.100.2'), localPref: 100 },
      IPV4_UNICAST,
      ['10.50.0.0/24', '10.50.1.0/24'].map((p) => parsePrefix(p)!),
      a.negotiated!.tx,
    ))
      a.write(m);
    const evB = events.get('127.0.0.3')!;
    await waitFor("A's routes at B", () => evB.some((e) => e.includes('10.50.1.0/24')));

    const inA = await vroute(['refresh', '127.0.0.2', '--api', api]);
    assert.equal(inA.code, 0, inA.err);
    assert.match(inA.out, /127\.0\.0\.2 ipv4-unicast: asked with ROUTE-REFRESH/);
    await waitFor('A asked for its routes', () => events.get('127.0.0.2')!.includes('RR0 1/1'));

    const before = evB.length;
    const outB = await vroute(['refresh', '127.0.0.3', '--out', '--api', api]);
    assert.equal(outB.code, 0, outB.err);
    assert.match(outB.out, /sent BoRR, routes, EoRR/);
    await waitFor('EoRR at B', () => evB.slice(before).includes('RR2 1/1'));
    const again = evB.slice(before);
    assert.equal(again[0], 'RR1 1/1', JSON.stringify(again));
    assert.equal(again.at(-1), 'RR2 1/1', JSON.stringify(again));
    assert.deepEqual(
      again
        .slice(1, -1)
        .flatMap((e) => e.slice(1).split(',+'))
        .sort(),
      ['10.50.0.0/24', '10.50.1.0/24'],
    );

    const unknown = await vroute(['refresh', '127.0.0.99', '--api', api]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /no session with 127\.0\.0\.99/);
    assert.equal(unknown.err.trim().split('\n').length, 1);
    const fam = await vroute(['refresh', '127.0.0.2', '--family', 'ipv6-unicast', '--api', api]);
    assert.equal(fam.code, 1);
    assert.match(fam.err, /does not carry ipv6-unicast/);
    assert.ok(a.state === 'Established' && b.state === 'Established', 'soft resets leave the sessions up');
  } finally {
    for (const s of speakers) await s.stop();
    await rr.stop('test over');
    await store.close();
  }
});
