// rtnetlink as a codec (no socket, no root): route requests to the exact octets the kernel
// reads (include/uapi/linux/rtnetlink.h, x86-64 host order), decoded back; ACKs with the
// extended-ACK text; dump requests; addresses between text and octets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AF_INET,
  AF_INET6,
  NlBatch,
  formatInetAddr,
  parseInetAddr,
  parseInetPrefix,
  prefixCovers,
  rtnl,
  type NlRoute,
} from '../../src/sys';

const hex = (s: string): string => s.replace(/\s+/g, '');
const v4 = (s: string): Uint8Array => parseInetAddr(s)!.bytes;
const v6 = (s: string): Uint8Array => parseInetAddr(s)!.bytes;

function route(over: Partial<NlRoute>): NlRoute {
  return {
    family: AF_INET,
    dst: v4('10.1.0.0'),
    dstLen: 24,
    table: 254,
    protocol: 200,
    priority: 32,
    type: rtnl.RTN_UNICAST,
    scope: rtnl.RT_SCOPE_UNIVERSE,
    nextHops: [],
    ...over,
  };
}

/** Decodes the single message of a batch as a dump reply would arrive. */
function decodeBack(b: NlBatch): NlRoute {
  const bytes = b.bytes();
  const [m, ...rest] = [...rtnl.messages(bytes, bytes.length)];
  assert.equal(rest.length, 0);
  return rtnl.decodeRoute(bytes, m!)!;
}

const rows: { name: string; type: 24 | 25; flags: number; seq: number; route: NlRoute; hex: string }[] = [
  {
    name: 'IPv4 via a gateway and interface, NEWROUTE with CREATE|EXCL|ACK',
    type: rtnl.RTM_NEWROUTE,
    flags: rtnl.NLM_F_ACK | rtnl.NLM_F_CREATE | rtnl.NLM_F_EXCL,
    seq: 7,
    route: route({ nextHops: [{ gateway: v4('192.0.2.2'), ifindex: 3 }] }),
    hex: `44000000 1800 0506 07000000 00000000
          02 18 00 00 fe c8 00 01 00000000
          0800 0100 0a010000  0800 0f00 fe000000  0800 0600 20000000
          0800 0500 c0000202  0800 0400 03000000`,
  },
  {
    name: 'IPv4 multipath: RTA_MULTIPATH with two rtnexthop, each with RTA_GATEWAY',
    type: rtnl.RTM_NEWROUTE,
    flags: rtnl.NLM_F_ACK | rtnl.NLM_F_CREATE | rtnl.NLM_F_REPLACE,
    seq: 0x01020304,
    route: route({
      nextHops: [
        { gateway: v4('192.0.2.2'), ifindex: 3 },
        { gateway: v4('192.0.2.3'), ifindex: 4 },
      ],
    }),
    hex: `58000000 1800 0505 04030201 00000000
          02 18 00 00 fe c8 00 01 00000000
          0800 0100 0a010000  0800 0f00 fe000000  0800 0600 20000000
          2400 0900  1000 00 00 03000000 0800 0500 c0000202  1000 00 00 04000000 0800 0500 c0000203`,
  },
  {
    name: 'IPv6 blackhole in table 1000 (rtm_table RT_TABLE_COMPAT, RTA_TABLE the number)',
    type: rtnl.RTM_NEWROUTE,
    flags: rtnl.NLM_F_ACK | rtnl.NLM_F_CREATE | rtnl.NLM_F_EXCL,
    seq: 1,
    route: route({ family: AF_INET6, dst: v6('fd00::'), dstLen: 64, table: 1000, type: rtnl.RTN_BLACKHOLE }),
    hex: `40000000 1800 0506 01000000 00000000
          0a 40 00 00 fc c8 00 06 00000000
          1400 0100 fd000000000000000000000000000000  0800 0f00 e8030000  0800 0600 20000000`,
  },
  {
    name: 'IPv4 through nexthop object 200000001: RTA_NH_ID (30) and no next hop of its own',
    type: rtnl.RTM_NEWROUTE,
    flags: rtnl.NLM_F_ACK | rtnl.NLM_F_CREATE | rtnl.NLM_F_REPLACE,
    seq: 2,
    route: route({ nhId: 200000001 }),
    hex: `3c000000 1800 0505 02000000 00000000
          02 18 00 00 fe c8 00 01 00000000
          0800 0100 0a010000  0800 0f00 fe000000  0800 0600 20000000
          0800 1e00 01c2eb0b`,
  },
  {
    name: 'IPv4 delete naming protocol and metric but no next hop',
    type: rtnl.RTM_DELROUTE,
    flags: rtnl.NLM_F_ACK,
    seq: 9,
    route: route({}),
    hex: `34000000 1900 0500 09000000 00000000
          02 18 00 00 fe c8 00 01 00000000
          0800 0100 0a010000  0800 0f00 fe000000  0800 0600 20000000`,
  },
];

for (const r of rows) {
  test(`rtnetlink route: ${r.name}: exact octets, and decoded back`, () => {
    const b = new NlBatch(16); // tiny: the buffer must grow
    b.addRoute(r.type, r.flags, r.seq, r.route);
    assert.equal(b.bytes().toString('hex'), hex(r.hex));
    assert.equal(b.count, 1);
    const back = decodeBack(b);
    assert.deepEqual(
      {
        ...back,
        flags: undefined,
        dst: [...back.dst],
        nextHops: back.nextHops.map((h) => ({ ...h, gateway: h.gateway && [...h.gateway] })),
      },
      {
        ...r.route,
        flags: undefined,
        dst: [...r.route.dst],
        nextHops: r.route.nextHops.map((h) => ({ ...h, gateway: h.gateway && [...h.gateway] })),
      },
    );
  });
}

// Nexthop objects (include/uapi/linux/nexthop.h): nhmsg {family, scope, protocol, resvd,
// u32 flags}, NHA_ID 1, NHA_GROUP 2 (struct nexthop_grp {u32 id, u8 weight-1, u8 weight_high,
// u16 resvd2}), NHA_BLACKHOLE 4, NHA_OIF 5, NHA_GATEWAY 6; RTM_NEWNEXTHOP 104 (0x68),
// RTM_DELNEXTHOP 105. The kernel side (that these are what it takes and gives back) is
// test/node/fib-nexthop.test.ts, read with `ip -j nexthop`.
const nhRows: { name: string; type: 104 | 105; nh: rtnl.NlNexthop; hex: string; back?: rtnl.NlNexthop }[] = [
  {
    name: 'IPv4 gateway and interface, protocol 200',
    type: rtnl.RTM_NEWNEXTHOP,
    nh: { id: 200000001, family: AF_INET, protocol: 200, flags: 0, gateway: v4('192.0.2.2'), ifindex: 3 },
    hex: `30000000 6800 0506 05000000 00000000
          02 00 c8 00 00000000
          0800 0100 01c2eb0b  0800 0600 c0000202  0800 0500 03000000`,
  },
  {
    name: 'IPv6 link-local gateway and interface',
    type: rtnl.RTM_NEWNEXTHOP,
    nh: { id: 200000002, family: AF_INET6, protocol: 200, flags: 0, gateway: v6('fe80::1'), ifindex: 4 },
    hex: `3c000000 6800 0506 05000000 00000000
          0a 00 c8 00 00000000
          0800 0100 02c2eb0b  1400 0600 fe800000000000000000000000000001  0800 0500 04000000`,
  },
  {
    name: 'a group of two, weights 1 and 3 (on the wire weight - 1), family AF_UNSPEC whatever was given',
    type: rtnl.RTM_NEWNEXTHOP,
    nh: {
      id: 200000003,
      family: AF_INET,
      protocol: 200,
      flags: 0,
      group: [
        { id: 200000001, weight: 1 },
        { id: 200000002, weight: 3 },
      ],
    },
    hex: `34000000 6800 0506 05000000 00000000
          00 00 c8 00 00000000
          0800 0100 03c2eb0b  1400 0200 01c2eb0b 00 00 0000 02c2eb0b 02 00 0000`,
    back: {
      id: 200000003,
      family: 0,
      protocol: 200,
      flags: 0,
      group: [
        { id: 200000001, weight: 1 },
        { id: 200000002, weight: 3 },
      ],
    },
  },
  {
    name: 'a blackhole: NHA_BLACKHOLE is a flag with no payload',
    type: rtnl.RTM_NEWNEXTHOP,
    nh: { id: 9, family: AF_INET, protocol: 200, flags: 0, blackhole: true },
    hex: `24000000 6800 0506 05000000 00000000
          02 00 c8 00 00000000
          0800 0100 09000000  0400 0400`,
  },
  {
    name: 'a delete names the id alone: the header stays zero (nh_valid_get_del_req)',
    type: rtnl.RTM_DELNEXTHOP,
    nh: { id: 200000077, family: AF_INET, protocol: 200, flags: 0, gateway: v4('192.0.2.9'), ifindex: 3 },
    hex: `20000000 6900 0506 05000000 00000000
          00 00 00 00 00000000
          0800 0100 4dc2eb0b`,
    back: { id: 200000077, family: 0, protocol: 0, flags: 0 },
  },
];

for (const r of nhRows) {
  test(`rtnetlink nexthop: ${r.name}: exact octets, and decoded back`, () => {
    const b = new NlBatch(16);
    b.addNexthop(r.type, rtnl.NLM_F_ACK | rtnl.NLM_F_CREATE | rtnl.NLM_F_EXCL, 5, r.nh);
    assert.equal(b.bytes().toString('hex'), hex(r.hex));
    const bytes = b.bytes();
    const [m] = [...rtnl.messages(bytes, bytes.length)];
    const back = rtnl.decodeNexthop(bytes, m!)!;
    const plain = (n: rtnl.NlNexthop): object => ({ ...n, gateway: n.gateway && [...n.gateway] });
    assert.deepEqual(plain(back), plain(r.back ?? r.nh));
  });
}

test('a dump reply through a nexthop object: decodeRoute gives RTA_NH_ID beside the hops, routeNhId alone', () => {
  const b = new NlBatch(64);
  // As the kernel dumps it with net.ipv4.nexthop_compat_mode 1: RTA_NH_ID and the object's hop.
  b.addRoute(rtnl.RTM_NEWROUTE, 0, 1, route({ nextHops: [{ gateway: v4('192.0.2.2'), ifindex: 3 }] }));
  const bytes = Buffer.concat([b.bytes(), Buffer.from(hex('0800 1e00 07000000'), 'hex')]);
  bytes.writeUInt32LE(bytes.length, 0);
  const [m] = [...rtnl.messages(bytes, bytes.length)];
  const r = rtnl.decodeRoute(bytes, m!)!;
  assert.equal(r.nhId, 7);
  assert.equal(formatInetAddr(r.nextHops[0]!.gateway!), '192.0.2.2');
  assert.equal(rtnl.routeNhId(bytes, m!), 7);
  const plainRoute = new NlBatch(64);
  plainRoute.addRoute(rtnl.RTM_NEWROUTE, 0, 1, route({}));
  const [pm] = [...rtnl.messages(plainRoute.bytes(), plainRoute.length)];
  assert.equal(rtnl.decodeRoute(plainRoute.bytes(), pm!)!.nhId, undefined);
  assert.equal(rtnl.routeNhId(plainRoute.bytes(), pm!), 0);
});

test('a batch holds many messages back to back, each with its own sequence number', () => {
  const b = new NlBatch(64);
  for (let i = 0; i < 300; i++) {
    b.addRoute(
      rtnl.RTM_NEWROUTE,
      rtnl.NLM_F_ACK,
      1000 + i,
      route({ dst: v4(`10.${i >> 8}.${i & 255}.0`), nextHops: [{ gateway: v4('192.0.2.2') }] }),
    );
  }
  const bytes = b.bytes();
  const ms = [...rtnl.messages(bytes, bytes.length)];
  assert.equal(ms.length, 300);
  assert.deepEqual(
    ms.map((m) => m.seq),
    Array.from({ length: 300 }, (_, i) => 1000 + i),
  );
  assert.equal(formatInetAddr(rtnl.decodeRoute(bytes, ms[299]!)!.dst), '10.1.43.0');
  b.reset();
  assert.equal(b.length, 0);
  assert.equal(b.count, 0);
});

test('messages() stops at a header that claims more than the datagram holds', () => {
  const b = new NlBatch(64);
  b.addRoute(rtnl.RTM_DELROUTE, 0, 1, route({}));
  b.addRoute(rtnl.RTM_DELROUTE, 0, 2, route({}));
  const bytes = b.bytes();
  assert.equal([...rtnl.messages(bytes, bytes.length - 1)].length, 1);
  assert.equal([...rtnl.messages(bytes, 10)].length, 0);
});

test('NLMSG_ERROR: an ACK (0), and an error with NLM_F_CAPPED|NLM_F_ACK_TLVS carrying the kernel text', () => {
  const ack = Buffer.from(
    hex(`24000000 0200 0001 05000000 00000000  00000000  34000000 1800 0506 05000000 00000000`),
    'hex',
  );
  const [m] = [...rtnl.messages(ack, ack.length)];
  assert.deepEqual(rtnl.decodeAck(ack, m!), { seq: 5, errno: 0 });
  const text = Buffer.from('Nexthop has invalid gateway\0');
  const attr = Buffer.alloc(4 + text.length + ((4 - (text.length % 4)) % 4));
  attr.writeUInt16LE(4 + text.length, 0);
  attr.writeUInt16LE(1, 2); // NLMSGERR_ATTR_MSG
  text.copy(attr, 4);
  const body = Buffer.concat([Buffer.from(hex('9bffffff 34000000 1800 0506 06000000 00000000'), 'hex'), attr]);
  const hdr = Buffer.alloc(16);
  hdr.writeUInt32LE(16 + body.length, 0);
  hdr.writeUInt16LE(rtnl.NLMSG_ERROR, 4);
  hdr.writeUInt16LE(rtnl.NLM_F_CAPPED | rtnl.NLM_F_ACK_TLVS, 6);
  hdr.writeUInt32LE(6, 8);
  const err = Buffer.concat([hdr, body]);
  const [e] = [...rtnl.messages(err, err.length)];
  assert.deepEqual(rtnl.decodeAck(err, e!), { seq: 6, errno: 101, message: 'Nexthop has invalid gateway' });
});

test('dump requests: RTM_GETROUTE with table and protocol filter, RTM_GETADDR, RTM_GETLINK and RTM_GETNEXTHOP bodies', () => {
  const b = new NlBatch(16);
  b.addDump(rtnl.RTM_GETROUTE, AF_INET6, 3, { table: 254, protocol: 200 });
  assert.equal(
    b.bytes().toString('hex'),
    hex(`24000000 1a00 0103 03000000 00000000  0a 00 00 00 fe c8 00 00 00000000  0800 0f00 fe000000`),
  );
  b.reset();
  b.addDump(rtnl.RTM_GETADDR, 0, 4);
  assert.equal(b.bytes().toString('hex'), hex(`18000000 1600 0103 04000000 00000000  00 00 00 00 00000000`));
  b.reset();
  b.addDump(rtnl.RTM_GETLINK, 0, 5);
  assert.equal(b.length, 32);
  b.reset();
  b.addDump(rtnl.RTM_GETNEXTHOP, 0, 6); // nhmsg: 8 octets, all zero (nh_valid_dump_req)
  assert.equal(b.bytes().toString('hex'), hex(`18000000 6a00 0103 06000000 00000000  00 00 00 00 00000000`));
});

test('decodeAddr and decodeLink read ifaddrmsg / ifinfomsg and their attributes', () => {
  const addr = Buffer.from(
    hex(`28000000 1400 0200 01000000 00000000  02 18 80 00 03000000  0800 0100 c0000201  0800 0200 c0000201`),
    'hex',
  );
  const [m] = [...rtnl.messages(addr, addr.length)];
  const a = rtnl.decodeAddr(addr, m!)!;
  assert.deepEqual(
    { ...a, address: formatInetAddr(a.address) },
    { family: AF_INET, prefixLen: 24, ifindex: 3, address: '192.0.2.1' },
  );
  const link = Buffer.from(
    hex(`28000000 1000 0200 01000000 00000000  00 00 0100 07000000 43100100 00000000  0800 0300 76723000`),
    'hex',
  );
  const [l] = [...rtnl.messages(link, link.length)];
  assert.deepEqual(rtnl.decodeLink(link, l!), { ifindex: 7, flags: 0x11043, name: 'vr0' });
});

test('inet: addresses and prefixes between text and octets, RFC 5952 text out', () => {
  assert.deepEqual([...v4('192.0.2.255')], [192, 0, 2, 255]);
  for (const bad of [
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1..2.3',
    'a.b.c.d',
    '',
    '1:2:3:4:5:6:7:8:9',
    '::1::',
    'g::1',
  ]) {
    assert.equal(parseInetAddr(bad), undefined, bad);
  }
  const cases: [string, string][] = [
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['::', '::'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['fe80::1', 'fe80::1'],
  ];
  for (const [i, o] of cases) assert.equal(formatInetAddr(parseInetAddr(i)!.bytes), o, i);
  const p = parseInetPrefix('10.65.1.0/26');
  assert.ok(!(p instanceof Error));
  assert.equal(p.len, 26);
  assert.match(String(parseInetPrefix('10.65.1.1/26')), /bits set past \/26/);
  assert.match(String(parseInetPrefix('10.0.0.0/33')), /more than 32/);
  assert.match(String(parseInetPrefix('fd00::/129')), /more than 128/);
  assert.match(String(parseInetPrefix('fd00::')), /not a prefix/);
  assert.equal(parseInetPrefix('::/0') instanceof Error, false);
  assert.ok(prefixCovers(v4('192.0.2.0'), 24, v4('192.0.2.77')));
  assert.ok(!prefixCovers(v4('192.0.2.0'), 25, v4('192.0.2.200')));
  assert.ok(prefixCovers(v6('2001:db8::'), 64, v6('2001:db8::ff')));
  assert.ok(!prefixCovers(v6('2001:db8::'), 64, v4('192.0.2.1')));
});
