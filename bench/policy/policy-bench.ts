// What per-session routing settings cost in the routing engine: import policy (prefix list,
// LOCAL_PREF, community add), export policy (community match, MED, community delete), and
// ADD-PATH send 'all' (RFC 7911) against best-path only, with fake sessions (no sockets).
// One source client announces N /24s in packed UPDATEs (two sources for the ADD-PATH rows);
// one receiver client is sent the result. Prints per row: ingest time (UPDATEs -> Adj-RIB-In)
// and decide+fan-out time (Loc-RIB -> encoded UPDATEs written), medians of TRIALS runs; for
// fan-out also this process's CPU time (user + system: less swayed by other load on a shared
// machine than wall time) and that CPU time per path sent (ns/path: ADD-PATH sends each).
//   npm run bench -- policy      (env N=100000,1000000 TRIALS=3 ROWS=label-substring to change)
import {
  IPV4_UNICAST,
  decodeUpdate,
  packAnnouncements,
  parsePrefix,
  type CodecContext,
  type Prefix,
  type UpdateMessage,
} from '../../src/bgp/messages';
import { RoutingEngine, type SessionHandle, type SessionSettings } from '../../src/routing';
import { validateConfig } from '../../src/config';
import { silentLogger } from '../../src/observability';
import { FakeSessionBase } from '../../test/helpers/sessions';

const CTX: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set() };
const CTX_AP: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set([IPV4_UNICAST]) };

class FakeSession extends FakeSessionBase implements SessionHandle {
  bytes = 0;
  readonly negotiated: { families: number[]; fourOctetAs: boolean; tx: CodecContext };
  readonly config: SessionHandle['config'];
  constructor(
    address: string,
    readonly remoteBgpId: number,
    tx = CTX,
  ) {
    super();
    this.config = { address, asn: 65000, routeReflectorClient: true };
    this.negotiated = { families: [IPV4_UNICAST], fourOctetAs: true, tx };
  }
  write(b: Uint8Array): boolean {
    this.bytes += b.length;
    return true;
  }
  setPrefixCounts(): void {}
}

// 0.0.0.0/0 ge 24 le 24 after one deny: every /24 walks two entries.
const defs = validateConfig({
  routerId: '10.0.0.1',
  asn: 65000,
  prefixLists: {
    blocks: [
      { action: 'deny', prefix: '192.0.2.0/24' },
      { action: 'permit', prefix: '0.0.0.0/0', ge: 24, le: 24 },
    ],
  },
  policies: {
    imp: [
      { match: { prefixList: 'blocks' }, action: 'accept', set: { localPref: 150, communities: { add: ['65000:1'] } } },
      { action: 'reject' },
    ],
    exp: [
      { match: { community: ['65000:9'] }, action: 'accept', set: { med: 5, communities: { delete: ['65000:9'] } } },
      { action: 'accept' },
    ],
  },
});

interface Row {
  readonly label: string;
  readonly src: SessionSettings;
  readonly recv: SessionSettings;
  readonly recvTx: CodecContext;
  readonly sources: number;
}
const ROWS: Row[] = [
  { label: 'no policy', src: {}, recv: {}, recvTx: CTX, sources: 1 },
  { label: 'import policy', src: { importPolicy: 'imp' }, recv: {}, recvTx: CTX, sources: 1 },
  { label: 'export policy', src: {}, recv: { exportPolicy: 'exp' }, recvTx: CTX, sources: 1 },
  { label: '2 sources, best path', src: {}, recv: {}, recvTx: CTX, sources: 2 },
  { label: '2 sources, ADD-PATH all', src: {}, recv: { addPathSend: 'all' }, recvTx: CTX_AP, sources: 2 },
];

const tick = () => new Promise((r) => setImmediate(r));
const ms = (a: bigint, b: bigint) => Number(b - a) / 1e6;

interface Result {
  ingest: number;
  fanout: number;
  cpu: number;
  bytes: number;
}

async function trial(row: Row, msgs: UpdateMessage[][], n: number): Promise<Result> {
  const e = new RoutingEngine({
    asn: 65000,
    routerId: '10.0.0.1',
    clusterId: '10.0.0.1',
    logger: silentLogger,
    families: [IPV4_UNICAST],
    policies: defs,
  });
  const srcs = Array.from({ length: row.sources }, (_, k) => new FakeSession(`192.0.2.${k + 2}`, k + 2));
  const recv = new FakeSession('192.0.2.100', 100, row.recvTx);
  for (const s of srcs) {
    e.attach(s, row.src);
    s.established();
  }
  e.attach(recv, row.recv);
  recv.established();
  await tick();
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < row.sources; k++) for (const u of msgs[k]!) srcs[k]!.deliver(u);
  const t1 = process.hrtime.bigint();
  const c1 = process.cpuUsage();
  // Done when the Loc-RIB is complete and a few idle turns passed without more bytes.
  let last = -1;
  let idle = 0;
  while (idle < 3) {
    await tick();
    if (e.locRibSize(IPV4_UNICAST) >= n && recv.bytes === last) idle++;
    else idle = 0;
    last = recv.bytes;
  }
  const t2 = process.hrtime.bigint();
  const c2 = process.cpuUsage(c1);
  e.close();
  return { ingest: ms(t0, t1), fanout: ms(t1, t2), cpu: (c2.user + c2.system) / 1000, bytes: recv.bytes };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function main(): Promise<void> {
  const sizes = (process.env.N ?? '100000,1000000').split(',').map(Number);
  const trials = Number(process.env.TRIALS ?? 3);
  const gc = (globalThis as { gc?: () => void }).gc;
  console.log(`# policy bench: Node ${process.version}, ${new Date().toISOString()}, medians of ${trials}`);
  for (const n of sizes) {
    const prefixes: Prefix[] = [];
    // 10.0.0.0/24 upwards: 65536 /24s per /8.
    for (let i = 0; i < n; i++) prefixes.push(parsePrefix(`${10 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`)!);
    for (const row of ROWS.filter((r) => !process.env.ROWS || r.label.includes(process.env.ROWS))) {
      const msgs = Array.from({ length: row.sources }, (_, k) =>
        packAnnouncements(
          {
            origin: 0,
            asPath: [],
            nextHop: `192.0.2.${k + 2}`,
            localPref: 100 + k,
            communities: [((65000 << 16) | 9) >>> 0],
          } as never,
          IPV4_UNICAST,
          prefixes,
          CTX,
        ).map((m) => decodeUpdate(m, CTX)),
      );
      const r: Result[] = [];
      for (let t = 0; t < trials; t++) {
        gc?.();
        r.push(await trial(row, msgs, n));
      }
      const ing = median(r.map((x) => x.ingest));
      const fan = median(r.map((x) => x.fanout));
      const cpu = median(r.map((x) => x.cpu));
      const paths = n * row.sources;
      // Paths sent: every path with ADD-PATH, else the best of each prefix.
      const sent = row.recv.addPathSend ? paths : n;
      console.log(
        `N=${String(n).padStart(7)} ${row.label.padEnd(24)} ingest ${ing.toFixed(0).padStart(6)} ms ` +
          `(${(paths / ing / 1000).toFixed(2)} M paths/s)  decide+fan-out ${fan.toFixed(0).padStart(6)} ms ` +
          `(cpu ${cpu.toFixed(0).padStart(6)} ms, ${((cpu * 1e6) / sent).toFixed(0).padStart(4)} ns/path sent)  sent ${(r[0]!.bytes / 1e6).toFixed(1)} MB`,
      );
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
