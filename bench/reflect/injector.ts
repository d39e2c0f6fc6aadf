// The bench/reflect injector (issue 4, in the manner of bgperf): one iBGP session to the
// reflector under test that writes N IPv4 /24s, pre-built as packed UPDATEs before the
// session starts (so the timing measures the reflector, not the injector), in four
// attribute sets, then End-of-RIB (RFC 4724 2). Next hop 198.51.100.1 (RFC 5737
// documentation space: FRR treats 127/8 next hops as martians). Writes respect
// back-pressure. Prints `ESTABLISHED <epoch ms>` and `SENT <epoch ms> <bytes>` on stdout, then
// stays up until SIGTERM (a reflector withdraws a peer's routes when its session goes).
// Run: node dist/bench/reflect/injector.js HOST:PORT LOCAL_ADDRESS N [ASN=65000]
import { endOfRib, packAnnouncements, type PathAttributes, type Prefix } from '../../src/bgp/messages';
import { IPV4_UNICAST, type CodecContext } from '../../src/bgp/messages/types';
import { Speaker } from '../../src/bgp/fsm';
import { createLogger } from '../../src/observability';
import { sessionEvents } from '../../test/helpers/sessions';

/** First prefix 20.0.0.0/24; 1M /24s run to 35.255.255.0/24. */
const BASE = 20 << 24;
/** Prefixes per attribute-set block: sets alternate every 4096 /24s. */
const BLOCK = 4096;

/** The four attribute sets: iBGP (LOCAL_PREF, RFC 4271 5.1.5), distinct AS_PATHs. */
export function attributeSet(s: number): PathAttributes {
  return {
    origin: 0,
    asPath: [{ type: 2, asns: [64512 + s] }],
    nextHop: 0xc6336401 /* 198.51.100.1 */,
    localPref: 100,
  };
}

/** N /24s as packed UPDATEs (4096-octet messages) for a session with `ctx`. */
export function buildUpdates(n: number, ctx: CodecContext): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i += BLOCK) {
    const ps: Prefix[] = [];
    for (let j = i; j < Math.min(n, i + BLOCK); j++) ps.push({ afi: 1, addr: (BASE + j * 256) >>> 0, len: 24 });
    for (const u of packAnnouncements(attributeSet((i / BLOCK) & 3), IPV4_UNICAST, ps, ctx)) out.push(u);
  }
  out.push(endOfRib(IPV4_UNICAST));
  return out;
}

async function main(): Promise<void> {
  const [target, local, nArg, asnArg] = process.argv.slice(2);
  const m = /^(.+):(\d+)$/.exec(target ?? '');
  if (!m || !local || !nArg) throw new RangeError('usage: injector HOST:PORT LOCAL_ADDRESS N [ASN]');
  const n = Number(nArg);
  const asn = Number(asnArg ?? 65000);
  // Built for 4-octet AS, no extended messages, no ADD-PATH; checked against the OPENs below.
  const ctx: CodecContext = { fourOctetAs: true, extendedMessage: false, addPath: new Set() };
  const updates = buildUpdates(n, ctx);
  const bytes = updates.reduce((a, u) => a + u.length, 0);
  const speaker = new Speaker({ asn, routerId: '10.254.255.1', logger: createLogger({ level: 'error' }) });
  const peer = speaker.addPeer({
    address: m[1]!,
    port: Number(m[2]),
    localAddress: local,
    asn,
    passive: false,
    holdTime: 90,
    connectRetryTime: 1,
    families: [IPV4_UNICAST],
    routeReflectorClient: false,
  });
  const events = sessionEvents(peer);
  let sending = false;
  events.on('established', () => {
    process.stdout.write(`ESTABLISHED ${Date.now()}\n`);
    const neg = peer.negotiated;
    if (!neg?.fourOctetAs) {
      process.stderr.write('injector: the reflector did not agree 4-octet AS; UPDATEs were built for it\n');
      process.exit(1);
    }
    if (sending) return;
    sending = true;
    let i = 0;
    // Write until the socket buffer is full, continue on 'drain' (back-pressure).
    const pump = (): void => {
      while (i < updates.length) {
        if (!peer.write(updates[i++]!)) return;
      }
      events.off('drain', pump);
      process.stdout.write(`SENT ${Date.now()} ${bytes}\n`);
    };
    events.on('drain', pump);
    pump();
  });
  events.on('down', (why: string) => process.stderr.write(`injector: session down: ${why}\n`));
  const stop = (): void => {
    setTimeout(() => process.exit(0), 3000).unref();
    void speaker.stop('bench over').then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`READY ${updates.length} updates ${bytes} bytes\n`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`injector: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
