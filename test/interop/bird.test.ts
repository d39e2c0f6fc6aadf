// vroute's Speaker against BIRD 2 over a veth pair between two namespaces: our speaker runs
// as a child process in host 0 (192.0.2.1), BIRD in host 1 (192.0.2.2). Hold time 3 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLab, waitFor, type Lab } from '../helpers/netns';
import { birdProtocolState, startBird, waitEstablished, type Daemon } from '../helpers/peers';
import { skipReason } from '../helpers/env';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/bgp/messages';
import { startChild, type ChildSpeaker } from './child';

const skip = skipReason('netns', 'bird');

function birdConf(passive: boolean, v6: boolean): string {
  return `router id 192.0.2.2;
protocol device {}
protocol static { ipv4; route 198.51.100.0/24 blackhole; }
protocol static { ipv6; route 2001:db8:77::/48 blackhole; }
protocol bgp vr1 {
  local ${v6 ? '2001:db8::2' : '192.0.2.2'} as 65000;
  neighbor ${v6 ? '2001:db8::1' : '192.0.2.1'} as 65000;
  hold time 3; keepalive time 1; connect retry time 2; error wait time 1, 4;
  ${passive ? 'passive on;' : ''}
  ${v6 ? 'ipv6 { import all; export all; next hop self; };' : 'ipv4 { import all; export all; next hop self; };'}
}
`;
}

async function run(passive: boolean, v6 = false): Promise<void> {
  const lab: Lab = createLab(2, v6 ? 'bi6' : passive ? 'bip' : 'bia');
  const peer = v6 ? '2001:db8::2' : '192.0.2.2';
  const route = v6 ? '2001:db8:77::/48' : '198.51.100.0/24';
  let bird: Daemon | undefined;
  let child: ChildSpeaker | undefined;
  try {
    const [h0, h1] = lab.hosts;
    bird = await startBird(h1!.ns, birdConf(!passive, v6));
    child = await startChild(
      h0!.ns,
      { asn: 65000, routerId: '192.0.2.1', listen: { address: v6 ? '::' : '0.0.0.0', port: 179 } },
      [
        {
          address: peer,
          port: 179,
          asn: 65000,
          passive,
          holdTime: 3,
          connectRetryTime: 2,
          families: [v6 ? IPV6_UNICAST : IPV4_UNICAST],
          routeReflectorClient: true,
        },
      ],
    );
    const c = child;
    await waitEstablished(bird, 'vr1', 30_000);
    await waitFor('we Established', () => (c.state(peer) === 'Established' ? true : undefined), 10_000, 100);

    // BIRD's route arrives as a decoded UPDATE.
    await waitFor(
      'UPDATE from BIRD',
      () => (c.lines.some((l) => l.ev === 'update' && JSON.stringify(l.update).includes(route)) ? true : undefined),
      10_000,
      100,
    );

    // Several hold times with KEEPALIVEs only.
    await new Promise((r) => setTimeout(r, 10_000));
    assert.equal(c.state(peer), 'Established');
    assert.equal(birdProtocolState(bird, 'vr1'), 'Established');
    assert.ok(Number((await c.status())[0]!.uptimeSeconds) >= 9);

    // BIRD frozen: our hold timer expires and we say so (RFC 4271 6.5).
    process.kill(bird.pid, 'SIGSTOP');
    await waitFor('hold timer expiry', () => (c.lines.some((l) => l.ev === 'down') ? true : undefined), 10_000, 100);
    const st = (await c.status())[0]!;
    assert.match(String(st.lastError), /^sent Hold Timer Expired/);
    process.kill(bird.pid, 'SIGCONT');
    await waitFor('we re-Established', () => (c.state(peer) === 'Established' ? true : undefined), 30_000, 100);
    await waitEstablished(bird, 'vr1', 10_000);

    // Our stop(): BIRD reports the Cease with our shutdown communication (RFC 9003).
    await c.stop('interop bye');
    await waitFor(
      'bird sees Cease',
      () => {
        const out = bird!.query('show protocols all', 'vr1');
        return /Administrative shutdown/i.test(out) ? out : undefined;
      },
      10_000,
      200,
    );
  } finally {
    child?.kill();
    await bird?.stop();
    lab.cleanup();
  }
}

test(
  'BIRD: we connect (BIRD passive): up, hold expiry on SIGSTOP, reconnect, stop -> Cease',
  { skip, timeout: 120_000 },
  () => run(false),
);
test('BIRD: BIRD connects (we passive): same checks', { skip, timeout: 120_000 }, () => run(true));
test('BIRD: we connect over IPv6 transport (IPv6 unicast): same checks', { skip, timeout: 120_000 }, () =>
  run(false, true),
);
