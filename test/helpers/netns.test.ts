// Namespace labs (netns.ts): hosts on one segment with documentation addresses, reachable
// over IPv4 and IPv6, all gone after cleanup(); argument checks need no root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { skipReason } from './env';
import { createLab, type Netns } from './netns';

// A TCP echo of one line inside a namespace (plain node, so no nc/socat needed).
const SERVER = `const s=require('net').createServer((c)=>c.on('data',(d)=>{c.end(d);s.close();}));
s.listen(+process.argv[2], process.argv[1], ()=>console.log('up'));`;
const CLIENT = `const c=require('net').connect(+process.argv[2], process.argv[1], ()=>c.write('hi'));
c.on('data',(d)=>{process.stdout.write(d);c.end();});`;

async function tcpEcho(from: Netns, to: Netns, address: string, port: number): Promise<string> {
  const server = to.spawn(process.execPath, ['-e', SERVER, address, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout!.once('data', () => resolve());
      server.once('exit', (code) => reject(new Error(`echo server exited ${code}`)));
    });
    return from.exec(process.execPath, ['-e', CLIENT, address, String(port)], 5000);
  } finally {
    server.kill();
  }
}

test('createLab(3): hosts on a bridge reach each other over IPv4 and IPv6, cleanup removes them', {
  skip: skipReason('netns'),
  timeout: 30_000,
}, async () => {
  const lab = createLab(3, 'hlp');
  const names = [...lab.hosts.map((h) => h.ns.name), lab.hub!.name];
  try {
    const [a, , c] = lab.hosts;
    assert.equal(a.ipv4, '192.0.2.1');
    assert.match(a.linkLocal(), /^fe80::/);
    // Real TCP through the bridge, both families (no DAD delay on the IPv6 address).
    assert.equal(await tcpEcho(a.ns, c.ns, c.ipv4, 17901), 'hi');
    assert.equal(await tcpEcho(c.ns, a.ns, a.ipv6, 17902), 'hi');
  } finally {
    lab.cleanup();
  }
  const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  for (const n of names) assert.ok(!left.includes(n), `${n} still exists`);
});

test('createLab(2): a veth pair, link-local addresses on both ends', { skip: skipReason('netns') }, () => {
  const lab = createLab(2, 'hlp');
  try {
    assert.equal(lab.hub, undefined);
    const [a, b] = lab.hosts;
    assert.deepEqual([b.ipv4, b.ipv6, b.ifname], ['192.0.2.2', '2001:db8::2', 'vr0']);
    assert.notEqual(a.linkLocal(), b.linkLocal());
    // On-link: the kernel resolves the peer's link-local address through vr0.
    assert.match(a.ns.exec('ip', ['-6', 'route', 'get', b.linkLocal(), 'oif', 'vr0']), /dev vr0/);
  } finally {
    lab.cleanup();
    lab.cleanup(); // idempotent
  }
});

test('createLab rejects bad arguments before touching the system', () => {
  assert.throws(() => createLab(1, 'x'), RangeError);
  assert.throws(() => createLab(10, 'x'), RangeError);
  assert.throws(() => createLab(2, 'Bad-Tag'), RangeError);
});
