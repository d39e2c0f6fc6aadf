// Reflection pipeline benchmark (not a test), without sockets: one injector client sends
// N IPv4 /24s in four attribute sets into the Rib; decide() batches feed one update group
// of K route-reflector clients; every client pulls (64 UPDATEs per pull, round robin, as
// sockets draining would) until all have everything. Measures the RIB + export + packing
// work a reflector does per table, and RSS. `wire`: the injector's table arrives as real
// UPDATE frames (built beforehand by the codec's builder, outside the timing) that are
// decoded, validated and ingested (decodeUpdate, validateUpdate, ingestUpdate) as a session
// would: the whole pipeline except TCP.
// Run: npm run build && node --expose-gc dist/bench/rib/reflect-bench.js [N K [late|wire]]
import { decodeUpdate, packAnnouncements, validateUpdate, type Prefix } from '../../src/bgp/messages';
import { ingestUpdate } from '../../src/rib/ingest';
import { IPV4_UNICAST } from '../../src/bgp/messages/types';
import { AttrStore, SegmentType } from '../../src/rib/attrs';
import { PeerTable } from '../../src/rib/peer';
import { Rib } from '../../src/rib/rib';
import { SimplePacker } from '../../src/routing/wire-encode';
import { receiveFilter } from '../../src/routing/rules';
import { UpdateGroups } from '../../src/routing/update-groups';

const gc = (globalThis as { gc?: () => void }).gc;
const mib = (n: number): string => (n / 1048576).toFixed(0);

function run(n: number, k: number, mode = ''): void {
  const late = mode === 'late';
  const wire = mode === 'wire';
  gc?.();
  const rss0 = process.memoryUsage().rss;
  let peakRss = rss0;
  const local = { asn: 65000, routerId: 0x0a000001, clusterId: 0x0a000001 };
  const store = new AttrStore();
  const peers = new PeerTable();
  const rib = new Rib({
    family: IPV4_UNICAST,
    peers,
    attrs: store,
    importFilter: receiveFilter(local, store),
    initialPrefixes: n,
  });
  const groups = new UpdateGroups(rib, store, local, new SimplePacker(IPV4_UNICAST));
  const ctx = { fourOctetAs: true, extendedMessage: false, addPath: new Set<number>() };
  const sig = {
    family: IPV4_UNICAST,
    target: { role: 'ibgp-client' as const, asn: 65000 },
    addPath: 'none' as const,
    ctx,
  };
  const injector = peers.add({
    address: '10.0.1.1',
    asn: 65000,
    localAsn: 65000,
    routerId: 0x0a000101,
    rrClient: true,
  });
  groups.join(injector, sig);
  const clientPeers = Array.from({ length: k }, (_, i) =>
    peers.add({ address: `10.0.2.${i + 1}`, asn: 65000, localAsn: 65000, routerId: 0x0a000201 + i, rrClient: true }),
  );
  const clients = clientPeers.map((p) => p.index);
  // `late`: clients connect after the table is in (a reflector restart, a new node).
  if (!late) for (const p of clientPeers) groups.join(p, sig);
  const sets = [0, 1, 2, 3].map((i) =>
    store.intern({
      origin: 0,
      asPath: [{ type: SegmentType.AsSequence, asns: [64512 + i] }],
      nextHop: Uint8Array.of(10, 0, 1, 1),
      localPref: 100,
    }),
  );
  const bytes = new Array<number>(k).fill(0);
  // Pre-built frames for `wire`: 4 attribute sets, prefixes interleaved as above.
  const frames: Uint8Array[] = [];
  if (wire) {
    const CH = 16384;
    for (let i = 0; i < n; i += CH) {
      for (let s = 0; s < 4; s++) {
        const ps: Prefix[] = [];
        for (let j = i + s; j < Math.min(n, i + CH); j += 4)
          ps.push({ afi: 1, addr: (0x0b000000 + j * 256) >>> 0, len: 24 });
        frames.push(
          ...packAnnouncements(
            { origin: 0, asPath: [{ type: 2, asns: [64512 + s] }], nextHop: 0x0a000101, localPref: 100 },
            IPV4_UNICAST,
            ps,
            ctx,
          ),
        );
      }
    }
  }
  const ribs = new Map([[IPV4_UNICAST, rib]]);
  const session = { ebgp: false, peerAs: 65000, fourOctetAs: true };
  const t0 = process.hrtime.bigint();
  const pullAll = (): number => {
    let moved = 0;
    for (let c = 0; c < k; c++) {
      for (const b of groups.pull(clients[c], 64)) {
        bytes[c] += b.length;
        moved++;
      }
    }
    // The injector is a member too and its socket drains like the others (it is sent
    // nothing: its own routes are not reflected back), so the group never sits on a backlog.
    groups.pull(injector.index, 64);
    return moved;
  };
  // The injector's UPDATEs arrive in chunks; decisions and pulls interleave as in the daemon.
  const CHUNK = 16384;
  let f = 0;
  for (let i = 0; i < n; i += CHUNK) {
    if (wire) {
      // About one chunk's worth of frames (~1000 /24s per 4096-octet UPDATE).
      for (let stop = Math.min(frames.length, f + Math.ceil(CHUNK / 1000)); f < stop; f++) {
        const u = decodeUpdate(frames[f]!, ctx);
        const v = validateUpdate(u, session);
        ingestUpdate(ribs, store, injector.index, u, { fourOctetAs: true, attributes: v.attributes, action: v.action });
      }
    } else {
      for (let j = i; j < Math.min(n, i + CHUNK); j++)
        rib.announce4(injector.index, (0x0b000000 + j * 256) >>> 0, 24, 0, sets[j & 3]);
    }
    for (let ch = rib.decide(4096); ch.length > 0; ch = rib.decide(4096)) groups.apply(ch);
    pullAll();
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  for (; f < frames.length; f++) {
    const u = decodeUpdate(frames[f]!, ctx);
    ingestUpdate(ribs, store, injector.index, u, {
      fourOctetAs: true,
      attributes: validateUpdate(u, session).attributes,
    });
  }
  for (let ch = rib.decide(4096); ch.length > 0; ch = rib.decide(4096)) groups.apply(ch);
  if (late) for (const p of clientPeers) groups.join(p, sig);
  while (pullAll() > 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const mb = bytes[0] / 1e6;
  console.log(
    `N=${String(n).padStart(8)} K=${String(k).padStart(2)}${mode ? ` ${mode}` : ''}  ${s.toFixed(2)} s  ` +
      `${(n / s / 1e6).toFixed(2)} M prefixes/s in  ${((n * k) / s / 1e6).toFixed(2)} M prefixes/s out  ` +
      `${mb.toFixed(1)} MB/client  peak RSS ${mib(peakRss)} MiB (+${mib(peakRss - rss0)})`,
  );
  // Live members share Buffers (identical bytes); a late joiner's catch-up packs on its own.
  if (rib.locRibSize !== n) throw new Error(`Loc-RIB holds ${rib.locRibSize}, expected ${n}`);
  if (!late && !bytes.every((b) => b === bytes[0]))
    throw new Error(`clients got different byte counts: ${[...new Set(bytes)].join(' ')}`);
  if (!bytes.every((b) => b >= n * 4)) throw new Error('a client is missing prefixes');
}

const [n, k] = process.argv.slice(2, 4).map(Number);
console.log(`node ${process.version}, ${process.platform} ${process.arch}`);
if (n && k) run(n, k, process.argv[4] ?? '');
else
  for (const [nn, kk] of [
    [100_000, 4],
    [100_000, 16],
    [500_000, 4],
    [1_000_000, 2],
    [1_000_000, 16],
  ])
    run(nn, kk);
