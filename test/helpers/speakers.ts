// Two BGP speakers over real TCP on loopback, as the session tests set them up: `a` listens on
// 127.0.0.1 (a free port), `b` only connects out; both are stopped after the test body,
// whatever it threw (b first, so a sees its session end). And the poll the tests wait with.
import { Speaker, type PeerSessionConfig, type SpeakerOptions } from '../../src/bgp/fsm';
import { IPV4_UNICAST } from '../../src/bgp/messages';
import { silentLogger } from '../../src/observability';

export const TEST_ASN = 65000;

/** Polls `pred` every 50 ms until true; throws naming `what` after `ms`. */
export async function until(what: string, pred: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Router ID 10.0.0.1 of TEST_ASN, listening on 127.0.0.1 (a free port: listenPort once started). */
export function listeningSpeaker(extra: Partial<SpeakerOptions> = {}): Speaker {
  return new Speaker({
    asn: TEST_ASN,
    routerId: '10.0.0.1',
    listen: { address: '127.0.0.1', port: 0 },
    logger: silentLogger,
    ...extra,
  });
}

/**
 * A neighbor that connects to us from `address` (a raw test client or another speaker) for
 * IPv4 unicast; we never connect out to it. Hold time 3 s, a route reflector client, unless
 * `extra` says otherwise.
 */
export function passivePeer(address: string, extra: Partial<PeerSessionConfig> = {}): PeerSessionConfig {
  return {
    address,
    port: 179,
    asn: TEST_ASN,
    passive: true,
    holdTime: 3,
    connectRetryTime: 2,
    families: [IPV4_UNICAST],
    routeReflectorClient: true,
    ...extra,
  };
}

export interface SpeakerPair {
  /** Router ID 10.0.0.1, listening on 127.0.0.1 (its port: a.listenPort), started. */
  readonly a: Speaker;
  /** Router ID 10.0.0.2, no listener. */
  readonly b: Speaker;
}

export interface SpeakerPairOptions {
  readonly a?: Partial<SpeakerOptions>;
  readonly b?: Partial<SpeakerOptions>;
}

export async function withSpeakers(body: (s: SpeakerPair) => Promise<void>): Promise<void>;
export async function withSpeakers(opts: SpeakerPairOptions, body: (s: SpeakerPair) => Promise<void>): Promise<void>;
export async function withSpeakers(
  x: SpeakerPairOptions | ((s: SpeakerPair) => Promise<void>),
  y?: (s: SpeakerPair) => Promise<void>,
): Promise<void> {
  const opts = typeof x === 'function' ? {} : x;
  const body = typeof x === 'function' ? x : (y as (s: SpeakerPair) => Promise<void>);
  const a = listeningSpeaker(opts.a);
  const b = new Speaker({ asn: TEST_ASN, routerId: '10.0.0.2', logger: silentLogger, ...opts.b });
  try {
    await a.start();
    await body({ a, b });
  } finally {
    await b.stop();
    await a.stop();
  }
}
