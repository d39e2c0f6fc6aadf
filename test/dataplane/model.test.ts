// Profile rules and endpoints as the dataplane reads them from the datastore (contract 7):
// every field parsed, every bad one refused with its name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEndpoint, parseProfile, parseRule } from '../../src/dataplane';
import { compileRule } from '../../src/dataplane/acl-rules';

test('each rule field compiles to its nft match', () => {
  const rows: [string, Record<string, unknown>, string[]][] = [
    ['allow all', { action: 'allow' }, ['accept']],
    ['deny all', { action: 'deny' }, ['drop']],
    ['protocol name', { action: 'allow', protocol: 'udp' }, ['meta l4proto udp accept']],
    ['protocol number', { action: 'allow', protocol: 47 }, ['meta l4proto 47 accept']],
    ['icmpv6', { action: 'allow', protocol: 'icmpv6' }, ['meta l4proto ipv6-icmp accept']],
    [
      'srcTag: one rule per family',
      { action: 'allow', srcTag: 'web' },
      ['ip saddr @tag4-web accept', 'ip6 saddr @tag6-web accept'],
    ],
    ['srcNet', { action: 'deny', srcNet: '10.1.2.3/8' }, ['ip saddr 10.0.0.0/8 drop']],
    ['dstNet v6', { action: 'allow', dstNet: '2001:DB8::/32' }, ['ip6 daddr 2001:db8::/32 accept']],
    ['bare address is a host net', { action: 'allow', srcNet: '192.0.2.7' }, ['ip saddr 192.0.2.7/32 accept']],
    [
      'dstPorts list and range',
      { action: 'allow', protocol: 'tcp', dstPorts: [80, '8000:8080'] },
      ['tcp dport { 80, 8000-8080 } accept'],
    ],
    ['srcPorts single', { action: 'allow', protocol: 'udp', srcPorts: [53] }, ['udp sport 53 accept']],
    ['icmpType', { action: 'deny', protocol: 'icmp', icmpType: 8 }, ['icmp type 8 drop']],
    ['icmpv6 type', { action: 'allow', protocol: 'icmpv6', icmpType: 128 }, ['icmpv6 type 128 accept']],
    [
      'tag with icmp: IPv4 only',
      { action: 'allow', protocol: 'icmp', srcTag: 'a' },
      ['ip saddr @tag4-a meta l4proto icmp accept'],
    ],
    [
      'tag with a v6 net: IPv6 only',
      { action: 'allow', srcTag: 'a', dstNet: '2001:db8::/64' },
      ['ip6 saddr @tag6-a ip6 daddr 2001:db8::/64 accept'],
    ],
    [
      'all parts',
      {
        action: 'allow',
        protocol: 'tcp',
        srcTag: 'a',
        srcNet: '10.0.0.0/8',
        dstNet: '10.1.0.0/16',
        srcPorts: ['1024:65535'],
        dstPorts: [443],
      },
      ['ip saddr 10.0.0.0/8 ip saddr @tag4-a ip daddr 10.1.0.0/16 tcp sport 1024-65535 tcp dport 443 accept'],
    ],
    [
      'odd tag name is hashed into an nft identifier',
      { action: 'allow', srcTag: 'a b' },
      [`ip saddr @tag4-h${'x'.repeat(16)} accept`, ''],
    ],
  ];
  for (const [name, rule, want] of rows) {
    const got = compileRule(parseRule(rule, 'r'));
    if (name.startsWith('odd')) {
      assert.match(got[0]!, /^ip saddr @tag4-h[0-9a-f]{16} accept$/, name);
      continue;
    }
    assert.deepEqual(got, want, name);
  }
});

test('bad rule fields are refused with their name', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ action: 'permit' }, /r\.action: "permit" is not allow or deny/],
    [{ action: 'allow', protocol: 'gre' }, /r\.protocol: "gre" is not tcp, udp, icmp, icmpv6 or a number/],
    [{ action: 'allow', protocol: 300 }, /r\.protocol/],
    [{ action: 'allow', dstPorts: [80] }, /r\.dstPorts: needs protocol tcp or udp/],
    [{ action: 'allow', protocol: 'tcp', dstPorts: [70000] }, /r\.dstPorts\[0\]: 70000 is not a port/],
    [{ action: 'allow', protocol: 'tcp', dstPorts: ['90:80'] }, /r\.dstPorts\[0\]/],
    [{ action: 'allow', protocol: 'tcp', dstPorts: [] }, /r\.dstPorts: is an empty list/],
    [{ action: 'allow', icmpType: 8 }, /r\.icmpType: needs protocol icmp or icmpv6/],
    [{ action: 'allow', protocol: 'icmp', icmpType: 256 }, /r\.icmpType: 256 is not an integer 0\.\.255/],
    [{ action: 'allow', srcNet: '10.0.0.0/33' }, /r\.srcNet: "10\.0\.0\.0\/33" is not a CIDR/],
    [{ action: 'allow', srcNet: '10.0.0.0/8', dstNet: '2001:db8::/32' }, /r\.dstNet: is of another address family/],
    [{ action: 'allow', protocol: 'icmp', srcNet: '2001:db8::/32' }, /r\.protocol: does not fit the address family/],
    [{ action: 'allow', srcTag: '' }, /r\.srcTag/],
    [{ action: 'allow', dstTag: 'x' }, /r\.dstTag: unknown field/],
  ];
  for (const [rule, re] of bad) assert.throws(() => parseRule(rule, 'r'), re, JSON.stringify(rule));
});

test('a profile with a bad rule denies all and says which field', () => {
  const p = parseProfile(
    'web',
    JSON.stringify({ spec: { inbound: [{ action: 'allow' }, { action: 'allow', protocol: 'tcp', dstPorts: ['x'] }] } }),
  );
  assert.equal(p.error, 'profile web: spec.inbound[1].dstPorts[0]: "x" is not a port (0..65535) or range "lo:hi"');
  assert.deepEqual(p.inbound, []);
  assert.match(parseProfile('x', '{').error!, /is not JSON/);
  const ok = parseProfile(
    'PROF_A_C_E',
    JSON.stringify({ spec: { inbound: [{ action: 'allow', srcTag: 'PROF_A_C_E' }], outbound: [{ action: 'allow' }] } }),
  );
  assert.equal(ok.error, undefined);
  assert.equal(ok.inbound.length, 1);
});

test('endpoints: host addresses, interface name, profiles; what cannot be programmed is an error', () => {
  const ep = parseEndpoint(
    'alpha.wl-a.eth0',
    JSON.stringify({
      spec: {
        node: 'alpha',
        interfaceName: 'vr1a2b3c',
        mac: 'EE:EE:EE:EE:EE:EE',
        ipNetworks: ['192.168.1.1/32', '2001:DB8:0::1/128'],
        profiles: ['PROF_A_C_E'],
      },
    }),
  )!;
  assert.deepEqual(ep, {
    name: 'alpha.wl-a.eth0',
    node: 'alpha',
    ifname: 'vr1a2b3c',
    v4: ['192.168.1.1'],
    v6: ['2001:db8::1'],
    profiles: ['PROF_A_C_E'],
    mac: 'ee:ee:ee:ee:ee:ee',
  });
  const wide = parseEndpoint(
    'x',
    JSON.stringify({ spec: { node: 'alpha', interfaceName: 'vrx', ipNetworks: ['10.0.0.0/24'] } }),
  )!;
  assert.match(wide.error!, /spec\.ipNetworks\[0\]: "10\.0\.0\.0\/24" is not a \/32 or \/128 network/);
  const badIf = parseEndpoint(
    'y',
    JSON.stringify({ spec: { node: 'alpha', interfaceName: 'a-name-longer-than-15' } }),
  )!;
  assert.match(badIf.error!, /spec\.interfaceName/);
  assert.equal(parseEndpoint('z', JSON.stringify({ spec: {} })), undefined);
});
