import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import {
  startApiServer,
  createMetrics,
  ApiRequestError,
  type RefreshRequest,
  type StatusProvider,
} from '../../src/observability';
import { apiGet } from '../../src/cli/api-client';
import { renderStatus } from '../../src/cli/commands/status';

test('HTTP API serves /status, /routes, /metrics and 404s', async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  metrics.fsmTransitions.inc({ peer: '10.0.0.2', from: 'Idle', to: 'Connect' });
  const provider: StatusProvider = {
    registry: metrics.registry,
    status: () => ({
      name: 'rr1',
      routerId: '10.0.0.1',
      asn: 65000,
      sessions: [
        {
          peer: '10.0.0.2',
          asn: 65000,
          state: 'Established',
          uptimeSeconds: 12,
          prefixes: { received: 10, accepted: 10, advertised: 40 },
          lastError: null,
        },
      ],
    }),
    routes: (family) => {
      if (family !== 'ipv4-unicast') throw new RangeError(`unknown family ${family}`);
      return [{ prefix: '10.1.0.0/24', nextHop: '10.0.0.2' }];
    },
  };
  const api = await startApiServer(provider, '127.0.0.1', 0);
  try {
    const addr = { host: '127.0.0.1', port: api.port };
    const s = (await apiGet(addr, '/status')) as { sessions: Array<{ state: string }> };
    assert.equal(s.sessions[0]!.state, 'Established');
    assert.deepEqual(await apiGet(addr, '/routes?family=ipv4-unicast'), [
      { prefix: '10.1.0.0/24', nextHop: '10.0.0.2' },
    ]);
    await assert.rejects(apiGet(addr, '/routes?family=ipv9'), /unknown family ipv9/);
    await assert.rejects(apiGet(addr, '/nope'), /no such endpoint/);
    const text = await new Promise<string>((resolve, reject) => {
      require('node:http')
        .get({ host: '127.0.0.1', port: api.port, path: '/metrics' }, (res: import('node:http').IncomingMessage) => {
          let b = '';
          res.on('data', (c) => (b += c));
          res.on('end', () => resolve(b));
        })
        .on('error', reject);
    });
    assert.match(text, /vroute_bgp_fsm_transitions_total\{peer="10.0.0.2",from="Idle",to="Connect"\} 1/);
    const table = renderStatus(provider.status());
    assert.match(table, /10\.0\.0\.2\s+65000\s+Established\s+00:00:12\s+10\/10\/40/);
  } finally {
    await api.close();
  }
});

test('apiGet explains a refused connection', async () => {
  await assert.rejects(apiGet({ host: '127.0.0.1', port: 1 }, '/status'), /connection refused/);
});

test("POST /refresh: 202 with what was sent; missing peer or bad direction 400; GET 405; the daemon's refusals keep their status", async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  const asked: RefreshRequest[] = [];
  const provider: StatusProvider = {
    registry: metrics.registry,
    status: () => ({ name: 'rr1', routerId: '10.0.0.1', asn: 65000, sessions: [] }),
    routes: () => [],
    refresh: (r) => {
      if (r.peer === '10.0.0.9') throw new ApiRequestError(404, 'no session with 10.0.0.9');
      if (r.peer === '10.0.0.8') throw new ApiRequestError(409, 'the session with 10.0.0.8 is Active, not Established');
      asked.push(r);
      return { peer: r.peer, sent: 'ROUTE-REFRESH' };
    },
  };
  const api = await startApiServer(provider, '127.0.0.1', 0);
  const call = (method: string, path: string) =>
    new Promise<{ status: number; body: { error?: string; sent?: string } }>((resolve, reject) => {
      const req = http.request({ method, host: '127.0.0.1', port: api.port, path }, (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(b) }));
      });
      req.on('error', reject);
      req.end();
    });
  try {
    const ok = await call('POST', '/refresh?peer=10.0.0.2&family=ipv6-unicast&direction=out');
    assert.deepEqual([ok.status, ok.body.sent], [202, 'ROUTE-REFRESH']);
    assert.deepEqual(asked, [{ peer: '10.0.0.2', family: 'ipv6-unicast', direction: 'out' }]);
    const dflt = await call('POST', '/refresh?peer=10.0.0.3');
    assert.equal(dflt.status, 202);
    assert.deepEqual(asked[1], { peer: '10.0.0.3', family: 'ipv4-unicast', direction: 'in' });
    assert.equal((await call('POST', '/refresh')).status, 400);
    const dir = await call('POST', '/refresh?peer=10.0.0.2&direction=sideways');
    assert.deepEqual([dir.status, dir.body.error], [400, 'direction=sideways: expected in or out']);
    assert.equal((await call('GET', '/refresh?peer=10.0.0.2')).status, 405);
    assert.equal((await call('POST', '/status')).status, 405);
    assert.deepEqual(await call('POST', '/refresh?peer=10.0.0.9'), {
      status: 404,
      body: { error: 'no session with 10.0.0.9' },
    });
    assert.equal((await call('POST', '/refresh?peer=10.0.0.8')).status, 409);
    assert.equal(asked.length, 2, 'refused requests reached nothing');
  } finally {
    await api.close();
  }
});
