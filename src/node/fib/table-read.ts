// The kernel table read back: our routes (one table, one protocol) of both families, each
// handed over with its next-hop key (hops.ts; through nexthop objects, nexthop-objects.ts
// keyOf), and ours at another metric apart. The FIB sink
// reads it at start, every scanSeconds, and whenever answers were lost or links changed. Also
// the link and address dumps the next hops are resolved against (hops.ts).
import { AF_INET, AF_INET6, NlBatch, rtnl, type NlRoute, type RtnlSocket, type SysError } from '../../sys';
import type { Dumper } from './hops';

export interface TableReader {
  /** A new attempt starts: forget what the last one reported. */
  restart(): void;
  /** One route of ours at our metric and its next-hop key. */
  found1(route: NlRoute, key: string): void;
}

/**
 * Dumps the table; returns ours at another metric (an older configuration). A dump
 * interrupted by concurrent changes (NLM_F_DUMP_INTR) is taken again, up to three times; the
 * third is taken as it is (the periodic re-read fixes what it missed).
 */
export async function readTable(
  sock: RtnlSocket,
  table: number,
  protocol: number,
  metric: number,
  into: TableReader,
  keyOf: (r: NlRoute) => string,
): Promise<NlRoute[] | SysError> {
  for (let attempt = 0; ; attempt++) {
    into.restart();
    const strays: NlRoute[] = [];
    let interrupted = false;
    for (const family of [AF_INET, AF_INET6]) {
      const req = new NlBatch(64);
      const seq = sock.takeSeq(1);
      req.addDump(rtnl.RTM_GETROUTE, family, seq, { table, protocol });
      const r = await sock.dump(req, seq, (b, m) => {
        if (m.type !== rtnl.RTM_NEWROUTE) return;
        const route = rtnl.decodeRoute(b, m);
        // An older kernel ignores the dump filter: ours are picked out here again.
        if (!route || route.table !== table || route.protocol !== protocol || route.flags! & rtnl.RTM_F_CLONED) return;
        if (route.priority !== metric) {
          strays.push(route);
          return;
        }
        into.found1(route, keyOf(route));
      });
      if (r instanceof Error) return r;
      interrupted ||= r.interrupted;
    }
    if (interrupted && attempt < 2) continue;
    return strays;
  }
}

/** Link and address dumps (NextHops.refresh) on `sock`. */
export function linkDumper(sock: RtnlSocket): Dumper {
  return async (type, onMessage) => {
    const req = new NlBatch(64);
    const seq = sock.takeSeq(1);
    req.addDump(type, 0, seq);
    const r = await sock.dump(req, seq, onMessage);
    return r instanceof Error ? r : undefined;
  };
}
