// RIB benchmark (not a test): N IPv4 /24s from one iBGP peer into Adj-RIB-In + Loc-RIB, then
// the same N from a second peer (a worse path: every prefix re-decided, best unchanged),
// then peer 1 down (every prefix fails over). Prints rates and RSS.
// Run: npm run build && node --expose-gc dist/bench/rib/rib-bench.js [N...]
import { IPV4_UNICAST } from '../../src/bgp/messages/types';
import { AttrStore, SegmentType } from '../../src/rib/attrs';
import { PeerTable } from '../../src/rib/peer';
import { Rib } from '../../src/rib/rib';

const gc = (globalThis as { gc?: () => void }).gc;
const mib = (n: number): string => (n / 1048576).toFixed(0);

function run(n: number): void {
  gc?.();
  const rss0 = process.memoryUsage().rss;
  const store = new AttrStore();
  const peers = new PeerTable();
  const rib = new Rib({ family: IPV4_UNICAST, peers, attrs: store });
  const p1 = peers.add({ address: '10.0.0.2', asn: 65000, localAsn: 65000, routerId: 0x0a000002 });
  const p2 = peers.add({ address: '10.0.0.3', asn: 65000, localAsn: 65000, routerId: 0x0a000003 });
  // Four distinct attribute sets, as in the bench/reflect setup.
  const sets = [0, 1, 2, 3].map((i) =>
    store.intern({
      origin: 0,
      asPath: [{ type: SegmentType.AsSequence, asns: [64512 + i] }],
      nextHop: Uint8Array.of(10, 0, 0, 2),
      localPref: 100,
    }),
  );
  const worse = store.intern({
    origin: 2,
    asPath: [{ type: SegmentType.AsSequence, asns: [64600, 64601] }],
    nextHop: Uint8Array.of(10, 0, 0, 3),
    localPref: 100,
  });

  const base = 0x0b000000; // 11.0.0.0: 1M /24s span 11.0.0.0 - 26.255.255.0
  const drain = (): number => {
    let changes = 0;
    for (let c = rib.decide(4096); c.length > 0; c = rib.decide(4096)) changes += c.length;
    return changes;
  };
  const phase = (name: string, fn: () => void): void => {
    const t0 = process.hrtime.bigint();
    fn();
    const changes = drain();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const rss = process.memoryUsage().rss;
    gc?.();
    const m = process.memoryUsage();
    console.log(
      `${String(n).padStart(8)}  ${name.padEnd(22)} ${s.toFixed(3)} s  ${(n / s / 1e6).toFixed(2)} M prefixes/s  ` +
        `changes ${changes}  RSS ${mib(rss)} MiB (+${mib(rss - rss0)}), after GC: heap ${mib(m.heapUsed)} MiB, typed arrays ${mib(m.arrayBuffers)} MiB`,
    );
  };
  phase('peer 1 announce', () => {
    for (let i = 0; i < n; i++) rib.announce4(p1.index, (base + i * 256) >>> 0, 24, 0, sets[i & 3]);
  });
  phase('peer 2 same prefixes', () => {
    for (let i = 0; i < n; i++) rib.announce4(p2.index, (base + i * 256) >>> 0, 24, 0, worse);
  });
  phase('peer 1 down', () => rib.peerDown(p1.index));
  if (rib.locRibSize !== n) throw new Error(`Loc-RIB holds ${rib.locRibSize}, expected ${n}`);
}

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((x) => x > 0);
console.log(`node ${process.version}, ${process.platform} ${process.arch}`);
for (const n of sizes.length ? sizes : [10_000, 100_000, 1_000_000]) run(n);
