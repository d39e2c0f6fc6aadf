// NexthopObjects (src/node/fib/nexthop-objects.ts) against a fake socket: the fallback when
// the kernel refuses nexthop objects, adoption by content, ids that avoid everyone's, groups
// made after their members, and a refused object going inline. The real kernel's side is
// fib-nexthop.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NexthopObjects, INLINE, PENDING, type NhSocket } from '../../src/node/fib/nexthop-objects';
import { KeyTable } from '../../src/node/fib/table';
import { hopsKey } from '../../src/node/fib/hops';
import { AF_INET, NlBatch, SysError, parseInetAddr, rtnl, type NlAck, type NlNexthop } from '../../src/sys';

const v4 = (s: string): Uint8Array => parseInetAddr(s)!.bytes;

interface Logged {
  level: string;
  msg?: string;
  obj: object;
}

/** A socket whose nexthop dump returns `objects` (or fails with `dumpErrno`) and whose batches are answered by `answer`. */
function fakeSocket(opts: {
  objects?: NlNexthop[];
  dumpErrno?: number;
  answer?: (nh: NlNexthop, type: number) => number;
}): NhSocket & { sent: { type: number; nh: NlNexthop }[] } {
  let seq = 1;
  const sent: { type: number; nh: NlNexthop }[] = [];
  return {
    sent,
    takeSeq(n) {
      const s = seq;
      seq += n;
      return s;
    },
    async dump(_req, _seq, onMessage) {
      if (opts.dumpErrno) return new SysError('netlink dump', opts.dumpErrno, 'EOPNOTSUPP');
      const b = new NlBatch(256);
      for (const o of opts.objects ?? []) b.addNexthop(rtnl.RTM_NEWNEXTHOP, 0, _seq, o);
      const bytes = Buffer.from(b.bytes());
      for (const m of rtnl.messages(bytes, bytes.length)) onMessage(bytes, m);
      return { interrupted: false };
    },
    exchange(batch, firstSeq) {
      const bytes = batch.bytes();
      const acks: NlAck[] = [];
      for (const m of rtnl.messages(bytes, bytes.length)) {
        const nh = rtnl.decodeNexthop(bytes, m)!;
        sent.push({ type: m.type, nh });
        acks.push({ seq: m.seq, errno: opts.answer?.(nh, m.type) ?? 0 });
      }
      assert.equal(acks[0]?.seq ?? firstSeq, firstSeq);
      return { acks };
    },
  };
}

function logger(): {
  log: { info(o: object, m?: string): void; warn(o: object, m?: string): void; debug(): void };
  lines: Logged[];
} {
  const lines: Logged[] = [];
  return {
    lines,
    log: {
      info: (obj, msg) => lines.push({ level: 'info', msg, obj }),
      warn: (obj, msg) => lines.push({ level: 'warn', msg, obj }),
      debug: () => {},
    },
  };
}

const single = (id: number, gw: string, ifindex: number, protocol = 200): NlNexthop => ({
  id,
  family: AF_INET,
  protocol,
  flags: 0,
  gateway: v4(gw),
  ifindex,
});
const key = (...hops: [string, number][]): string => hopsKey(hops.map(([text, ifindex]) => ({ text, ifindex })));

test('a kernel that refuses nexthop objects (EOPNOTSUPP): one info line, every route inline, inline routes keep their keys', async () => {
  const { log, lines } = logger();
  const keys = new KeyTable();
  const o = await NexthopObjects.open(fakeSocket({ dumpErrno: 95 }), 200, keys, log);
  assert.equal(o.enabled, false);
  assert.deepEqual(
    lines.map((l) => [l.level, l.msg]),
    [['info', 'fib: the kernel refuses nexthop objects; routes carry their next hops inline']],
  );
  const k = keys.id(key(['192.0.2.2', 3]));
  assert.equal(o.idFor(k, [{ gateway: v4('192.0.2.2'), ifindex: 3 }], AF_INET), INLINE);
  assert.equal(o.hasPending, false);
  const route = {
    family: AF_INET,
    dst: v4('10.1.0.0'),
    dstLen: 24,
    table: 254,
    protocol: 200,
    priority: 32,
    type: rtnl.RTN_UNICAST,
    scope: 0,
    nextHops: [{ gateway: v4('192.0.2.2'), ifindex: 3 }],
  };
  assert.equal(o.keyOf(route), key(['192.0.2.2', 3]));
  assert.equal(await o.refresh(), false);
});

test("adoption by content: the lowest id of a content is chosen, duplicates are not; groups over ours; ids skip everyone's", async () => {
  const { log } = logger();
  const keys = new KeyTable();
  const sock = fakeSocket({
    objects: [
      single(5, '192.0.2.2', 3),
      single(4, '192.0.2.2', 3), // a duplicate: the lower id is chosen
      single(6, '192.0.2.3', 3),
      {
        id: 8,
        family: 0,
        protocol: 200,
        flags: 0,
        group: [
          { id: 5, weight: 1 },
          { id: 6, weight: 1 },
        ],
      },
      {
        id: 9,
        family: 0,
        protocol: 200,
        flags: 0,
        group: [
          { id: 4, weight: 2 },
          { id: 6, weight: 1 },
        ],
      }, // weighted: not ours to reuse
      single(200000001, '192.0.2.9', 3, 4), // someone else's, in our band
      single(7, '192.0.2.4', 3, 4), // someone else's
    ],
  });
  const o = await NexthopObjects.open(sock, 200, keys, log);
  assert.equal(o.enabled, true);
  const k2 = keys.id(key(['192.0.2.2', 3]));
  const k23 = keys.id(key(['192.0.2.2', 3], ['192.0.2.3', 3]));
  assert.equal(o.idFor(k2, [], AF_INET), 4);
  assert.equal(o.idFor(k23, [], AF_INET), 8);
  const route = (nhId: number) => ({
    family: AF_INET,
    dst: v4('10.1.0.0'),
    dstLen: 24,
    table: 254,
    protocol: 200,
    priority: 32,
    type: rtnl.RTN_UNICAST,
    scope: 0,
    nextHops: [{ gateway: v4('192.0.2.2'), ifindex: 3 }],
    nhId,
  });
  assert.equal(o.keyOf(route(4)), key(['192.0.2.2', 3]));
  assert.equal(o.keyOf(route(5)), 'nhid 5', 'a duplicate differs: its routes are moved to the chosen one');
  assert.equal(o.keyOf(route(7)), 'nhid 7');
  assert.equal(o.keyOf({ ...route(0), nhId: undefined }), `inline ${key(['192.0.2.2', 3])}`);
  assert.deepEqual([...o.ours.keys()].sort(), [4, 5, 6, 8, 9]);

  // A new single and a group over it and an adopted one: the single goes first, its id skips 200000001.
  const k4 = keys.id(key(['192.0.2.4', 3]));
  const k24 = keys.id(key(['192.0.2.2', 3], ['192.0.2.4', 3]));
  const hop = (gw: string) => ({ gateway: v4(gw), ifindex: 3 });
  assert.equal(o.idFor(k24, [hop('192.0.2.2'), hop('192.0.2.4')], AF_INET), PENDING);
  assert.equal(o.idFor(k4, [hop('192.0.2.4')], AF_INET), PENDING);
  await o.create();
  assert.equal(o.hasPending, false);
  assert.deepEqual(
    sock.sent.map((s) => [s.nh.id, s.nh.group?.map((g) => g.id) ?? [...s.nh.gateway!].join('.')]),
    [
      [200000002, '192.0.2.4'],
      [200000003, [4, 200000002]],
    ],
  );
  assert.equal(o.idFor(k4, [], AF_INET), 200000002);
  assert.equal(o.idFor(k24, [], AF_INET), 200000003);
});

test('a refused object: its routes go inline (logged); a taken id (EEXIST) is tried again with another', async () => {
  const { log, lines } = logger();
  const keys = new KeyTable();
  let taken = true;
  const sock = fakeSocket({
    answer: (nh) => {
      if (nh.gateway?.[3] === 9) return 22; // EINVAL for 192.0.2.9
      if (nh.id === 200000001 && taken) {
        taken = false;
        return 17; // EEXIST: someone made it since our dump
      }
      return 0;
    },
  });
  const o = await NexthopObjects.open(sock, 200, keys, log);
  const k9 = keys.id(key(['192.0.2.9', 3]));
  const k2 = keys.id(key(['192.0.2.2', 3]));
  assert.equal(o.idFor(k2, [{ gateway: v4('192.0.2.2'), ifindex: 3 }], AF_INET), PENDING);
  await o.create();
  assert.equal(o.idFor(k2, [], AF_INET), PENDING, 'still waiting: its id was taken');
  await o.create();
  assert.equal(o.idFor(k2, [], AF_INET), 200000002);
  assert.equal(o.idFor(k9, [{ gateway: v4('192.0.2.9'), ifindex: 3 }], AF_INET), PENDING);
  await o.create();
  assert.equal(o.idFor(k9, [], AF_INET), INLINE);
  // Its routes, read back inline, keep their key (no replace at every scan) until links change.
  const inline9 = {
    family: AF_INET,
    dst: v4('10.9.0.0'),
    dstLen: 24,
    table: 254,
    protocol: 200,
    priority: 32,
    type: rtnl.RTN_UNICAST,
    scope: 0,
    nextHops: [{ gateway: v4('192.0.2.9'), ifindex: 3 }],
  };
  assert.equal(o.keyOf(inline9), key(['192.0.2.9', 3]));
  await o.refresh();
  assert.equal(o.idFor(k9, [], AF_INET), INLINE, 'a re-read alone does not ask again');
  o.retry();
  assert.equal(o.keyOf(inline9), `inline ${key(['192.0.2.9', 3])}`);
  assert.equal(o.idFor(k9, [{ gateway: v4('192.0.2.9'), ifindex: 3 }], AF_INET), PENDING);
  assert.ok(lines.some((l) => l.level === 'warn' && /refused a nexthop object/.test(l.msg ?? '')));
});
