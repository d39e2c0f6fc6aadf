// A stand-in for FibFeed's side of the RouteOwner (tests that drive the owner without a Rib):
// BGP's route per prefix given as text, handed to the owner as address words, as FibFeed does,
// and read back by the owner when a device route or blackhole over it goes.
import type { FibNextHop, RouteOwner } from '../../src/node';
import { V6, prefixWords, wordsText } from '../../src/node/fib/prefix-text';

export interface BgpStandIn {
  set(prefix: string, nextHops: FibNextHop[]): void;
  delete(prefix: string): void;
}

export function bgpStandIn(owner: RouteOwner): BgpStandIn {
  const routes = new Map<string, FibNextHop[]>();
  owner.bgpFrom({ bgpRoute: (v6, words, len) => routes.get(wordsText(v6, words, len)) });
  const parse = (prefix: string): { v6: boolean; words: Uint32Array; len: number; key: string } => {
    const words = new Uint32Array(4);
    const r = prefixWords(prefix, new Uint8Array(4), words);
    if (r instanceof RangeError) throw r;
    const v6 = r >= V6;
    return { v6, words, len: r & 0xff, key: wordsText(v6, words, r & 0xff) };
  };
  return {
    set(prefix, nextHops) {
      const p = parse(prefix);
      routes.set(p.key, nextHops);
      owner.bgpChanged(p.v6, p.words, p.len, nextHops);
    },
    delete(prefix) {
      const p = parse(prefix);
      routes.delete(p.key);
      owner.bgpChanged(p.v6, p.words, p.len, undefined);
    },
  };
}
