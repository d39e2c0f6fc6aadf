// Runs inside a test namespace (`ip netns exec NS node fib-child.js`): drives a kernel FIB
// sink (or a raw rtnetlink batch) by JSON commands on stdin, one per line, and answers each
// with one JSON line on stdout ({ok: ...} or {error: ...}); log lines come as {log: ...}.
import * as readline from 'node:readline';
import { openKernelFib, type FibSink } from '../../src/node/fib';
import { RouteOwner } from '../../src/node';
import { bgpStandIn, type BgpStandIn } from '../helpers/bgp-routes';
import { AF_INET, NlBatch, RtnlSocket, parseInetAddr, parseInetPrefix, rtnl, type InetPrefix } from '../../src/sys';

const out = (o: unknown): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};
const log =
  (level: string) =>
  (obj: object, msg?: string): void =>
    out({ log: { level, msg, ...obj } });
const logger = { info: log('info'), warn: log('warn'), debug: (): void => {} };
let fib: FibSink | undefined;
let owner: RouteOwner | undefined;
let bgp: BgpStandIn | undefined;

type Cmd = { cmd: string; [k: string]: unknown };

async function run(c: Cmd): Promise<unknown> {
  switch (c.cmd) {
    case 'open':
      fib = await openKernelFib({ ...(c.opts as object), log: logger });
      return fib.stats();
    case 'set':
      for (const r of c.routes as never[]) fib!.set(r);
      // Deletes in the same turn as the sets: the sink must coalesce them.
      for (const p of (c.deletes ?? []) as string[]) fib!.delete(p);
      return null;
    case 'delete':
      for (const p of c.prefixes as string[]) fib!.delete(p);
      return null;
    case 'syncDone':
      fib!.syncDone();
      return null;
    case 'flushed':
      await fib!.flushed();
      return fib!.stats();
    case 'stats':
      return fib!.stats();
    // RouteOwner over the sink: BGP's face and the dataplane's (route-owner-kernel.test.ts).
    case 'owner':
      owner = new RouteOwner(fib!, true);
      bgp = bgpStandIn(owner);
      return null;
    case 'bgpSet':
      for (const r of c.routes as { prefix: string; nextHops: [] }[]) bgp!.set(r.prefix, r.nextHops);
      await fib!.flushed();
      return null;
    case 'localSet':
      for (const [p, dev] of c.routes as [string, string][]) owner!.routeTable.setDeviceRoute(p, dev);
      return null;
    case 'localDelete':
      for (const p of c.prefixes as string[]) owner!.routeTable.delete(p);
      return null;
    case 'localApply':
      return Object.fromEntries(await owner!.routeTable.apply(c.resync === true));
    case 'close':
      await fib!.close();
      return null;
    case 'raw': {
      // One batch straight through the socket shell: [prefix, gateway] pairs, IPv4.
      const s = RtnlSocket.open();
      if (s instanceof Error) throw s;
      const b = new NlBatch();
      const pairs = c.routes as [string, string][];
      const seq = s.takeSeq(pairs.length);
      pairs.forEach(([p, gw], i) => {
        const dst = parseInetPrefix(p) as InetPrefix;
        b.addRoute(rtnl.RTM_NEWROUTE, rtnl.NLM_F_ACK | rtnl.NLM_F_CREATE | rtnl.NLM_F_EXCL, seq + i, {
          family: AF_INET,
          dst: dst.bytes,
          dstLen: dst.len,
          table: 254,
          protocol: 201,
          priority: 0,
          type: rtnl.RTN_UNICAST,
          scope: rtnl.RT_SCOPE_UNIVERSE,
          nextHops: [{ gateway: parseInetAddr(gw)!.bytes }],
        });
      });
      const r = s.exchange(b, seq);
      s.close();
      if (r instanceof Error) throw r;
      return r.acks;
    }
    default:
      throw new Error(`unknown command ${c.cmd}`);
  }
}

let chain = Promise.resolve();
readline
  .createInterface({ input: process.stdin })
  .on('line', (line) => {
    const c = JSON.parse(line) as Cmd;
    chain = chain.then(async () => {
      try {
        out({ ok: await run(c) });
      } catch (e) {
        out({ error: (e as Error).message });
      }
    });
  })
  .on('close', () => {
    void chain.then(() => process.exit(0));
  });
out({ ready: true });
