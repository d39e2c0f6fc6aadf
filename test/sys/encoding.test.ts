// The byte layouts handed to setsockopt: struct tcp_md5sig (include/uapi/linux/tcp.h) and the
// sockaddr forms, checked octet by octet; and real setsockopt calls through koffi.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import {
  AF_INET,
  AF_INET6,
  TCP_MD5SIG_LEN,
  closeFd,
  encodeMd5Sig,
  encodeSockaddr,
  openTcpSocket,
  setMd5Key,
  setMinTtl,
  setSendTtl,
  SysError,
  fdOf,
} from '../../src/sys';
import { parseIpv6 } from '../../src/net';

const ipv6Octets = (s: string): number[] => [...parseIpv6(s)!];

test('struct tcp_md5sig is 216 octets: sockaddr_storage, flags, prefixlen, keylen, ifindex, key[80]', () => {
  assert.equal(TCP_MD5SIG_LEN, 216);
  const b = encodeMd5Sig({ address: '192.0.2.7', socketFamily: AF_INET, key: Buffer.from('s3cret') });
  assert.ok(Buffer.isBuffer(b));
  assert.equal(b.length, 216);
  assert.equal(b.readUInt16LE(0), AF_INET); // sa_family, host order (x86-64: little endian)
  assert.equal(b.readUInt16BE(2), 0); // port
  assert.deepEqual([...b.subarray(4, 8)], [192, 0, 2, 7]);
  assert.ok(b.subarray(8, 128).every((x) => x === 0));
  assert.equal(b[128], 0, 'flags: none for a single address');
  assert.equal(b[129], 0, 'prefixlen');
  assert.equal(b.readUInt16LE(130), 6, 'keylen');
  assert.equal(b.readInt32LE(132), 0, 'ifindex');
  assert.equal(b.subarray(136, 142).toString(), 's3cret');
  assert.ok(b.subarray(142).every((x) => x === 0));
});

test('tcp_md5sig for a range sets TCP_MD5SIG_FLAG_PREFIX and the length; IPv6 and IPv4-mapped forms', () => {
  const r = encodeMd5Sig({
    address: '10.1.0.0',
    socketFamily: AF_INET,
    key: Buffer.from('k'),
    prefixLength: 16,
  }) as Buffer;
  assert.equal(r[128], 1);
  assert.equal(r[129], 16);
  const v6 = encodeMd5Sig({ address: '2001:db8::5', socketFamily: AF_INET6, key: Buffer.from('key') }) as Buffer;
  assert.equal(v6.readUInt16LE(0), AF_INET6);
  assert.deepEqual([...v6.subarray(8, 24)], [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]);
  assert.equal(v6.readUInt16LE(130), 3);
  // An IPv4 peer of a dual-stack (IPv6) listener: ::ffff:a.b.c.d, and its IPv4 prefix length.
  const mapped = encodeMd5Sig({
    address: '192.0.2.0',
    socketFamily: AF_INET6,
    key: Buffer.from('k'),
    prefixLength: 24,
  }) as Buffer;
  assert.deepEqual([...mapped.subarray(8, 24)], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 0]);
  assert.equal(mapped[129], 24);
});

test('tcp_md5sig refuses what the kernel would: keys over 80 octets, bad lengths, family mismatch', () => {
  assert.match(
    String(encodeMd5Sig({ address: '192.0.2.1', socketFamily: AF_INET, key: Buffer.alloc(81, 1) })),
    /at most 80 octets/,
  );
  assert.match(
    String(encodeMd5Sig({ address: '192.0.2.1', socketFamily: AF_INET, key: Buffer.from('k'), prefixLength: 33 })),
    /prefix length 33/,
  );
  assert.match(String(encodeSockaddr('2001:db8::1', AF_INET)), /IPv6 but the socket is IPv4/);
  assert.match(String(encodeSockaddr('nope', AF_INET)), /not an IP address/);
});

test('sockaddr_in6 carries the port in network order; IPv6 text forms expand to 16 octets', () => {
  const sa = encodeSockaddr('::1', AF_INET6, 179) as Buffer;
  assert.equal(sa.length, 28);
  assert.equal(sa.readUInt16BE(2), 179);
  assert.equal(sa[23], 1);
  assert.deepEqual(ipv6Octets('::ffff:192.0.2.1').slice(10), [0xff, 0xff, 192, 0, 2, 1]);
  assert.deepEqual(ipv6Octets('fe80::1:2'), [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2]);
});

test('real setsockopt through koffi: keys and TTLs accepted, a bad value is a SysError naming the call and errno', {
  skip: process.platform !== 'linux' && 'Linux only',
}, async () => {
  const fd = openTcpSocket(AF_INET6);
  assert.equal(typeof fd, 'number', String(fd));
  try {
    assert.equal(
      setMd5Key({ fd: fd as number, socketFamily: AF_INET6, address: '2001:db8::9', password: 'k' }),
      undefined,
    );
    assert.equal(
      setMd5Key({ fd: fd as number, socketFamily: AF_INET6, address: '192.0.2.9', password: 'k' }),
      undefined,
      'IPv4-mapped key on an IPv6 socket',
    );
    assert.equal(
      setMd5Key({ fd: fd as number, socketFamily: AF_INET6, address: '192.0.2.0', password: 'k', prefixLength: 24 }),
      undefined,
    );
    assert.equal(setSendTtl(fd as number, '2001:db8::9'), undefined);
    assert.equal(setMinTtl(fd as number, '2001:db8::9', 255), undefined);
    const bad = setMinTtl(fd as number, '192.0.2.9', 256);
    assert.ok(bad instanceof SysError, String(bad));
    assert.equal(bad.message, 'setsockopt IP_MINTTL 256: EINVAL (Invalid argument)');
    // Deleting a key that is not there: the kernel's ENOENT, as a value.
    const gone = setMd5Key({ fd: fd as number, socketFamily: AF_INET6, address: '2001:db8::77', password: '' });
    assert.match(String(gone?.message), /TCP_MD5SIG delete 2001:db8::77: ENOENT/);
  } finally {
    closeFd(fd as number);
  }
  // The fd behind a node:net server.
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const sfd = fdOf(server);
    assert.equal(typeof sfd, 'number');
    assert.equal(
      setMd5Key({ fd: sfd as number, socketFamily: AF_INET, address: '127.0.0.9', password: 'x' }),
      undefined,
    );
  } finally {
    server.close();
  }
  assert.ok(fdOf({}) instanceof Error);
});
