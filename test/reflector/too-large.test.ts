// A route whose attributes fit no UPDATE once we add ORIGINATOR_ID and CLUSTER_LIST (RFC 4456
// 8) cannot be sent: the receivers must not keep the route they had before. Real sessions on
// loopback: client A sends a prefix with small attributes, then the same prefix with
// attributes that only just fit A's own UPDATE; client B must see it withdrawn, the daemon
// logs it once per attribute set and counts it in /status and /metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { IPV4_UNICAST, packAnnouncements, parsePrefix, updateToJson, type UpdateMessage } from '../../src/bgp/messages';
import { Speaker, type Peer } from '../../src/bgp/fsm';
import { createLogger, silentLogger } from '../../src/observability';
import { apiGet } from '../../src/cli/api-client';
import { clientSession, LOOPBACK_CLIENTS, startTestReflector, waitFor as waitForIn } from '../helpers/reflector';
import { ip4 } from '../helpers/addr';
import { sessionEvents } from '../helpers/sessions';

const waitFor = <T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 10000) =>
  waitForIn<T>(what, probe, ms, 25);

async function client(addr: string, rrPort: number): Promise<{ speaker: Speaker; peer: Peer }> {
  const speaker = new Speaker({ asn: 65000, routerId: addr, logger: silentLogger });
  const peer = speaker.addPeer(clientSession(addr, rrPort));
  return { speaker, peer };
}

test('attributes too large for one UPDATE after reflection: the prefix is withdrawn at the receivers, logged once per set, counted', {
  timeout: 30000,
}, async () => {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      for (const l of c.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  const { rr, store } = await startTestReflector('rr-big', LOOPBACK_CLIENTS, {
    logger: createLogger({ level: 'info', destination: sink }),
  });
  const api = { host: '127.0.0.1', port: rr.api!.port };
  const a = await client('127.0.0.2', rr.speaker.listenPort!);
  const b = await client('127.0.0.3', rr.speaker.listenPort!);
  try {
    const got: Array<Record<string, unknown>> = [];
    sessionEvents(b.peer).on('update', (u: UpdateMessage) => got.push(updateToJson(u)));
    await waitFor('both Established', () => a.peer.state === 'Established' && b.peer.state === 'Established');
    const ctx = a.peer.negotiated!.tx;
    const limit = ctx.extendedMessage ? 65535 : 4096;
    const send = (communities: number, prefixes: string[]) => {
      const attrs = {
        origin: 0,
        asPath: [],
        nextHop: ip4('198.51.100.2'),
        localPref: 100,
        communities: Array.from({ length: communities }, (_, i) => `65000:${i % 65536}`),
      };
      const msgs = packAnnouncements(
        attrs as never,
        IPV4_UNICAST,
        prefixes.map((p) => parsePrefix(p)!),
        ctx,
      );
      for (const m of msgs) assert.ok(m.length <= limit);
      for (const m of msgs) a.peer.write(m);
      return msgs;
    };
    send(2, ['10.40.0.0/24']);
    await waitFor('the small route at B', () =>
      got.some((u) => (u.nlri as string[] | undefined)?.includes('10.40.0.0/24')),
    );

    // 19 header + 4 lengths + 4 NLRI + 4+3+7+7 (ORIGIN, AS_PATH, NEXT_HOP, LOCAL_PREF) + 4 (the
    // communities' header) + 4 per community: as many as A can still send in one UPDATE.
    const most = Math.floor((limit - 19 - 4 - 4 - 21 - 4) / 4);
    const [big] = send(most, ['10.40.0.0/24']);
    assert.ok(big!.length > limit - 4, `A's UPDATE is ${big!.length} octets, near the limit`);
    await waitFor('the withdrawal at B', () =>
      got.some((u) => (u.withdrawn as string[] | undefined)?.includes('10.40.0.0/24')),
    );
    assert.ok(
      !got.some(
        (u) =>
          (u.nlri as string[] | undefined)?.includes('10.40.0.0/24') &&
          (u.attributes as { communities?: unknown[] }).communities!.length > 2,
      ),
      'the large set never went out',
    );

    // A second prefix with the same set: counted again, not logged again.
    send(most, ['10.40.1.0/24']);
    await waitFor(
      'the second one counted',
      async () => ((await apiGet(api, '/status')) as { routesTooLarge: number }).routesTooLarge >= 2 || undefined,
    );
    const warns = lines.filter((l) => String(l.msg).startsWith('path attributes too large'));
    assert.equal(warns.length, 1, 'one log line per attribute set');
    assert.equal(warns[0]!.prefix, '10.40.0.0/24');
    assert.equal(warns[0]!.from, '127.0.0.2');
    const st = (await apiGet(api, '/status')) as { routesTooLarge: number; sessions: unknown[] };
    assert.equal(st.routesTooLarge, 2);
    assert.equal(st.sessions.length, 2, 'contract 3 keys unchanged');
    const metrics = await (await fetch(`http://127.0.0.1:${api.port}/metrics`)).text();
    assert.match(metrics, /vroute_bgp_routes_too_large_total\{family="ipv4-unicast"\} 2/);
    // The route is still in the Loc-RIB (it is fine to use here); only sending it is impossible.
    const routes = (await apiGet(api, '/routes?family=ipv4-unicast')) as Array<{ prefix: string }>;
    assert.deepEqual(routes.map((r) => r.prefix).sort(), ['10.40.0.0/24', '10.40.1.0/24']);
  } finally {
    await rr.stop();
    await a.speaker.stop();
    await b.speaker.stop();
    await store.close();
  }
});
