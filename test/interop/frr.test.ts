// vroute's Speaker against FRR bgpd over a veth pair between two namespaces: our speaker
// runs as a child process in host 0 (192.0.2.1 / 2001:db8::1), bgpd in host 1. Hold 3 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLab, waitFor, type Lab } from '../helpers/netns';
import { frrNeighborState, startFrr, waitEstablished, type Daemon } from '../helpers/peers';
import { skipReason } from '../helpers/env';
import { IPV4_UNICAST, IPV6_UNICAST } from '../../src/bgp/messages';
import { startChild, type ChildSpeaker } from './child';

const skip = skipReason('netns', 'frr');

function frrConf(neighbor: string, passive: boolean): string {
  return `frr defaults traditional
hostname frr1
router bgp 65000
 bgp router-id 192.0.2.2
 no bgp default ipv4-unicast
 no bgp network import-check
 neighbor ${neighbor} remote-as 65000
 neighbor ${neighbor} timers 1 3
 neighbor ${neighbor} timers connect 2
${passive ? ` neighbor ${neighbor} passive\n` : ''} address-family ipv4 unicast
  network 198.51.100.0/24
  neighbor ${neighbor} activate
 exit-address-family
 address-family ipv6 unicast
  neighbor ${neighbor} activate
 exit-address-family
`;
}

async function run(tag: string, ourPassive: boolean, v6: boolean): Promise<void> {
  const lab: Lab = createLab(2, tag);
  let frr: Daemon | undefined;
  let child: ChildSpeaker | undefined;
  try {
    const [h0, h1] = lab.hosts;
    const us = v6 ? h0!.ipv6 : h0!.ipv4;
    const them = v6 ? h1!.ipv6 : h1!.ipv4;
    frr = await startFrr(h1!.ns, frrConf(us, !ourPassive));
    child = await startChild(h0!.ns, { asn: 65000, routerId: '192.0.2.1', listen: { address: '::', port: 179 } }, [
      {
        address: them,
        port: 179,
        asn: 65000,
        passive: ourPassive,
        holdTime: 3,
        connectRetryTime: 2,
        families: [IPV4_UNICAST, IPV6_UNICAST],
        routeReflectorClient: true,
      },
    ]);
    const c = child;
    const f = frr;
    await waitEstablished(f, us, 30_000);
    await waitFor('we Established', () => (c.state(them) === 'Established' ? true : undefined), 10_000, 100);

    await waitFor(
      'UPDATE from FRR',
      () =>
        c.lines.some((l) => l.ev === 'update' && JSON.stringify(l.update).includes('198.51.100.0/24'))
          ? true
          : undefined,
      10_000,
      100,
    );
    await new Promise((r) => setTimeout(r, 10_000)); // several hold times
    assert.equal(c.state(them), 'Established');
    assert.equal(frrNeighborState(f, us), 'Established');
    const nb = JSON.parse(f.query(`show bgp neighbors ${us} json`)) as Record<string, Record<string, unknown>>;
    const caps = JSON.stringify(nb[us]?.neighborCapabilities ?? {});
    assert.match(caps, /4byteAs/);

    process.kill(f.pid, 'SIGSTOP');
    await waitFor('hold timer expiry', () => (c.lines.some((l) => l.ev === 'down') ? true : undefined), 10_000, 100);
    assert.match(String((await c.status())[0]!.lastError), /^sent Hold Timer Expired/);
    process.kill(f.pid, 'SIGCONT');
    await waitFor('we re-Established', () => (c.state(them) === 'Established' ? true : undefined), 30_000, 100);
    await waitEstablished(f, us, 10_000);

    await c.stop('interop bye');
    await waitFor(
      'frr sees Cease',
      () => {
        const j = JSON.parse(f.query(`show bgp neighbors ${us} json`)) as Record<string, Record<string, unknown>>;
        const s = JSON.stringify(j[us] ?? {});
        return /Administrative Shutdown/i.test(s) ? s : undefined;
      },
      10_000,
      200,
    );
  } finally {
    child?.kill();
    await frr?.stop();
    lab.cleanup();
  }
}

test(
  'FRR: we connect (FRR passive), IPv4: up, hold expiry on SIGSTOP, reconnect, stop -> Cease',
  { skip, timeout: 120_000 },
  () => run('fra', false, false),
);
test('FRR: FRR connects (we passive), IPv4', { skip, timeout: 120_000 }, () => run('frp', true, false));
test('FRR: we connect over IPv6 transport', { skip, timeout: 120_000 }, () => run('fr6', false, true));
