// The recorded scenarios: which hosts run what, and the steps that make the messages we want
// on the wire. Host i is 192.0.2.(i+1) / 2001:db8::(i+1) (test/helpers/netns.ts).
import { Run, sleep, waitEstablished, waitOutput, birdRouteCount, waitFor, type Daemon } from './lib';

export interface Scenario {
  readonly hosts: number;
  /** The host whose interface tcpdump listens on. */
  readonly captureOn: number;
  /** Store as pcapng (converted with editcap) instead of pcap. */
  readonly pcapng?: boolean;
  run(r: Run): Promise<void>;
}

export const SCENARIOS: Record<string, Scenario> = {
  // a. eBGP, 4-octet ASNs both ways; communities of the three kinds, MED; withdrawals by
  // reconfiguring BIRD; then Cease / Administrative Shutdown with a message (RFC 9003).
  'bird-frr-ipv4-as4': {
    hosts: 2,
    captureOn: 0,
    async run(r) {
      const frr = await r.frr(1, 'frr.conf');
      const bird = await r.bird(0, 'bird.conf');
      await waitEstablished(bird, 'frr');
      await waitFor('BIRD to learn FRR routes', () => (birdRouteCount(bird, 'frr') >= 2 ? true : undefined), 30_000, 250);
      await waitOutput(frr, 'show bgp ipv4 unicast 10.10.0.0/16 json', (o) => o.includes('"paths"'), 'FRR to learn 10.10.0.0/16');
      r.birdReconfigure(bird, 'bird-withdraw.conf');
      await waitOutput(frr, 'show bgp ipv4 unicast 10.10.0.0/16 json', (o) => !o.includes('"paths"'), 'FRR to see the withdrawal');
      await sleep(500);
      bird.query('disable', 'frr', '"maintenance"');
      await waitOutput(frr, 'show bgp neighbors 192.0.2.1 json', (o) => !o.includes('"Established"'), 'FRR to drop the session');
    },
  },

  // b. MP-BGP IPv6 unicast over IPv6 transport: global + link-local next hops (RFC 2545 3),
  // MP_UNREACH_NLRI after a reconfiguration, then FRR's Cease with a shutdown message.
  ipv6: {
    hosts: 2,
    captureOn: 0,
    async run(r) {
      const frr = await r.frr(1, 'frr.conf');
      const bird = await r.bird(0, 'bird.conf');
      await waitEstablished(bird, 'frr');
      await waitFor('BIRD to learn FRR routes', () => (birdRouteCount(bird, 'frr') >= 3 ? true : undefined), 30_000, 250);
      await waitOutput(frr, 'show bgp ipv6 unicast 2001:db8:103::1/128 json', (o) => o.includes('"paths"'), 'FRR to learn 2001:db8:103::1/128');
      r.birdReconfigure(bird, 'bird-withdraw.conf');
      await waitOutput(frr, 'show bgp ipv6 unicast 2001:db8:103::1/128 json', (o) => !o.includes('"paths"'), 'FRR to see the withdrawal');
      frr.query('configure terminal', 'router bgp 65002', 'neighbor 2001:db8::1 shutdown message "fx: planned work"');
      await waitFor('BIRD to drop the session', () => (birdState(bird, 'frr') !== 'Established' ? true : undefined), 10_000, 250);
    },
  },
  // An IPv4 session carrying IPv4 and IPv6 unicast (RFC 4760): IPv6 NLRI over IPv4 transport.
  'ipv6-over-ipv4': {
    hosts: 2,
    captureOn: 0,
    async run(r) {
      const frr = await r.frr(1, 'frr.conf');
      const bird = await r.bird(0, 'bird.conf');
      await waitEstablished(bird, 'frr');
      await waitFor('BIRD to learn FRR routes', () => (birdRouteCount(bird, 'frr') >= 2 ? true : undefined), 30_000, 250);
      await waitOutput(frr, 'show bgp ipv6 unicast 2001:db8:101::/56 json', (o) => o.includes('"paths"'), 'FRR to learn 2001:db8:101::/56');
      await sleep(500);
    },
  },
  // c. FRR reflects between two BIRD clients: ORIGINATOR_ID and CLUSTER_LIST (RFC 4456).
  'route-reflection': {
    hosts: 3,
    captureOn: 0,
    async run(r) {
      const frr = await r.frr(0, 'frr.conf');
      const b2 = await r.bird(1, 'bird2.conf');
      const b3 = await r.bird(2, 'bird3.conf');
      await waitEstablished(b2, 'reflector');
      await waitEstablished(b3, 'reflector');
      // Each client learns the other's two routes and the reflector's own one.
      await waitFor('clients to learn reflected routes', () =>
        (birdRouteCount(b2, 'reflector') >= 3 && birdRouteCount(b3, 'reflector') >= 3 ? true : undefined), 30_000, 250);
      void frr;
      await sleep(500);
    },
  },
  // d. ADD-PATH (RFC 7911): several paths per prefix, path ids in NLRI, both directions.
  'add-path': {
    hosts: 3,
    captureOn: 0,
    async run(r) {
      const frr = await r.frr(0, 'frr.conf');
      const tx = await r.bird(1, 'bird-tx.conf');
      const rx = await r.bird(2, 'bird-rx.conf');
      await waitEstablished(tx, 'transit');
      await waitEstablished(rx, 'transit');
      await waitFor('receiver to learn two paths per prefix', () =>
        (birdRouteCount(rx, 'transit') >= 5 ? true : undefined), 30_000, 250);
      void frr;
      await sleep(500);
    },
  },
  // e. Route refresh (RFC 2918) both ways, answered with BoRR ... EoRR (RFC 7313).
  'route-refresh': {
    hosts: 2,
    captureOn: 0,
    pcapng: true,
    async run(r) {
      const frr = await r.frr(1, 'frr.conf');
      const bird = await r.bird(0, 'bird.conf');
      await waitEstablished(bird, 'frr');
      await waitFor('BIRD to learn FRR routes', () => (birdRouteCount(bird, 'frr') >= 2 ? true : undefined), 30_000, 250);
      await waitOutput(frr, 'show bgp ipv6 unicast 2001:db8:100::/48 json', (o) => o.includes('"paths"'), 'FRR to learn BIRD routes');
      await sleep(1000);
      bird.query('reload in frr');
      await sleep(2000);
      frr.query('clear bgp ipv4 unicast 192.0.2.1 soft in');
      await sleep(2000);
      frr.query('clear bgp ipv6 unicast 192.0.2.1 soft in');
      await sleep(2000);
    },
  },
  // f. NOTIFICATIONs: Bad Peer AS, Cease/Administrative Shutdown with a message from each
  // side (RFC 9003), Hold Timer Expired (FRR stopped with SIGSTOP, then killed).
  notifications: {
    hosts: 2,
    captureOn: 0,
    async run(r) {
      const frr = await r.frr(1, 'frr.conf');
      const bird = await r.bird(0, 'bird-badas.conf');
      await waitOutput(bird, 'show protocols all frr', (o) => /Bad peer AS|Bad Peer AS/i.test(o), 'BIRD to reject the peer AS', 20_000);
      r.birdReconfigure(bird, 'bird.conf');
      await waitEstablished(bird, 'frr');
      await sleep(1500);
      frr.query('configure terminal', 'router bgp 65002', 'neighbor 192.0.2.1 shutdown message "fx: frr side maintenance"');
      await waitFor('BIRD to see the Cease', () => (birdState(bird, 'frr') !== 'Established' ? true : undefined), 10_000, 100);
      frr.query('configure terminal', 'router bgp 65002', 'no neighbor 192.0.2.1 shutdown');
      await waitEstablished(bird, 'frr');
      await sleep(1500);
      bird.query('disable', 'frr', '"maintenance"');
      await sleep(1000);
      bird.query('enable', 'frr');
      await waitEstablished(bird, 'frr');
      await sleep(1500);
      process.kill(frr.pid, 'SIGSTOP');
      await waitOutput(bird, 'show protocols all frr', (o) => /Hold timer expired/i.test(o), 'BIRD hold timer expiry', 15_000);
      process.kill(frr.pid, 'SIGKILL');
      bird.query('disable', 'frr');
    },
  },
  // g. A 2-octet-only peer: AS_TRANS, AS4_PATH, AS4_AGGREGATOR, AS_SET, ATOMIC_AGGREGATE.
  as2: {
    hosts: 2,
    captureOn: 0,
    async run(r) {
      const frr = await r.frr(1, 'frr.conf');
      const bird = await r.bird(0, 'bird.conf');
      await waitEstablished(bird, 'frr');
      await waitOutput(frr, 'show bgp ipv4 unicast 198.51.100.0/24 json', (o) => o.includes('"paths"'), 'FRR to aggregate');
      await waitFor('BIRD to learn the aggregates', () => (birdRouteCount(bird, 'frr') >= 3 ? true : undefined), 30_000, 250);
      await sleep(1000);
    },
  },
  // RFC 9234 roles: the Role capability and an OTC attribute, which contract 1 prints as
  // "unknown" (type, flags octet, hex).
  'roles-otc': {
    hosts: 2,
    captureOn: 0,
    async run(r) {
      const frr = await r.frr(1, 'frr.conf');
      const bird = await r.bird(0, 'bird.conf');
      await waitEstablished(bird, 'frr');
      await waitFor('BIRD to learn FRR routes', () => (birdRouteCount(bird, 'frr') >= 1 ? true : undefined), 30_000, 250);
      await waitOutput(frr, 'show bgp ipv4 unicast 198.51.101.0/24 json', (o) => o.includes('"paths"'), 'FRR to learn BIRD routes');
      await sleep(500);
    },
  },
  // UPDATEs of several KB across small TCP segments (TCP reassembly), then a withdrawal of
  // all of them (a large withdrawn-routes field).
  'large-update': {
    hosts: 2,
    captureOn: 0,
    async run(r) {
      // One MSS-sized segment per packet on the wire (no GSO super-packets in the capture).
      for (const i of [0, 1]) r.host(i).ns.exec('ip', ['link', 'set', 'dev', 'vr0', 'mtu', '576', 'gso_max_segs', '1']);
      const routes = Array.from({ length: 1200 }, (_, k) => `  route 10.${k >> 8}.${k & 255}.0/24 blackhole;`).join('\n');
      const frr = await r.frr(1, 'frr.conf');
      const bird = await r.bird(0, 'bird.conf', (t) => t.replace('  # ROUTES', routes));
      await waitEstablished(bird, 'frr');
      await waitOutput(frr, 'show bgp summary json', (o) => /"pfxRcd":1200\b/.test(o), 'FRR to learn 1200 routes');
      await sleep(1000);
      r.birdReconfigure(bird, 'bird-withdraw.conf');
      await waitOutput(frr, 'show bgp summary json', (o) => /"pfxRcd":1\b/.test(o), 'FRR to see the withdrawals');
      await sleep(1000);
    },
  },
  // RFC 5065 confederation: eBGP between member ASes, AS_CONFED_SEQUENCE in AS_PATH.
  confederation: {
    hosts: 2,
    captureOn: 0,
    async run(r) {
      const frr = await r.frr(1, 'frr.conf');
      const bird = await r.bird(0, 'bird.conf');
      await waitEstablished(bird, 'frr');
      await waitFor('BIRD to learn FRR routes', () => (birdRouteCount(bird, 'frr') >= 1 ? true : undefined), 30_000, 250);
      await waitOutput(frr, 'show bgp ipv4 unicast 198.51.101.0/24 json', (o) => o.includes('"paths"'), 'FRR to learn BIRD routes');
      await sleep(500);
    },
  },
};

function birdState(d: Daemon, proto: string): string | undefined {
  return /BGP state:\s+(\w+)/.exec(d.query('show protocols all', proto))?.[1];
}
