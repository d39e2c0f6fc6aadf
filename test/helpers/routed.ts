// Three namespaces in a row for tests that need a router between two hosts (GTSM, RFC 5082:
// a peer two hops away):  a 192.0.2.1 / 2001:db8:1::1 -- r (forwarding) -- b 198.51.100.2 /
// 2001:db8:2::2. Documentation addresses (RFC 5737, RFC 3849) that exist only inside these
// namespaces; a and b route everything via r. Names carry the pid, as netns.ts does.
import { type Netns, vethPair, withNamespaceSet } from './netns';

export interface RoutedLab {
  readonly a: Netns;
  readonly r: Netns;
  readonly b: Netns;
  readonly aIpv4: string;
  readonly aIpv6: string;
  readonly bIpv4: string;
  readonly bIpv6: string;
  cleanup(): void;
}

export function createRoutedLab(tag: string): RoutedLab {
  return withNamespaceSet(tag, 'createRoutedLab', (set) => {
    const a = set.create('a');
    const r = set.create('r');
    const b = set.create('b');
    vethPair(a, 'vr0', r, 'ra');
    vethPair(b, 'vr0', r, 'rb');
    const addr = (ns: Netns, dev: string, v4: string, v6: string): void => {
      ns.exec('ip', ['addr', 'add', v4, 'dev', dev]);
      ns.exec('ip', ['addr', 'add', v6, 'dev', dev, 'nodad']);
      ns.exec('ip', ['link', 'set', dev, 'up']);
    };
    addr(a, 'vr0', '192.0.2.1/24', '2001:db8:1::1/64');
    addr(r, 'ra', '192.0.2.254/24', '2001:db8:1::fe/64');
    addr(r, 'rb', '198.51.100.254/24', '2001:db8:2::fe/64');
    addr(b, 'vr0', '198.51.100.2/24', '2001:db8:2::2/64');
    r.exec('sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    a.exec('ip', ['route', 'add', 'default', 'via', '192.0.2.254']);
    a.exec('ip', ['-6', 'route', 'add', 'default', 'via', '2001:db8:1::fe']);
    b.exec('ip', ['route', 'add', 'default', 'via', '198.51.100.254']);
    b.exec('ip', ['-6', 'route', 'add', 'default', 'via', '2001:db8:2::fe']);
    return {
      a,
      r,
      b,
      aIpv4: '192.0.2.1',
      aIpv6: '2001:db8:1::1',
      bIpv4: '198.51.100.2',
      bIpv6: '2001:db8:2::2',
      cleanup: set.cleanup,
    };
  });
}

/** Absolute kernel counters of a namespace (`nstat -asz NAMES`: absolute, history untouched, zeros too). */
export function nstat(ns: Netns, ...names: string[]): Record<string, number> {
  const out = ns.exec('nstat', ['-asz', ...names]);
  const r: Record<string, number> = {};
  for (const n of names) r[n] = 0;
  for (const line of out.split('\n')) {
    const m = /^(\w+)\s+(\d+)/.exec(line);
    if (m && m[1] !== undefined && m[1] in r) r[m[1]] = Number(m[2]);
  }
  return r;
}
