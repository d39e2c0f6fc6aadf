// Config files for bench/reflect: the BIRD 2 clients, and the four reflectors under test
// (vroute, BIRD 2, FRR bgpd, OpenBGPD). Everything on loopback; one AS (iBGP, RFC 4456 reflection).
export const ASN = 65000;
export const CLUSTER_ID = '10.255.0.1';
export const NEXT_HOP_NET = '198.51.100.0/24';

export interface Layout {
  /** Where the reflector listens: 127.0.0.1:port. */
  port: number;
  /** The injector's source address. */
  injector: string;
  /** The clients' addresses (127.NET.1.x, NET chosen per run). */
  clients: string[];
}

/**
 * A BIRD 2 route-reflector client: connects to the reflector, imports everything, exports
 * nothing. The static blackhole for the injector's next-hop network lets BIRD resolve the
 * iBGP next hop (gateway recursive), so every route is usable rather than unreachable.
 */
export function birdClient(addr: string, index: number, l: Layout): string {
  return `router id 10.253.0.${index + 1};
log stderr { warning, error, fatal };
protocol device { }
protocol static nh { ipv4; route ${NEXT_HOP_NET} blackhole; }
protocol bgp up {
  local ${addr} as ${ASN};
  neighbor 127.0.0.1 port ${l.port} as ${ASN};
  strict bind on;
  hold time 90;
  connect delay time 1;
  connect retry time 1;
  ipv4 { import all; export none; };
}
`;
}

/** BIRD 2 as the reflector: passive towards everyone, `rr client` for the K clients (RFC 4456). */
export function birdReflector(l: Layout): string {
  const peer = (name: string, addr: string, client: boolean): string => `protocol bgp ${name} {
  local 127.0.0.1 port ${l.port} as ${ASN};
  neighbor ${addr} as ${ASN};
  passive on;
  hold time 90;
${client ? '  rr client;\n' : ''}  rr cluster id ${CLUSTER_ID};
  ipv4 { import all; export where source = RTS_BGP; };
}
`;
  return `router id ${CLUSTER_ID};
log stderr { warning, error, fatal };
protocol device { }
protocol static nh { ipv4; route ${NEXT_HOP_NET} blackhole; }
${peer('inj', l.injector, false)}${l.clients.map((a, i) => peer(`c${i}`, a, true)).join('')}`;
}

/**
 * FRR bgpd as the reflector (run with -Z, no zebra). The injector is a client too, as it is
 * in vroute's config (dynamic range); reflection between clients is RFC 4456 6.
 */
export function frrReflector(l: Layout): string {
  const all = [l.injector, ...l.clients];
  return `frr defaults traditional
hostname bench-rr
log stdout warnings
!
router bgp ${ASN}
 bgp router-id ${CLUSTER_ID}
 bgp cluster-id ${CLUSTER_ID}
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 no bgp network import-check
${all.map((a) => ` neighbor ${a} remote-as ${ASN}\n neighbor ${a} passive\n neighbor ${a} timers 30 90\n`).join('')} !
 address-family ipv4 unicast
${all.map((a) => `  neighbor ${a} activate\n  neighbor ${a} route-reflector-client\n`).join('')} exit-address-family
!
`;
}

/**
 * OpenBGPD 7.7 bgpd as the reflector (bgpd.conf(5)). `route-reflector CLUSTER_ID` on every
 * neighbor makes them all clients, as in the FRR and vroute configs (RFC 4456 6). Since
 * OpenBGPD 6.4 the filter's default action is deny and the old `announce all` is gone: `allow
 * from any` / `allow to any` are the documented way to pass everything. `fib-update no`: the
 * kernel table is left alone. `nexthop qualify via default`: the injector's next hop
 * (198.51.100.1) is reachable only through this host's default route, and without it bgpd
 * would hold every path ineligible (bgpd(8), decision step 2). Its own control socket, so the
 * system default (/run/openbgpd/bgpd.sock.0) is never touched.
 */
export function openbgpdReflector(l: Layout, socket: string): string {
  const all = [l.injector, ...l.clients];
  return `AS ${ASN}
router-id ${CLUSTER_ID}
listen on 127.0.0.1 port ${l.port}
socket "${socket}"
fib-update no
nexthop qualify via default
holdtime 90
group "bench" {
  remote-as ${ASN}
  passive
  route-reflector ${CLUSTER_ID}
${all.map((a) => `  neighbor ${a}\n`).join('')}}
allow from any
allow to any
`;
}

/**
 * vroute's daemon config (DESIGN.md contract 2): every 127/8 peer is a client. `memory` is the
 * private in-process datastore (the default `embedded` is a file shared by every vroute process
 * on the host); a baseline build older than `memory` gets `embedded`, its in-process store then.
 * Dynamic ranges have a default maxPrefixes (100,000) that a 1M table would exceed: the range
 * lifts it, unless `maxPrefixes: false` (for a build that rejects the field and has no limit).
 */
export function vrouteReflector(
  l: Layout,
  apiPort: number,
  opts: { datastore?: string; maxPrefixes?: boolean } = {},
): string {
  return JSON.stringify(
    {
      name: 'bench-rr',
      routerId: CLUSTER_ID,
      asn: ASN,
      listen: { address: '127.0.0.1', port: l.port },
      reflector: { clusterId: CLUSTER_ID },
      neighbors: [],
      dynamicNeighbors: [
        {
          prefix: '127.0.0.0/8',
          asn: ASN,
          routeReflectorClient: true,
          holdTime: 90,
          families: ['ipv4-unicast'],
          ...(opts.maxPrefixes === false ? {} : { maxPrefixes: 2 ** 31 }),
        },
      ],
      datastore: opts.datastore ?? 'memory',
      api: `127.0.0.1:${apiPort}`,
      log: 'warn',
    },
    null,
    1,
  );
}
